import { describe, expect, it } from 'vitest';
import { FerryError } from '../../main/core/errors';
import { retrying, type RetryPolicy } from '../../main/core/transfers/retry';

const policy: RetryPolicy = { clock: { now: () => Date.now() }, attempts: 3, throttleAttempts: 6, backoffMs: 1, networkWaitMs: 60_000 };
const lost = () => Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9'), { code: 'ECONNREFUSED' });
const answered = (status: number, name: string) => Object.assign(new Error(name), { name, $metadata: { httpStatusCode: status } });

/** A request that fails as `script` says, one entry per attempt, then succeeds; and what "waiting" the caller heard. */
async function run(script: Error[], signal = new AbortController().signal) {
  const told: boolean[] = [];
  let i = 0;
  const result = await retrying(policy, { signal, op: { endpoint: 'http://s3.test' }, stopped: () => new FerryError('CANCELLED', 'cancelled'), onWaiting: (w) => told.push(w) }, async () => {
    const next = script[i++];
    if (next) throw next;
    return 'ok';
  }).catch((e: Error) => e);
  return { result, told };
}

/** The progress line says "waiting for network…" between these two calls: it must always hear the second. */
describe('waiting for the network is always followed by its end', () => {
  it('the network comes back and the request succeeds', async () => {
    expect(await run([lost(), lost(), lost()])).toEqual({ result: 'ok', told: [true, false] });
  });

  it('the network comes back with an error that ends the request', async () => {
    const { result, told } = await run([lost(), lost(), answered(403, 'AccessDenied')]);
    expect(result).toBeInstanceOf(Error);
    expect(told).toEqual([true, false]);
  });

  it('the network comes back with a server error, and is lost again', async () => {
    expect(await run([lost(), lost(), answered(503, 'ServiceUnavailable'), lost(), lost()])).toEqual({ result: 'ok', told: [true, false, true, false] });
  });

  it('the request is cancelled while waiting', async () => {
    const stop = new AbortController();
    const endless = Array.from({ length: 1000 }, lost);
    setTimeout(() => stop.abort(), 50);
    const { result, told } = await run(endless, stop.signal);
    expect((result as FerryError).code).toBe('CANCELLED');
    expect(told).toEqual([true, false]);
  });

  it('one failure alone is not called waiting', async () => {
    expect(await run([lost()])).toEqual({ result: 'ok', told: [] });
  });
});

describe('a server that says it is overloaded is asked again more often than one that fails', () => {
  it('SlowDown and 503 are tried up to the throttle attempts; a 500 stops at the plain attempts', async () => {
    const slow = () => answered(503, 'SlowDown');
    expect((await run([slow(), slow(), slow(), slow(), slow()])).result).toBe('ok');
    expect((await run(Array.from({ length: 6 }, slow))).result).toBeInstanceOf(FerryError);
    expect((await run([answered(429, 'TooManyRequests'), answered(429, 'TooManyRequests'), answered(429, 'TooManyRequests')])).result).toBe('ok');
    const broken = () => answered(500, 'InternalError');
    expect((await run([broken(), broken()])).result).toBe('ok');
    expect((await run([broken(), broken(), broken()])).result).toBeInstanceOf(FerryError);
  });
});
