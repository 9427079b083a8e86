/**
 * How many requests to keep in flight, found by measuring rather than fixed (issue 21). A fixed
 * number is wrong somewhere: 8 parts leave a long fat link idle (its bandwidth × round trip is
 * more than 8 parts hold), and 64 on a loopback gateway only add contention. So each lane (a
 * file's parts, a folder's files) climbs: it measures throughput over a window, tries half as
 * many again, and keeps the step only if throughput rose by at least GAIN; otherwise it goes back
 * to the best it found and stays, trying again now and then, since links change. A server that
 * says it is overloaded (503 SlowDown, timeouts) halves the limit at once.
 *
 * A refusal also marks a ceiling: the limit it came at. Until CEILING_WINDOWS windows pass with no
 * refusal, steps up stop short of it, and the first step waits SETTLE_WINDOWS after the cut. So
 * the limit comes to rest just under what the server serves instead of climbing straight back
 * into its refusals (16, 8, 12, 6, 9, 4, 6, 3, 5, 2, …: every climb a burst of refused
 * requests, some of which ran out of retries). Quiet windows forget the ceiling, since a
 * server's load changes too.
 *
 * Windows are judged by completions, not by wall time alone: a window ends once it is at least
 * `windowMs` long and as many requests finished as the limit allows in flight, so a step's
 * result is measured mostly on requests that started under it.
 */

/** A rise in throughput smaller than this is noise, and the step up is taken back. */
const GAIN = 0.1;
/** Windows at the best limit before it tries a step up again. */
const SETTLE_WINDOWS = 8;
/** Windows without a refusal before the ceiling a refusal set is forgotten. */
const CEILING_WINDOWS = 32;

export interface LimitOptions {
  /** Where it starts (Ferry's former fixed choice). */
  initial: number;
  max: number;
  min?: number;
  /** Milliseconds since some fixed time (the clock's now). */
  now: () => number;
  /** The shortest window a throughput is measured over. */
  windowMs?: number;
}

/** What a limit did, for --debug and the benchmark. */
export interface LimitTrace {
  /** Where it started. */
  initial: number;
  /** The limit now. */
  limit: number;
  /** The highest it reached. */
  peak: number;
  /** Every change: [ms since the first request, new limit]. */
  steps: Array<[number, number]>;
}

export class AdaptiveLimit {
  private current: number;
  private readonly initialLimit: number;
  private readonly min: number;
  private readonly max: number;
  private readonly windowMs: number;
  private readonly started: number;
  private windowStart: number;
  private bytes = 0;
  private count = 0;
  /** The best limit measured so far, and the throughput it gave (bytes per ms). */
  private best?: { limit: number; rate: number };
  private settled = 0;
  private lastCut?: number;
  /** The limit the server last refused at, while it is remembered, and the quiet windows since. */
  private ceiling?: number;
  private quiet = 0;
  private peak: number;
  private readonly steps: Array<[number, number]> = [];

  constructor(private readonly opts: LimitOptions) {
    this.min = Math.max(1, opts.min ?? 1);
    this.max = Math.max(this.min, opts.max);
    this.current = this.initialLimit = Math.min(this.max, Math.max(this.min, opts.initial));
    this.peak = this.current;
    this.windowMs = opts.windowMs ?? 1000;
    this.started = this.windowStart = opts.now();
  }

  /** Requests it allows in flight now. */
  get limit(): number {
    return this.current;
  }

  /** A request finished, having moved `bytes` (a request-bound lane may count each as 1). */
  done(bytes: number): void {
    this.bytes += bytes;
    this.count++;
    const now = this.opts.now();
    const span = now - this.windowStart;
    if (span < this.windowMs || this.count < this.current) return;
    const rate = this.bytes / span;
    this.windowStart = now;
    this.bytes = 0;
    this.count = 0;
    this.judge(rate);
  }

  /**
   * The server said it is overloaded (or stopped answering in time): half as many, and measure
   * afresh. Refusals within one window of a cut are one signal (many requests in flight are
   * refused at once), so a burst halves once, not to the minimum.
   */
  overloaded(): void {
    const now = this.opts.now();
    if (this.lastCut !== undefined && now - this.lastCut < this.windowMs) return;
    this.lastCut = now;
    this.best = undefined;
    this.settled = 0;
    this.ceiling = this.current;
    this.quiet = 0;
    this.set(Math.max(this.min, Math.floor(this.current / 2)));
    this.restartWindow();
  }

  trace(): LimitTrace {
    return { initial: this.initialLimit, limit: this.current, peak: this.peak, steps: [...this.steps] };
  }

  private judge(rate: number): void {
    if (this.ceiling !== undefined && ++this.quiet >= CEILING_WINDOWS) this.ceiling = undefined;
    const best = this.best;
    if (!best) {
      this.best = { limit: this.current, rate };
      // After a refusal it first shows it can carry this many.
      return this.ceiling === undefined ? this.climb() : undefined;
    }
    if (this.current > best.limit) {
      // A step up: kept only if it paid.
      if (rate >= best.rate * (1 + GAIN)) {
        this.best = { limit: this.current, rate };
        return this.climb();
      }
      this.settled = 0;
      this.set(best.limit);
      return this.restartWindow();
    }
    // At the best limit (or below it, after an overload): its throughput is what it gives now.
    best.rate = rate;
    best.limit = this.current;
    if (++this.settled >= SETTLE_WINDOWS) {
      this.settled = 0;
      this.climb();
    }
  }

  private climb(): void {
    const next = Math.min(this.max, this.ceiling === undefined ? Infinity : this.ceiling - 1, Math.ceil(this.current * 1.5));
    if (next <= this.current) return;
    this.set(next);
    this.restartWindow();
  }

  private set(limit: number): void {
    if (limit === this.current) return;
    this.current = limit;
    this.peak = Math.max(this.peak, limit);
    this.steps.push([this.opts.now() - this.started, limit]);
  }

  private restartWindow(): void {
    this.windowStart = this.opts.now();
    this.bytes = 0;
    this.count = 0;
  }
}

/** What a lane needs of its limit: an adapting one, or a fixed one. */
export type Limit = Pick<AdaptiveLimit, 'limit' | 'done' | 'overloaded' | 'trace'>;

/** A limit that never moves: the user chose the number (--concurrency, Settings). */
export function fixedLimit(n: number): Limit {
  return { limit: n, done() {}, overloaded() {}, trace: () => ({ initial: n, limit: n, peak: n, steps: [] }) };
}

/** A limit fixed at `initial` (the user chose the number), or one adapting from `initial` up to `max`. */
export function limitFor(fixed: boolean, opts: LimitOptions): Limit {
  return fixed ? fixedLimit(opts.initial) : new AdaptiveLimit(opts);
}

/**
 * Admits work while fewer than the limit are in flight. The limit may change at any time; a
 * lower one takes effect as requests finish (none is stopped for it).
 */
export class Gate {
  private inFlight = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(readonly limit: Limit) {}

  /** Waits for room, then holds a place until the returned function is called (once). */
  async enter(): Promise<() => void> {
    while (this.inFlight >= this.limit.limit) await new Promise<void>((r) => this.waiting.push(r));
    this.inFlight++;
    let left = false;
    return () => {
      if (left) return;
      left = true;
      this.inFlight--;
      this.wake();
    };
  }

  /** Wakes as many waiters as there is room for (the limit may have grown). */
  private wake(): void {
    let room = this.limit.limit - this.inFlight;
    while (room-- > 0 && this.waiting.length) this.waiting.shift()!();
  }
}
