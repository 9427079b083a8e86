/**
 * What every part of the handler table shares: the type of the table itself, and the context the
 * parts are built over (the core, the desktop, and the app's rooms: connections, names the window
 * may use, granted paths, the transfer queue, notifications and this session's links).
 */
import type { Channel, Requests, Responses } from '../../../preload/contract';
import { FerryError } from '../../core/errors';
import type { Connection, Ferry } from '../../core/ferry';
import type { TransferQueue } from '../../core/transfers/queue';
import type { Preferences } from '../../core/settings/preferences';
import type { PathGrants } from '../grants';
import type { KnownNames } from '../known-names';
import type { DropNotices, Notifier } from '../notifications';
import type { Emit, Platform } from '../platform';
import type { SessionLinks } from '../session-links';
import type { WaitingTransfers } from '../waiting-transfers';

/** One handler per channel of the contract. */
export type Handlers = { [C in Channel]: (request: Requests[C]) => Promise<Responses[C]> };

export interface AppInfo {
  name: string;
  version: string;
  platform: string;
}

export interface HandlerContext {
  ferry: Ferry;
  /** The desktop, with notifications as Notifier shows them. */
  platform: Platform;
  emit: Emit;
  appInfo: AppInfo;
  /** The account's shared connection (see connections.ts). */
  connection(account: string): Promise<Connection>;
  /** New work on the account gets a new connection. */
  forget(account: string): void;
  /** Names the window may use in requests to servers: only what main was shown or made (see known-names.ts). */
  known: KnownNames;
  grants: PathGrants;
  queue: TransferQueue;
  /** Transfers asked for while their endpoint cannot be reached: they wait for it. */
  waiting: WaitingTransfers;
  drops: DropNotices;
  notifier: Notifier;
  /** Puts saved preferences into effect (notifications on or off, the upload limit) and returns them. */
  follow: <T extends Preferences>(p: T) => T;
  links: SessionLinks;
  /** Settles once the place the window was last is known (it opens there: that place was checked when it was saved). */
  seeded: Promise<void>;
  /** Settles once the transfers an earlier run left are back in the queue. */
  restored: Promise<unknown>;
}

/** An account saved without a passing test is browsable, but what its endpoint answers is never shown or opened. */
export async function requireTested(ferry: Ferry, account: string, what: string): Promise<void> {
  if ((await ferry.accounts.get(account)).untested) {
    throw new FerryError('FORBIDDEN', `${what} is off for "${account}" until its connection test passes: it was saved without one, so what its endpoint answers may not be storage of yours. Open the account's settings and test it again.`);
  }
}
