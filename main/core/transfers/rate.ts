/**
 * The rate and time left of a transfer, smoothed over the last few seconds, as the window and
 * the CLI show them. Built so that neither can tell a comforting story:
 *
 * - The first second after bytes start moving is left out. The kernel's socket buffers take
 *   megabytes at once when a connection opens (Node cannot see them); counting that burst as
 *   speed showed 20 MB/s on a 6 MiB/s link.
 * - Once every byte has been taken, there is no time left to tell: what remains (bytes in socket
 *   buffers, the server's answer, CompleteMultipartUpload) has no rate. The caller says
 *   "Finishing…".
 * - A figure is never older than the bytes: while nothing moves, time left is at least as long
 *   as nothing has moved, so "1s left" cannot stay on screen through a stall.
 */

export interface RateEstimate {
  /** Bytes per second over the last few seconds; 0 until it is known. */
  bytesPerSecond: number;
  /** Seconds left at that rate; undefined until the rate is known, and once every byte is taken. */
  etaSeconds?: number;
}

/** Left out of the rate after bytes first move: the socket buffers filling. */
const WARM_UP_MS = 1000;
/**
 * The shortest stretch a rate is measured over. On a busy machine writes reach the kernel late
 * and in bunches, and its buffers keep growing after the first second: over one second that read
 * as half as fast again as the link (the progress-truth test under a loaded run); over two it
 * averages out.
 */
const MIN_SPAN_MS = 2000;
/** Samples closer together than this are one sample (memory stays small however often bytes arrive). */
const SAMPLE_MS = 100;

export class RecentRate {
  private readonly samples: Array<{ t: number; bytes: number }> = [];
  /** When bytes first moved, and when they last did. */
  private firstMove: number | undefined;
  private lastMove: number | undefined;
  private latest = 0;

  constructor(private readonly windowMs = 5000) {}

  /** The count of bytes done (taken by the network, or written) at time t. */
  record(t: number, bytes: number): void {
    if (bytes > this.latest) {
      this.firstMove ??= t;
      this.lastMove = t;
    }
    this.latest = bytes;
    // Each sample stays exact at its time (estimate() is given the newest count itself).
    const last = this.samples.at(-1);
    if (!last || t - last.t >= SAMPLE_MS) this.samples.push({ t, bytes });
    // One sample older than the window stays, as the window's start.
    while (this.samples.length > 2 && t - this.samples[1]!.t >= this.windowMs) this.samples.shift();
  }

  /**
   * Bytes that were done before this run (a resumed upload, a download's kept part): they count
   * towards done, never towards speed.
   */
  shift(bytes: number): void {
    this.latest += bytes;
    for (const s of this.samples) s.bytes += bytes;
  }

  estimate(now: number, bytesDone: number, totalBytes: number): RateEstimate {
    if (this.firstMove === undefined) return { bytesPerSecond: 0 };
    const from = this.firstMove + WARM_UP_MS;
    const start = this.samples.find((s) => s.t >= from && now - s.t <= this.windowMs) ?? this.samples.find((s) => s.t >= from);
    if (!start || now - start.t < MIN_SPAN_MS) return { bytesPerSecond: 0 };
    const bytesPerSecond = Math.max(0, ((bytesDone - start.bytes) * 1000) / (now - start.t));
    if (bytesDone >= totalBytes || bytesPerSecond <= 0) return { bytesPerSecond };
    const still = (now - (this.lastMove ?? now)) / 1000;
    return { bytesPerSecond, etaSeconds: Math.max((totalBytes - bytesDone) / bytesPerSecond, still) };
  }
}
