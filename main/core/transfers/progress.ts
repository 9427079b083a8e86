import type { Clock } from '../clock';
import { RecentRate } from './rate';

export interface Progress {
  bytesDone: number;
  totalBytes: number;
  /** Recent rate, averaged over the last few seconds (rate.ts); 0 until it is known. */
  bytesPerSecond: number;
  /**
   * Seconds left at the recent rate; undefined until a rate is known, and once every byte has
   * been taken while the transfer is not over yet (the UIs say "Finishing…").
   */
  etaSeconds?: number;
  done: boolean;
  /** Of bytesDone, what was there before this run (parts on the server, a download's kept part): not moved by it. */
  bytesBefore?: number;
}

/** While nothing moves, progress is told again this often, so rate and time left never go stale on screen. */
const HEARTBEAT_MS = 1000;

/**
 * Counts bytes and reports progress at most once per interval, so a fast transfer in 64 KiB
 * chunks does not flood a terminal or IPC with thousands of updates. The latest count is never
 * held back for long: a count the interval swallowed is told when the interval ends, the moment
 * every byte has been taken is told at once, and while nothing moves the figures are told
 * again every second (see rate.ts for what they mean). close() stops it, however the transfer ends.
 */
export class ProgressMeter {
  private bytesDone = 0;
  /** Bytes that were there before this run. */
  private before = 0;
  /** The most ever counted: what is shown. */
  private shown = 0;
  private lastEmit = -Infinity;
  private readonly rate: RecentRate;
  private timer: ReturnType<typeof setTimeout> | undefined;
  /** When the timer fires, on the meter's clock. */
  private due = Infinity;
  private closed = false;

  constructor(
    private readonly totalBytes: number,
    private readonly clock: Clock,
    private readonly emit: (p: Progress) => void,
    private readonly intervalMs = 200,
    windowMs = 5000,
  ) {
    this.rate = new RecentRate(windowMs);
    this.rate.record(clock.now(), 0);
  }

  /** Bytes counted so far. */
  get done(): number {
    return this.bytesDone;
  }

  /**
   * Counts bytes that were already on the server before this run (a resumed upload): they count
   * towards done, but not towards the rate, so a resume does not show a burst of speed.
   */
  addStored(bytes: number): void {
    this.before += bytes;
    this.bytesDone += bytes;
    this.shown += bytes;
    this.rate.shift(bytes);
  }

  /** Counts bytes the network has taken (or, for a retried request, takes back ones it lost: negative). */
  add(bytes: number): void {
    const wasShort = this.shown < this.totalBytes;
    this.bytesDone += bytes;
    // What is shown never goes back: bytes sent again after a lost connection are progress only
    // once they pass the most that was ever counted (the window and the CLI alike).
    this.shown = Math.max(this.shown, this.bytesDone);
    const t = this.clock.now();
    this.rate.record(t, this.shown);
    // Every byte taken: said now, so no "1s left" stays up while the server finishes.
    const allTaken = wasShort && this.shown >= this.totalBytes;
    if (allTaken || t - this.lastEmit >= this.intervalMs) this.tell(t);
    else this.schedule(this.lastEmit + this.intervalMs - t);
  }

  finish(): void {
    this.close();
    const t = this.clock.now();
    this.emit({ bytesDone: Math.max(this.shown, this.bytesDone), totalBytes: this.totalBytes, bytesPerSecond: this.rate.estimate(t, this.shown, this.totalBytes).bytesPerSecond, done: true, ...this.beforeThisRun() });
  }

  /** No more reports (the transfer finished, failed, was paused or cancelled). */
  close(): void {
    this.closed = true;
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  private tell(t: number): void {
    if (this.closed) return;
    this.lastEmit = t;
    this.rate.record(t, this.shown);
    this.emit({ bytesDone: this.shown, totalBytes: this.totalBytes, ...this.rate.estimate(t, this.shown, this.totalBytes), done: false, ...this.beforeThisRun() });
    this.schedule(HEARTBEAT_MS);
  }

  private beforeThisRun(): { bytesBefore?: number } {
    return this.before ? { bytesBefore: this.before } : {};
  }

  /** One timer: the sooner of a pending report and the next heartbeat. */
  private schedule(delayMs: number): void {
    if (this.closed) return;
    const due = this.clock.now() + delayMs;
    if (this.timer && this.due <= due) return;
    clearTimeout(this.timer);
    this.due = due;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.tell(this.clock.now());
    }, Math.max(0, delayMs));
    this.timer.unref?.();
  }
}
