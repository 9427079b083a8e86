import { describeDuration } from '../core/links/expiry';
import { formatBytes } from '../core/transfers/plan';
import type { Progress } from '../core/transfers/progress';

/** One line on stderr, redrawn in place at most a few times a second. */
export class ProgressBar {
  private waiting = false;
  private last: Progress | undefined;
  constructor(private readonly stream: NodeJS.WritableStream & { columns?: number }) {}
  setWaiting(waiting: boolean): void {
    if (this.waiting === waiting) return;
    this.waiting = waiting;
    if (this.last) this.update(this.last);
  }
  update(p: Progress): void {
    this.last = p;
    const pct = p.totalBytes ? Math.floor((p.bytesDone / p.totalBytes) * 100) : 100;
    const eta = p.etaSeconds !== undefined ? `, ${describeDuration(Math.ceil(p.etaSeconds))} left` : '';
    const rate = this.waiting ? 'waiting for network…' : `${formatBytes(Math.round(p.bytesPerSecond))}/s${eta}`;
    const line = `${String(pct).padStart(3)}%  ${formatBytes(p.bytesDone)} of ${formatBytes(p.totalBytes)}  ${rate}`;
    this.stream.write(`\r${line.slice(0, this.width()).padEnd(Math.min(60, this.width()))}`);
  }
  clear(): void {
    this.stream.write(`\r${' '.repeat(Math.min(60, this.width()))}\r`);
  }
  /** Columns to draw in: a terminal that reports none (a pty of size 0×0) gets the usual 80. */
  private width(): number {
    return (this.stream.columns || 80) - 1;
  }
}
