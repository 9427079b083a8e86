/**
 * What the app says in system notifications: transfers that ended (one notification per drop,
 * never one per file) and files that arrived through open file requests. All of it goes through
 * Notifier, which keeps to the Settings switch.
 */
import type { TransferView } from '../../preload/contract';
import type { Ferry } from '../core/ferry';
import { safeLines, safeText } from '../core/text';
import type { Platform } from './platform';
import { forWindow, leafOf } from './window-words';

type Notify = (title: string, body: string) => void;

/**
 * The platform's notifications as the app shows them: none while they are off in Settings (the
 * setting is kept here, so a notification is shown or not at once), and names as the window
 * shows them (control and bidi characters visible).
 */
export class Notifier {
  private on = true;

  constructor(private readonly platform: Pick<Platform, 'notify'>) {}

  readonly notify: Notify = (title, body) => {
    if (this.on) this.platform.notify(safeText(title), safeLines(body));
  };

  /** Follows the preferences just read or saved; returns them. */
  readonly follow = <T extends { notifications?: boolean }>(p: T): T => ((this.on = p.notifications !== false), p);
}

/** Transfers added together (one drop, paste, pick or download), announced together when the last one ends. */
interface DropGroup {
  direction: 'upload' | 'download';
  /** Where downloads went. */
  folder?: string;
  bucket: string;
  prefix: string;
  size: number;
  left: number;
  done: string[];
  failed: string[];
  /** Each failure's code (FerryError's), where it had one, beside `failed`. */
  failedCodes: Array<string | undefined>;
  /** Says the drop's end itself (outside shares: one link for it) instead of the usual notification. */
  onEnd?: DropEnd;
}

/** Called once when a drop's last transfer ends: the keys that were stored, each failure in the window's words, and each failure's code. */
export type DropEnd = (done: string[], failed: string[], failedCodes: Array<string | undefined>) => void;

/** What a transfer that ended leaves to announce. */
export interface Ended {
  /** It was added on its own (not one of a drop of many). */
  alone: boolean;
  /** Its drop announces itself (onEnd): no link is copied for it on the side. */
  own: boolean;
  /** Announces its drop if it was the drop's last to end, or itself if it was in none. */
  announce(copied: boolean): void;
}

/** The notifications for transfers that end: one for a drop's finished files and one for its failures. */
export class DropNotices {
  private readonly groups = new Map<string, DropGroup>();

  constructor(private readonly notify: Notify) {}

  /** Transfers added together: they are announced together when the last of them ends. */
  track(added: TransferView[], where: { direction: 'upload' | 'download'; bucket: string; prefix: string; folder?: string; onEnd?: DropEnd }): void {
    const group: DropGroup = { ...where, size: added.length, left: added.length, done: [], failed: [], failedCodes: [] };
    for (const t of added) this.groups.set(t.id, group);
  }

  /** Transfers a plan made later for one already tracked (a folder's files, listed when the network came back) join its drop. */
  join(id: string, added: TransferView[]): void {
    const group = this.groups.get(id);
    if (!group) return;
    group.size += added.length;
    group.left += added.length;
    for (const t of added) this.groups.set(t.id, group);
  }

  /**
   * Books a transfer that ended into its drop at once (synchronously: the last of a drop to end
   * announces the drop); the announcement itself waits until the caller knows whether a link was
   * copied.
   */
  ended(view: TransferView): Ended {
    const group = this.groups.get(view.id);
    this.groups.delete(view.id);
    if (group) {
      if (view.status === 'done') group.done.push(view.key);
      else if (view.status === 'failed') {
        group.failed.push(`${leafOf(view.key)}: ${forWindow(view.error ?? 'unknown error')}`);
        group.failedCodes.push(view.errorCode);
      }
      group.left--;
    }
    const last = group?.left === 0;
    return {
      alone: !group || group.size === 1,
      own: !!group?.onEnd,
      announce: (copied) => {
        if (!group) return this.announce({ direction: view.direction, bucket: view.bucket, prefix: '', size: 1, left: 0, done: view.status === 'done' ? [view.key] : [], failed: view.status === 'failed' ? [`${leafOf(view.key)}: ${forWindow(view.error ?? 'unknown error')}`] : [], failedCodes: view.status === 'failed' ? [view.errorCode] : [] }, copied);
        if (last) this.announce(group, copied);
      },
    };
  }

