/**
 * Transfers asked for while their endpoint cannot be reached wait for it here, not in the
 * engine's retry loop: the engine's wait is for a network lost mid-transfer and gives up after
 * minutes, while a laptop on a train may be offline for hours. Waiting here costs one question
 * per account now and then, however many transfers wait on it.
 */
import { isFerryError } from '../errors';
import { isNetworkError } from './retry';

/**
 * The endpoint could not be reached (refused, name not found, timed out, reset): the network,
 * which comes back by itself. Anything the server answered (wrong keys, no such bucket), and
 * anything local or of the certificate, is not: that fails at once in its own words.
 */
export function unreachable(err: unknown): boolean {
  // The engine and Storage wrap the network's error (sometimes twice) as ENDPOINT_UNREACHABLE;
  // only its cause tells a lost network from, say, an expired certificate.
  let e = err;
  for (let depth = 0; depth < 4; depth++) {
    if (!isFerryError(e)) return isNetworkError(e);
    if (e.code !== 'ENDPOINT_UNREACHABLE') return false;
    e = e.cause;
  }
  return false;
}

interface Waiter {
  ask: () => Promise<unknown>;
  wanted: () => boolean;
  resolve: (back: boolean) => void;
}

export interface NetworkWatchOptions {
  /** The first pause before asking again, doubled each time up to `mostMs`. */
  firstMs?: number;
  mostMs?: number;
}

/** Waits, per account, until its endpoint answers again. */
export class NetworkWatch {
  private readonly rounds = new Map<string, Waiter[]>();
  private readonly sleeping = new Set<() => void>();
  private stopped = false;
  private readonly firstMs: number;
  private readonly mostMs: number;

  constructor(opts: NetworkWatchOptions = {}) {
    this.firstMs = opts.firstMs ?? 1000;
    this.mostMs = opts.mostMs ?? 15_000;
  }

  /**
   * Resolves true once `ask` gets an answer from the account's endpoint (any answer: what it
   * said is for the transfer that follows to report), or false once `wanted` says nobody waits
   * any more (every waiting transfer was cancelled) or the watch is stopped. The caller has just
   * found the endpoint unreachable, so the first question comes after a pause. Waiters on one
   * account share one round of questions.
   */
  back(account: string, ask: () => Promise<unknown>, wanted: () => boolean): Promise<boolean> {
    if (this.stopped) return Promise.resolve(false);
    return new Promise((resolve) => {
      const waiters = this.rounds.get(account);
      const waiter = { ask, wanted, resolve };
      if (waiters) return void waiters.push(waiter);
      this.rounds.set(account, [waiter]);
      void this.round(account);
    });
  }

  /** Ends every wait (the app is quitting): the waiters hear false. */
  stop(): void {
    this.stopped = true;
    for (const wake of this.sleeping) wake();
  }

  private async round(account: string): Promise<void> {
    const waiters = this.rounds.get(account)!;
    const end = (back: boolean) => {
      this.rounds.delete(account);
      for (const w of waiters.splice(0)) w.resolve(back);
    };
    for (let pause = this.firstMs; ; pause = Math.min(pause * 2, this.mostMs)) {
      await this.sleep(pause);
      // Those no longer wanted leave; the round ends when nobody is left.
      for (const w of waiters.filter((x) => this.stopped || !x.wanted())) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(false);
      }
      if (!waiters.length) return end(false);
      const answered = await waiters[0]!.ask().then(
        () => true,
        (err: unknown) => !unreachable(err),
      );
      if (answered) return end(!this.stopped);
    }
  }

  private sleep(ms: number): Promise<void> {
    if (this.stopped) return Promise.resolve();
    return new Promise((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        this.sleeping.delete(wake);
        resolve();
      };
      // A wait never keeps the process alive on its own (the CLI, a test's end).
      const timer = setTimeout(wake, ms);
      timer.unref?.();
      this.sleeping.add(wake);
    });
  }
}
