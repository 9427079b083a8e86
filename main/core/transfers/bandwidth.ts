/**
 * A bandwidth cap shared by every transfer that takes from it (rclone's --bwlimit, the AWS CLI's
 * max_bandwidth): a token bucket refilled at the rate, holding at most a tenth of a second's worth
 * (and never less than one read), so that over any stretch the bytes let through are the rate
 * times the time, plus that one small burst. Transfers ask before each read of the file (uploads)
 * or after each write of what arrived (downloads); with no rate set, asking costs nothing.
 */
import { systemClock, type Clock } from '../clock';
import { sleep } from './retry';

/** The smallest burst: one read of a file (source.ts reads 256 KiB at most). */
const MIN_BURST = 256 * 1024;

export class Bandwidth {
  private rate: number | undefined;
  private tokens = 0;
  private at = 0;
  /** Waiters in arrival order: a transfer that asked first is let through first. */
  private queue: Promise<void> = Promise.resolve();

  constructor(
    bytesPerSecond?: number,
    private readonly clock: Clock = systemClock,
    /** How a wait is made (tests give one that moves a fake clock). */
    private readonly wait: (ms: number, signal?: AbortSignal) => Promise<void> = sleep,
  ) {
    this.set(bytesPerSecond);
  }

  /** The cap in bytes per second, or undefined for none. */
  get bytesPerSecond(): number | undefined {
    return this.rate;
  }

  /** Changes the cap (undefined: none) for everything from now on, waiters included. */
  set(bytesPerSecond: number | undefined): void {
    this.rate = bytesPerSecond !== undefined && bytesPerSecond > 0 ? bytesPerSecond : undefined;
    this.tokens = 0;
    this.at = this.clock.now();
  }

  private get burst(): number {
    return Math.max(MIN_BURST, (this.rate ?? 0) / 10);
  }

  /** Waits until `bytes` may go; a stop ends the wait (with the signal's reason). */
  take(bytes: number, signal?: AbortSignal): Promise<void> {
    if (this.rate === undefined || bytes <= 0) return Promise.resolve();
    const mine = this.queue.then(() => this.until(bytes, signal));
    // The next waiter goes after this one, however this one ends.
    this.queue = mine.catch(() => {});
    if (!signal) return mine;
    // A stop ends the wait at once, even while others are ahead in the queue (its turn, when it
    // comes, takes nothing: until() sees the stop first).
    return new Promise<void>((resolve, reject) => {
      const stop = () => reject(signal.reason);
      if (signal.aborted) return stop();
      signal.addEventListener('abort', stop, { once: true });
      mine.then(resolve, reject).finally(() => signal.removeEventListener('abort', stop));
    });
  }

  private async until(bytes: number, signal?: AbortSignal): Promise<void> {
    for (;;) {
      if (signal?.aborted) throw signal.reason;
      const rate = this.rate;
      if (rate === undefined) return;
      const now = this.clock.now();
      this.tokens = Math.min(this.burst, this.tokens + ((now - this.at) * rate) / 1000);
      this.at = now;
      // A request larger than the burst goes once the bucket is full, and leaves it in debt.
      if (this.tokens >= Math.min(bytes, this.burst)) {
        this.tokens -= bytes;
        return;
      }
      const needMs = ((Math.min(bytes, this.burst) - this.tokens) / rate) * 1000;
      await this.wait(Math.max(1, Math.ceil(needMs)), signal);
    }
  }
}

/** No cap: what transfers use when nothing is shared with them. */
export const UNLIMITED = new Bandwidth();
