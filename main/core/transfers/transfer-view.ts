/**
 * What one upload or download looks like from outside the queue: the window's transfer list and
 * the CLI's progress read it. Plain data with no imports, so the window's contract
 * (preload/contract.ts) shares this one definition without loading any Node code.
 */

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
  let size = 0;
  let done = 0;
  let bytesPerSecond = 0;
  let running = 0;
  let counted = 0;
  let ownEtas = true;
  /** The longest time left of a running transfer: all of them together cannot finish sooner. */
  let longest = 0;
  for (const t of views) {
    if (t.status === 'failed' || t.status === 'cancelled' || (t.status === 'done' && !how.countFinished)) continue;
    counted++;
    size += t.size;
    done += t.status === 'done' ? t.size : Math.min(t.bytesDone, t.size);
    if (t.status === 'running') {
      running++;
      // A transfer waiting for the network moves nothing, whatever it moved before.
      if (!t.waiting) bytesPerSecond += t.bytesPerSecond;
      if (t.etaSeconds === undefined && t.bytesDone < t.size) ownEtas = false;
      else if (t.etaSeconds !== undefined) longest = Math.max(longest, t.etaSeconds);
    }
  }
  const left = size - done;
  const finishing = running > 0 && left === 0;
  const known = bytesPerSecond > 0 && left > 0 && ownEtas;
  return { size, done, bytesPerSecond, running, counted, finishing, ...(known ? { etaSeconds: Math.max(left / bytesPerSecond, longest) } : {}) };
}