  /** One notification for a drop's finished files and one for its failures: never one per file. */
  private announce(g: DropGroup, copied: boolean): void {
    if (g.onEnd) return g.onEnd(g.done, g.failed, g.failedCodes);
    const notify = this.notify;
    const where = `${g.bucket}/${g.prefix}`;
    if (g.direction === 'download') {
      const names = g.done.map(leafOf);
      if (names.length) notify(names.length === 1 ? 'Download finished' : `${names.length} files downloaded`, `${names.length <= 3 ? names.join(', ') : `${names.slice(0, 2).join(', ')} and ${names.length - 2} more`} ${names.length === 1 ? 'is' : 'are'} in ${g.folder ?? 'your folder'}.`);
      if (g.failed.length) notify(g.failed.length === 1 ? 'Download failed' : `${g.failed.length} downloads failed`, `${g.failed[0]}${g.failed.length > 1 ? ` (and ${g.failed.length - 1} more; see the transfer list)` : ''}`);
      return;
    }
    if (g.done.length) {
      const names = g.done.map(leafOf);
      const listed = names.length <= 3 ? names.join(', ') : `${names.slice(0, 2).join(', ')} and ${names.length - 2} more`;
      if (copied) notify('Uploaded, link copied', `${listed} is uploaded to ${where}; its share link is on the clipboard.`);
      else notify(names.length === 1 ? 'Upload finished' : `${names.length} files uploaded`, `${listed} ${names.length === 1 ? 'is' : 'are'} in ${where}.`);
    }
    if (g.failed.length) {
      notify(g.failed.length === 1 ? 'Upload failed' : `${g.failed.length} uploads failed`, `${g.failed[0]}${g.failed.length > 1 ? ` (and ${g.failed.length - 1} more; see the upload list)` : ''}`);
    }
  }
}

export interface RequestWatch {
  /** Checks open file requests for new files and notifies about them. */
  poll(): Promise<void>;
  stop(): void;
}

/**
 * Files arriving through open requests are announced while Ferry runs: one notification per
 * request and poll. The first poll only learns what is already there. Every `everyMs` (0: never;
 * tests call poll).
 */
export function watchRequests(ferry: Ferry, notify: Notify, everyMs = 60_000): RequestWatch {
  const seen = new Map<string, Set<string>>();
  const poll = async () => {
    for (const r of await ferry.listRequests()) {
      const keys = new Set(r.received.map((o) => o.key));
      const before = seen.get(r.pageKey);
      seen.set(r.pageKey, keys);
      if (!before) continue;
      const fresh = [...keys].filter((k) => !before.has(k));
      if (fresh.length) {
        notify(
          `${fresh.length} new file${fresh.length === 1 ? '' : 's'} for “${r.title}”`,
          `${fresh.slice(0, 3).map((k) => k.slice(k.lastIndexOf('/') + 1)).join(', ')}${fresh.length > 3 ? ', …' : ''} arrived in ${r.bucket}/${r.prefix}`,
        );
      }
    }
  };
  // One poll at a time: a slow server never piles polls up.
  let polling: Promise<void> | undefined;
  const pollOnce = () => {
    polling ??= poll()
      .catch(() => {})
      .finally(() => (polling = undefined));
  };
  const timer = everyMs === 0 ? undefined : setInterval(pollOnce, everyMs);
  timer?.unref();
  return { poll, stop: () => timer && clearInterval(timer) };
}
