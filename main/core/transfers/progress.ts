import type { Clock } from '../clock';

export interface Progress {
  bytesDone: number;
  totalBytes: number;
  /** Recent rate, averaged over the last few seconds. */
  bytesPerSecond: number;
  /** Seconds left at the recent rate; undefined until a rate is known. */
  etaSeconds?: number;
  done: boolean;
}

/**
 * Counts bytes and reports progress at most once per interval (and always at the end), so a
 * fast transfer in 64 KiB chunks does not flood a terminal or IPC with thousands of updates.
 */
export class ProgressMeter {
  private bytesDone = 0;
  private lastEmit = -Infinity;
  private readonly samples: Array<{ t: number; bytes: number }> = [];

  constructor(
    private readonly totalBytes: number,
    private readonly clock: Clock,
    private readonly emit: (p: Progress) => void,
    private readonly intervalMs = 200,
    private readonly windowMs = 5000,
  ) {
    this.samples.push({ t: clock.now(), bytes: 0 });
  }

  /**
   * Counts bytes that were already on the server before this run (a resumed upload): they count
   * towards done, but not towards the rate, so a resume does not show a burst of speed.
   */
  /** Bytes counted so far. */
  get done(): number {
    return this.bytesDone;
  }

  addStored(bytes: number): void {
    this.bytesDone += bytes;
    for (const s of this.samples) s.bytes += bytes;
  }

  add(bytes: number): void {
    this.bytesDone += bytes;
    const t = this.clock.now();
    if (t - this.lastEmit >= this.intervalMs) {
      this.lastEmit = t;
      this.emit(this.snapshot(t, false));
    }
  }

  finish(): void {
    this.emit(this.snapshot(this.clock.now(), true));
  }

  private snapshot(t: number, done: boolean): Progress {
    this.samples.push({ t, bytes: this.bytesDone });
    while (this.samples.length > 2 && t - this.samples[1]!.t > this.windowMs) this.samples.shift();
    const first = this.samples[0]!;
    const elapsed = (t - first.t) / 1000;
    const bytesPerSecond = elapsed > 0 ? Math.max(0, (this.bytesDone - first.bytes) / elapsed) : 0;
    const left = this.totalBytes - this.bytesDone;
    return {
      bytesDone: this.bytesDone,
      totalBytes: this.totalBytes,
      bytesPerSecond,
      ...(bytesPerSecond > 0 && !done ? { etaSeconds: left / bytesPerSecond } : {}),
      done,
    };
  }
}
