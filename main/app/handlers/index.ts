/**
 * The IPC handler table: every channel of the contract, implemented over the core, one part per
 * feature (accounts, objects, transfers, links, requests, settings, files), merged here so the
 * compiler flags a channel that no part handles and one that two parts do. It imports nothing
 * from Electron, so the end-to-end tests run this same table in Node and wire the real renderer
 * to it; main/app/ipc.ts registers it with ipcMain behind the sender check.
 */
import type { Channel, LinkView, PrivateLinkView } from '../../../preload/contract';
import { requests } from '../../../preload/contract';
import type { Result } from '../../../preload/api';
import { FerryError, isFerryError } from '../../core/errors';
import type { Ferry } from '../../core/ferry';
import type { Preferences } from '../../core/settings/preferences';
import type { TransferQueue } from '../../core/transfers/queue';
import type { UploadHistory, UploadRecord } from '../../core/transfers/upload-history';
import { AccountConnections } from '../connections';
import { PathGrants } from '../grants';
import { KnownNames } from '../known-names';
import { DropNotices, Notifier, watchRequests } from '../notifications';
import type { Emit, Platform } from '../platform';
import { OutsideShares } from '../outside';
import { SessionLinks } from '../session-links';
import { setupTransfers } from '../transfers';
import { describeInvalid } from '../validation-words';
import { WaitingTransfers } from '../waiting-transfers';
import { forWindow } from '../window-words';
import { accountHandlers } from './accounts';
import type { AppInfo, HandlerContext, Handlers } from './context';
import { safeText } from '../../core/text';
import { fileHandlers } from './files';
import { dataFolderError } from '../../core/files';
import { linkHandlers } from './links';
import { objectHandlers } from './objects';
import { requestHandlers } from './requests';
import { settingsHandlers } from './settings';
import { transferHandlers } from './transfers';

export type { Emit, Platform } from '../platform';
export type { Handlers } from './context';

export interface AppCore {
  handlers: Handlers;
  queue: TransferQueue;
  uploads: UploadHistory;
  /** Validates an untrusted payload and runs the channel's handler; never throws. */
  handle(channel: string, payload: unknown): Promise<Result<unknown>>;
  /** Signs a fresh link for a finished upload with the default expiry and copies it (the tray's action). */
  copyLinkFor(upload: UploadRecord): Promise<LinkView>;
  /**
   * Encrypts local files the user picked (the tray's "Share files privately…") into a private
   * link in the bucket of the latest upload, as "Copy share link" uses, with the default expiry,
   * and copies it.
   */
  sharePrivately(files: string[]): Promise<PrivateLinkView & { bucket: string }>;
  /** Latest finished uploads, newest first. */
  recentUploads(limit?: number): Promise<UploadRecord[]>;
  /** Checks open file requests for new files and notifies about them. */
  pollRequests(): Promise<void>;
  /** Files, the clipboard and captures shared from outside the window, to the destination chosen in Settings (outside.ts). */
  outside: OutsideShares;
  dispose(): void;
}

export interface AppCoreOptions {
  ferry: Ferry;
  dataDir: string;
  platform: Platform;
  emit: Emit;
  appInfo: AppInfo;
  /** How often queued progress is sent to the window. */
  batchMs?: number;
  /** Called when the recent uploads change (the tray rebuilds its menu). */
  onRecentChanged?: () => void;
  /** How often open file requests are checked for new files (0: never; tests call pollRequests). */
  requestPollMs?: number;
  /** Opens the window's Settings: a share from outside needs a destination chosen there. */
  showSettings?: () => void;
  /** How long files handed over one by one are gathered into one share from outside (outside.ts). */
  gatherMs?: number;
}

/** Channels that two parts both handle (in the merge the later part's handler would win unseen): there must be none. */
type HandledTwice<T extends readonly unknown[]> = T extends readonly [infer Head, ...infer Rest] ? (Head & Rest[number]) | HandledTwice<Rest> : never;
type None<T extends never> = T;
/** The parts merged in createAppCore, the same seven: a channel in two of them fails to compile here. */
type _EachChannelOnce = None<
  HandledTwice<
    [
      keyof ReturnType<typeof accountHandlers>,
      keyof ReturnType<typeof objectHandlers>,
      keyof ReturnType<typeof transferHandlers>,
      keyof ReturnType<typeof linkHandlers>,
      keyof ReturnType<typeof requestHandlers>,
      keyof ReturnType<typeof settingsHandlers>,
      keyof ReturnType<typeof fileHandlers>,
    ]
  >
>;

const isChannel = (c: string): c is Channel => Object.prototype.hasOwnProperty.call(requests, c);

