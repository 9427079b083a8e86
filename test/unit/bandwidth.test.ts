import { describe, expect, it } from 'vitest';
import { Bandwidth } from '../../main/core/transfers/bandwidth';

const KiB = 1024;
const MiB = 1024 * KiB;

/** A clock that only moves when the cap waits, so the test measures the cap's arithmetic, not the machine. */
function fakeTime() {
  let now = 0;
  return {
    clock: { now: () => now },
    wait: async (ms: number, signal?: AbortSignal) => {
      if (signal?.aborted) throw signal.reason;
      now += ms;
      await Promise.resolve();
    },
    get now() {
      return now;
    },
  };
}

describe('the bandwidth cap shared by all transfers (issue 21, --bwlimit)', () => {
  it('lets through the rate times the time, plus one small burst, however many transfers share it', async () => {
    for (const [rate, takers, chunk] of [
      [5 * MiB, 3, 256 * KiB],
      [1 * MiB, 8, 64 * KiB],
      [100 * MiB, 4, 256 * KiB],
    ] as const) {
      const t = fakeTime();
      const cap = new Bandwidth(rate, t.clock, t.wait);
      const total = 40 * MiB;
      const each = total / takers;
      await Promise.all(
        Array.from({ length: takers }, async () => {
          for (let sent = 0; sent < each; sent += chunk) await cap.take(chunk, undefined);
        }),
      );
      const burst = Math.max(256 * KiB, rate / 10);
      const seconds = t.now / 1000;
      // Never faster than the cap allows (one burst beyond it), never more than 5 % slower.
      expect(total - burst, `${rate} B/s`).toBeLessThanOrEqual(rate * seconds + 1);
      expect(total / seconds, `${rate} B/s`).toBeGreaterThan(0.95 * rate);
    }
  });

  it('serves transfers in turn: with two sharing it, each gets half', async () => {
    const t = fakeTime();
    const cap = new Bandwidth(2 * MiB, t.clock, t.wait);
    const progress = [0, 0];
    let halfway: number[] | undefined;
    await Promise.all(
      [0, 1].map(async (i) => {
        for (let n = 0; n < 40; n++) {
          await cap.take(64 * KiB);
          progress[i]! += 64 * KiB;
          if (!halfway && progress[i]! >= 20 * 64 * KiB) halfway = [...progress];
        }
      }),
    );
    expect(Math.abs(halfway![0]! - halfway![1]!)).toBeLessThanOrEqual(64 * KiB);
  });

  it('a stop ends the wait at once, and the others go on', async () => {
    const t = fakeTime();
    const cap = new Bandwidth(64 * KiB, t.clock, t.wait);
    await cap.take(256 * KiB);
    const stop = new AbortController();
    stop.abort(new Error('stopped'));
    await expect(cap.take(64 * KiB, stop.signal)).rejects.toThrow('stopped');
    await expect(cap.take(64 * KiB)).resolves.toBeUndefined();
  });

  it('a transfer stopped while others are ahead of it in the queue stops at once, not when its turn comes', async () => {
    // Real waits here: the fake clock would let those ahead finish within one tick.
    const cap = new Bandwidth(1024 * KiB);
    const events: string[] = [];
    const ahead = [cap.take(512 * KiB).then(() => events.push('first')), cap.take(512 * KiB).then(() => events.push('second'))];
    const stop = new AbortController();
    const stopped = cap.take(256 * KiB, stop.signal).then(
      () => events.push('stopped one went'),
      () => events.push('stopped one ended'),
    );
    setTimeout(() => stop.abort(new Error('cancelled')), 10);
    await Promise.all([...ahead, stopped]);
    expect(events[0]).toBe('stopped one ended');
    expect(events).toEqual(['stopped one ended', 'first', 'second']);
  });

  it('no cap costs nothing, and a cap can be changed or lifted while transfers wait', async () => {
    const t = fakeTime();
    const cap = new Bandwidth(undefined, t.clock, t.wait);
    for (let i = 0; i < 100; i++) await cap.take(MiB);
    expect(t.now).toBe(0);
    cap.set(1 * MiB);
    await cap.take(256 * KiB);
    const before = t.now;
    for (let i = 0; i < 4; i++) await cap.take(256 * KiB);
    expect(t.now - before).toBeGreaterThanOrEqual(900);
    cap.set(undefined);
    const lifted = t.now;
    for (let i = 0; i < 100; i++) await cap.take(MiB);
    expect(t.now).toBe(lifted);
  });
});
