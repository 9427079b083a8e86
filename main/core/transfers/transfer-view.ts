/**
 * What one upload or download looks like from outside the queue: the window's transfer list and
 * the CLI's progress read it. Plain data, and the accounting of many (imports only rate.ts, which
 * imports nothing), so the window's contract (preload/contract.ts) shares this one definition
 * without loading any Node code.
 */
import { RecentRate } from './rate';

export type TransferStatus = 'queued' | 'running' | 'paused' | 'done' | 'failed' | 'cancelled';

export type Direction = 'upload' | 'download';

/** What the window shows of one upload or download. */
export interface TransferView {
  id: string;
  direction: Direction;
  account: string;
  bucket: string;
  key: string;
  file: string;
  size: number;
  status: TransferStatus;
  bytesDone: number;
  /** Of bytesDone, what was there before this run (parts on the server, a download's kept part): not moved by it. */
  bytesBefore?: number;
  bytesPerSecond: number;
  etaSeconds?: number;
  error?: string;
  /** The failure's code (FerryError), where it has one: OBJECTS_EXIST is a --no-clobber upload that replaced nothing. */
  errorCode?: string;
  /** The endpoint stopped answering; the transfer continues by itself when it is back. */
  waiting?: boolean;
  /** A finished download: checked against the object's MD5, against its parts' MD5s, or by size only (see verify.ts). */
  verified?: 'md5' | 'parts-md5' | 'size';
}

/** Where the work still to do stands, as the window's status strip and the CLI's bar show it. */
export interface Overall {
  /** Bytes of the work counted. */
  size: number;
  /** Bytes of it the network has taken (uploads) or that have arrived (downloads). */
  done: number;
  /** What the running transfers move together, smoothed (progress.ts). */
  bytesPerSecond: number;
  /** Transfers running now. */
  running: number;
  /** Transfers counted: running, queued or paused (and, with countFinished, done). */
  counted: number;
  /** Seconds left at that rate; undefined until a rate is known, and while finishing. */
  etaSeconds?: number;
  /** Every byte is taken and something is still running: the servers are finishing. */
  finishing: boolean;
}

/**
 * One accounting for the window and the CLI. The window counts only the work still to do
 * (queued, running, paused): a finished upload is not part of a download started after it. A
 * command line's bar (cp --recursive) counts its own finished files too (`countFinished`), the
 * way a folder's bar should. Failed and cancelled work never counts: its partial bytes are not
 * progress.
 */
export function overallProgress(views: Iterable<TransferView>, how: { countFinished?: boolean } = {}): Overall {
  return tally(views, how).overall;
}

/** Bytes of a transfer that are done: all of a finished one, never more than its size. */
const doneOf = (t: TransferView) => (t.status === 'done' ? t.size : Math.min(t.bytesDone, t.size));

/**
 * overallProgress's one pass, with what OverallMeter needs besides: the longest time left a
 * running transfer gives itself, and whether every running one waits for the network.
 */
function tally(views: Iterable<TransferView>, how: { countFinished?: boolean }): { overall: Overall; longest: number; allWaiting: boolean } {
  let size = 0;
  let done = 0;
  let bytesPerSecond = 0;
  let running = 0;
  let counted = 0;
  let ownEtas = true;
  /** The longest time left of a running transfer: all of them together cannot finish sooner. */
  let longest = 0;
  let waiting = 0;
  for (const t of views) {
    if (t.status === 'failed' || t.status === 'cancelled' || (t.status === 'done' && !how.countFinished)) continue;
    counted++;
    size += t.size;
    done += doneOf(t);
    if (t.status === 'running') {
      running++;
      // A transfer waiting for the network moves nothing, whatever it moved before.
      if (t.waiting) waiting++;
      else bytesPerSecond += t.bytesPerSecond;
      if (t.etaSeconds === undefined && t.bytesDone < t.size) ownEtas = false;
      else if (t.etaSeconds !== undefined) longest = Math.max(longest, t.etaSeconds);
    }
  }
  const left = size - done;
  const finishing = running > 0 && left === 0;
  const known = bytesPerSecond > 0 && left > 0 && ownEtas;
  const overall = { size, done, bytesPerSecond, running, counted, finishing, ...(known ? { etaSeconds: Math.max(left / bytesPerSecond, longest) } : {}) };
  return { overall, longest, allWaiting: waiting === running };
}

/** What a transfer has moved in this run: done, less what was there before it began. */
function movedBy(t: TransferView): number {
  return Math.max(0, doneOf(t) - (t.bytesBefore ?? 0));
}

/**
 * overallProgress over time, for the window's strip and the CLI's bar: the rate is measured on
 * every byte the transfers moved together, finished ones included, not summed from the rates of
 * those running now. A folder of small files, each done before it has a rate of its own, so has
 * a rate and a time left; a stall makes the time left grow (RecentRate); parts already on the
 * server when a transfer resumed are never speed.
 */
export class OverallMeter {
  private readonly rate = new RecentRate();
  /** What each transfer seen had moved when last seen. */
  private readonly moved = new Map<string, number>();
  private total = 0;

  /** Transfers there before watching began (the window's first list): what they moved earlier is not this rate. */
  seed(views: Iterable<TransferView>): void {
    for (const t of views) this.moved.set(t.id, movedBy(t));
  }

  update(views: Iterable<TransferView>, now: number, how: { countFinished?: boolean } = {}): Overall {
    const list = [...views];
    for (const t of list) {
      const moved = movedBy(t);
      const before = this.moved.get(t.id) ?? 0;
      // Never backwards: bytes sent again after a lost connection were counted when first sent.
      if (moved > before) {
        this.total += moved - before;
        this.moved.set(t.id, moved);
      }
    }
    this.rate.record(now, this.total);
    const { overall: o, longest, allWaiting } = tally(list, how);
    const { etaSeconds: _own, ...rest } = o;
    const left = o.size - o.done;
    if (!o.running) return { ...rest, bytesPerSecond: 0 };
    const est = this.rate.estimate(now, this.total, this.total + left);
    // Waiting for the network moves nothing, whatever moved before.
    const bytesPerSecond = allWaiting ? 0 : est.bytesPerSecond;
    if (o.finishing || left <= 0 || !bytesPerSecond || est.etaSeconds === undefined) return { ...rest, bytesPerSecond };
    // All together cannot finish sooner than the slowest running transfer says it will.
    return { ...rest, bytesPerSecond, etaSeconds: Math.max(est.etaSeconds, o.etaSeconds ?? 0, longest) };
  }
}
