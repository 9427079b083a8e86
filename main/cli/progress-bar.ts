import { describeDuration } from '../core/links/expiry';
import { formatBytes } from '../core/transfers/plan';
import type { Progress } from '../core/transfers/progress';

/** One line on stderr, redrawn in place at most a few times a second. */
export class ProgressBar {
  private waiting = false;
  private last: Progress | undefined;
  /** The widest line on screen now. */
  private drawn = 0;
  constructor(private readonly stream: NodeJS.WritableStream & { columns?: number }) {}
  setWaiting(waiting: boolean): void {
    if (this.waiting === waiting) return;
    this.waiting = waiting;
    if (this.last) return this.update(this.last);
    // Said even before anything has moved: an endpoint that never answers is not a silent hang.
    const line = waiting ? 'waiting for network…' : '';
    this.drawn = Math.max(this.drawn, line.length);
    this.stream.write(`\r${line.padEnd(this.drawn)}`);
  }
  update(p: Progress): void {
    this.last = p;
    const pct = p.totalBytes ? Math.floor((p.bytesDone / p.totalBytes) * 100) : 100;
    const eta = p.etaSeconds !== undefined ? `, ${describeDuration(Math.ceil(p.etaSeconds))} left` : '';
    // Every byte taken but not over yet: the server is assembling or answering, not receiving.
    const finishing = !p.done && p.totalBytes > 0 && p.bytesDone >= p.totalBytes && p.etaSeconds === undefined;
    // The first seconds have no rate yet (rate.ts leaves the socket buffers' burst out): none is shown, rather than "0 B/s" while bytes visibly move.
    const rate = this.waiting ? 'waiting for network…' : finishing ? 'finishing…' : p.bytesPerSecond > 0 ? `${formatBytes(Math.round(p.bytesPerSecond))}/s${eta}` : p.done ? '' : 'measuring speed…';
    const line = `${String(pct).padStart(3)}%  ${formatBytes(p.bytesDone)} of ${formatBytes(p.totalBytes)}  ${rate}`;
    // Padded to the widest line drawn so far, so a shorter line never leaves the end of a longer one.
    const shown = line.slice(0, this.width());
    this.drawn = Math.max(this.drawn, shown.length);
    this.stream.write(`\r${shown.padEnd(this.drawn)}`);
  }
  clear(): void {
    if (this.drawn) this.stream.write(`\r${' '.repeat(this.drawn)}\r`);
    this.drawn = 0;
  }
  /** Columns to draw in: a terminal that reports none (a pty of size 0×0) gets the usual 80. */
  private width(): number {
    return (this.stream.columns || 80) - 1;
  }
}
