/**
 * One retry policy for every request the transfer engine sends itself (upload parts and PUTs,
 * Create and Complete, download ranges): server errors that may heal are retried a few times
 * with exponential back-off and jitter; a lost network is waited out, said once ("waiting") and
 * again when it is back; anything else stops at once, in the user's words.
 */
import type { Clock } from '../clock';
import { FerryError, systemCode } from '../errors';
import { toFerryError, type Operation } from '../s3/errors';

const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'ENETDOWN', 'ECONNABORTED', 'ESOCKETTIMEDOUT']);

/** Failures that prove a request never reached any server: nothing was connected to, so nothing was started. */
const NOT_SENT_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'ENETDOWN']);

/** The request never left this machine (no connection was made): the server cannot have acted on it. */
export function neverSent(err: unknown): boolean {
  const code = systemCode(err) ?? systemCode((err as { cause?: unknown })?.cause);
  return code !== undefined && NOT_SENT_CODES.has(code);
}

/** The network failed (no answer, reset, timed out): worth waiting out, unlike an answer from the server. */
export function isNetworkError(err: unknown): boolean {
  if (err instanceof FerryError) return false;
  const e = err as { name?: string; message?: string; $metadata?: { httpStatusCode?: number } };
  if (e?.$metadata?.httpStatusCode !== undefined) return false;
  if (e?.name === 'TimeoutError' || /socket hang up|timed out|ECONNRESET|EPIPE/i.test(e?.message ?? '')) return true;
  const code = systemCode(err);
  return code !== undefined && NETWORK_CODES.has(code);
}

const RETRYABLE_CODES = new Set(['SlowDown', 'RequestTimeout', 'InternalError', 'ServiceUnavailable', 'RequestTimeTooSkewed']);

/** An answer that may heal if asked again (5xx, 429, SlowDown, a timeout). */
export function isRetryable(err: unknown): boolean {
  if (err instanceof FerryError) return false;
  const e = err as { name?: string; Code?: string; $metadata?: { httpStatusCode?: number }; $retryable?: unknown };
  if (e?.name === 'AbortError') return false;
  const status = e?.$metadata?.httpStatusCode;
  if (status !== undefined && (status >= 500 || status === 429)) return true;
  if (RETRYABLE_CODES.has(e?.Code ?? e?.name ?? '')) return e?.name !== 'RequestTimeTooSkewed';
  if (e?.name === 'TimeoutError') return true;
  return systemCode(err) !== undefined && status === undefined;
}

/** The server says it has too much to do (503, 429, SlowDown), or took too long to answer. */
export function isOverload(err: unknown): boolean {
  if (err instanceof FerryError) return false;
  const e = err as { name?: string; Code?: string; $metadata?: { httpStatusCode?: number } };
  const status = e?.$metadata?.httpStatusCode;
  return status === 503 || status === 429 || e?.name === 'SlowDown' || e?.Code === 'SlowDown' || e?.name === 'TimeoutError' || e?.name === 'RequestTimeout';
}

export const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const t = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(t);
      reject(signal!.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });

export interface RetryPolicy {
  clock: Clock;
  /** Attempts for an answer that may heal, before giving up. */
  attempts: number;
  /**
   * Attempts when the server says it is overloaded (503, 429, SlowDown, too slow to answer): it
   * asks to be asked again later, and a folder's files must not run out of tries while the lanes
   * come down to what it serves (adaptive.ts). Each wait doubles, up to MAX_BACKOFF_MS.
   */
  throttleAttempts: number;
  /** Base back-off in ms; doubled each retry, with jitter. */
  backoffMs: number;
  /** How long a lost network is waited for before giving up. */
  networkWaitMs: number;
}

/** The longest wait between two attempts. */
const MAX_BACKOFF_MS = 10_000;

/**
 * The policy with its defaults (4 attempts, 8 when the server is overloaded, 500 ms back-off,
 * 10 minutes for a lost network), as uploads and downloads both use it.
 */
export function retryPolicy(clock: Clock, o: { attempts?: number; throttleAttempts?: number; backoffMs?: number; networkWaitMs?: number } = {}): RetryPolicy {
  const attempts = o.attempts ?? 4;
  return { clock, attempts, throttleAttempts: Math.max(attempts, o.throttleAttempts ?? 8), backoffMs: o.backoffMs ?? 500, networkWaitMs: o.networkWaitMs ?? 10 * 60_000 };
}

export interface RetryCall {
  signal: AbortSignal;
  /** What the request is about, for the message of an error that stops it. */
  op: Operation;
  /** The error a stop (cancel or pause) ends the request with. */
  stopped: (cause?: unknown) => FerryError;
  /** Told true once a lost network has failed twice in a row, and false when it is back. */
  onWaiting?: (waiting: boolean) => void;
  /** After each failed attempt, before the wait (an attempt's own clean-up). */
  onFail?: () => void;
  /** After an attempt the server refused as overloaded, or answered too late (fewer requests at once would help: adaptive.ts). */
  onOverload?: () => void;
  /** An error that ends the request at once in its own words (undefined: the policy decides). */
  refuse?: (err: unknown) => FerryError | undefined;
}

/** Runs one request under the policy. */
export async function retrying<T>(policy: RetryPolicy, call: RetryCall, run: () => Promise<T>): Promise<T> {
  let attempt = 0;
  let netFailures = 0;
  let outageStart: number | undefined;
  // "Waiting" is told once, and "back" exactly once after it, however the request ends: an
  // answer, an error of the server's, a cancel or giving up (else the caller shows it forever).
  let waiting = false;
  const tell = (w: boolean) => {
    if (waiting !== w) call.onWaiting?.((waiting = w));
  };
  try {
    for (;;) {
      try {
        return await run();
      } catch (err) {
        call.onFail?.();
        if (call.signal.aborted) throw call.stopped(err);
        const overload = isOverload(err);
        if (overload) call.onOverload?.();
        const refused = call.refuse?.(err);
        if (refused) throw refused;
        let delay: number;
        if (isNetworkError(err)) {
          netFailures++;
          outageStart ??= policy.clock.now();
          if (policy.clock.now() - outageStart > policy.networkWaitMs) throw toFerryError(err, call.op);
          if (netFailures >= 2) tell(true);
          delay = Math.min(policy.backoffMs * 2 ** Math.min(netFailures - 1, 6), 10_000) * (0.5 + Math.random());
        } else {
          // The server answered: the network is back, whatever it said, and a later loss is a new outage.
          tell(false);
          netFailures = 0;
          outageStart = undefined;
          if (!isRetryable(err) || ++attempt >= (overload ? policy.throttleAttempts : policy.attempts)) throw toFerryError(err, call.op);
          delay = Math.min(policy.backoffMs * 2 ** (attempt - 1), MAX_BACKOFF_MS) * (0.5 + Math.random());
        }
        await sleep(delay, call.signal).catch(() => {
          throw call.stopped();
        });
      }
    }
  } finally {
    tell(false);
  }
}

/** The name and status of an SDK error, also when it is wrapped as a FerryError's cause. */
export function sdkFailure(err: unknown): { name?: string; status?: number } {
  const e = (err instanceof FerryError ? err.cause : err) as { name?: string; $metadata?: { httpStatusCode?: number } } | undefined;
  return { ...(e?.name ? { name: e.name } : {}), ...(e?.$metadata?.httpStatusCode ? { status: e.$metadata.httpStatusCode } : {}) };
}