export function createAppCore(opts: AppCoreOptions): AppCore {
  const { ferry, emit } = opts;
  // Notifications can be turned off in Settings; everything else the platform does stays as is.
  const notifier = new Notifier(opts.platform);
  // Preferences that act at once: notifications, and the limit all of the window's uploads share.
  const follow = <T extends Preferences>(p: T): T => {
    ferry.bandwidth.uploads.set(p.uploadLimitMiBps ? p.uploadLimitMiBps * 1024 * 1024 : undefined);
    return notifier.follow(p);
  };
  void ferry.preferences.get().then(follow, () => {});
  const platform: Platform = { ...opts.platform, notify: notifier.notify };
  const connections = new AccountConnections(ferry);
  const connection = (account: string) => connections.get(account);
  const grants = new PathGrants();
  const known = new KnownNames();
  // The window opens where it was last: that place was checked when it was saved.
  const seeded = ferry.preferences.get().then(
    (p) => {
      const at = p.lastLocation;
      if (at?.bucket) known.learnKeys(at.account, at.bucket, at.prefix ? [at.prefix] : []);
    },
    () => {},
  );
  const links = new SessionLinks({ ferry, connection, emit, copyText: platform.copyText });
  const drops = new DropNotices(platform.notify);
  const transfers = setupTransfers({
    ferry,
    dataDir: opts.dataDir,
    connection,
    known,
    drops,
    links,
    emit,
    notify: platform.notify,
    batchMs: opts.batchMs,
    onRecentChanged: opts.onRecentChanged,
  });
  const { queue, uploads } = transfers;
  const waiting = new WaitingTransfers({ queue, connection, drops, emit });

  const ctx: HandlerContext = {
    ferry,
    platform,
    emit,
    appInfo: opts.appInfo,
    connection,
    forget: (account) => connections.forget(account),
    known,
    grants,
    queue,
    waiting,
    drops,
    notifier,
    follow,
    links,
    seeded,
    restored: transfers.restored,
  };
  // Typed as the whole table: a channel no part handles fails to compile here.
  const handlers: Handlers = {
    ...accountHandlers(ctx),
    ...objectHandlers(ctx),
    ...transferHandlers(ctx),
    ...linkHandlers(ctx),
    ...requestHandlers(ctx),
    ...settingsHandlers(ctx),
    ...fileHandlers(ctx),
  };

  const requestWatch = watchRequests(ferry, platform.notify, opts.requestPollMs);
  const outside = new OutsideShares({
    ferry,
    dataDir: opts.dataDir,
    room: { ferry, emit, connection, known, queue, waiting, drops },
    links,
    copyText: platform.copyText,
    // Always said, whatever the Settings switch: outside the window the notification is the only answer.
    // One line each: names handed over may hold line breaks or bidi controls ("a\u202Etxt.exe"), shown as escapes.
    notify: (title, body) => opts.platform.notify(safeText(title), safeText(body)),
    showSettings: () => opts.showSettings?.(),
    gatherMs: opts.gatherMs,
  });
  // Once the list is back: shares a quit or killed run left waiting for the network go on, and
  // what it left of the clipboard's files that nothing reads any more is removed.
  void transfers.restored.then(() => outside.resume(queue.list().map((t) => t.file))).catch(() => {});

  return {
    handlers,
    queue,
    outside,
    pollRequests: requestWatch.poll,
    uploads,
    copyLinkFor: (u) => links.copyFor(u),
    async sharePrivately(files) {
      const [latest] = await uploads.list(1);
      if (!latest) throw new FerryError('USAGE', 'Upload a file first: a private link from the tray goes into the bucket of your latest upload.');
      const { defaultExpirySeconds } = await ferry.preferences.get();
      const made = await links.makePrivate(latest.account, { bucket: latest.bucket, files, expiresIn: defaultExpirySeconds });
      platform.copyText(made.url);
      return { ...made, bucket: latest.bucket };
    },
    recentUploads: (limit = 10) => uploads.list(limit),
    async handle(channel, payload) {
      if (!isChannel(channel)) return { ok: false, error: { code: 'USAGE', message: `Unknown channel ${channel}` } };
      const parsed = requests[channel].safeParse(payload);
      if (!parsed.success) return { ok: false, error: { code: 'BAD_REQUEST', message: describeInvalid(parsed.error.issues[0]) } };
      try {
        const handler = handlers[channel] as (r: unknown) => Promise<unknown>;
        return { ok: true, value: await handler(parsed.data) };
      } catch (err) {
        if (isFerryError(err)) return { ok: false, error: { code: err.code, message: forWindow(err.message) } };
        const local = dataFolderError(err, opts.dataDir);
        if (local) return { ok: false, error: { code: local.code, message: forWindow(local.message) } };
        return { ok: false, error: { code: 'INTERNAL', message: `Something went wrong: ${err instanceof Error ? err.message : String(err)}` } };
      }
    },
    dispose() {
      outside.dispose();
      requestWatch.stop();
      waiting.stop();
      transfers.dispose();
      connections.closeAll();
    },
  };
}
