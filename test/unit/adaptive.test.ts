/**
 * Concurrency that adapts (issue 21): on simulated links, the number of requests in flight
 * settles where the link is used well, without running to the maximum where more only crowds
 * the server. The links are a discrete-event model (a round trip per request, bandwidth shared
 * equally by the bodies in flight, a server that serves so many at once and queues the rest) on a
 * fake clock, so the results are exact and the same on every machine.
 */
import { describe, expect, it } from 'vitest';
import { AdaptiveLimit, fixedLimit, Gate } from '../../main/core/transfers/adaptive';

interface Link {
  /** Milliseconds each request spends before its body moves (the round trip). */
  rttMs: number;
  /** The link's bandwidth, shared by every body in flight. */
  mibPerMs: number;
  /** Requests the server works on at once; the rest wait for it. */
  serverSlots?: number;
}

interface Req {
  readyAt: number;
  left: number;
}

/** Runs `total` requests of `mib` MiB each through the link, as many at once as the limit allows. */
function simulate(link: Link, mib: number, total: number, initial: number, max: number) {
  let t = 0;
  const limit = new AdaptiveLimit({ initial, max, now: () => t });
  const flying: Req[] = [];
  let started = 0;
  let finished = 0;
  let halfAt = 0;
  const slots = link.serverSlots ?? Infinity;
  while (finished < total) {
    while (flying.length < limit.limit && started < total) {
      // Its round trip starts when the server takes it up (see below).
      flying.push({ readyAt: Infinity, left: mib });
      started++;
    }
    // The server takes the oldest first.
    flying.slice(0, slots).forEach((r) => {
      if (r.readyAt === Infinity) r.readyAt = t + link.rttMs;
    });
    const served = flying.slice(0, slots);
    const moving = served.filter((r) => r.readyAt <= t);
    const rate = moving.length ? link.mibPerMs / moving.length : 0;
    const nextReady = Math.min(...served.filter((r) => r.readyAt > t).map((r) => r.readyAt), Infinity);
    const nextDone = moving.length ? t + Math.min(...moving.map((r) => r.left)) / rate : Infinity;
    const next = Math.min(nextReady, nextDone);
    for (const r of moving) r.left -= rate * (next - t);
    t = next;
    for (let i = flying.length - 1; i >= 0; i--) {
      const r = flying[i]!;
      if (r.readyAt <= t && r.left <= 1e-9) {
        flying.splice(i, 1);
        finished++;
        limit.done(mib);
        if (finished === Math.floor(total / 2)) halfAt = t;
      }
    }
  }
  const mibPerS = ((total - Math.floor(total / 2)) * mib) / ((t - halfAt) / 1000);
  return { limit: limit.limit, peak: limit.trace().peak, mibPerS };
}

/** The best throughput any fixed number of requests in flight gets on the link. */
function bestFixed(link: Link, mib: number, total: number, max: number) {
  let best = 0;
  for (let n = 1; n <= max; n++) best = Math.max(best, simulate(link, mib, total, n, n).mibPerS);
  return best;
}

describe('concurrency that adapts (issue 21)', () => {
  it('a long fat link (1 GiB/s, 100 ms round trip): parts climb past the fixed 8 until the link is full', () => {
    const link = { rttMs: 100, mibPerMs: 1 };
    const r = simulate(link, 8, 600, 8, 32);
    const best = bestFixed(link, 8, 600, 32);
    expect(r.limit).toBeGreaterThan(8);
    expect(r.mibPerS).toBeGreaterThanOrEqual(0.9 * best);
    // The fixed 8 of before used the link far less.
    expect(simulate(link, 8, 600, 8, 8).mibPerS).toBeLessThan(0.75 * best);
  });

  it('a link the bandwidth limits (100 MiB/s, 40 ms): parts stay near where they start, the link full', () => {
    const link = { rttMs: 40, mibPerMs: 0.1 };
    const r = simulate(link, 8, 400, 8, 32);
    expect(r.limit).toBeLessThanOrEqual(12);
    expect(r.mibPerS).toBeGreaterThanOrEqual(0.95 * 100);
  });

  it('small files over 40 ms to a server that serves 48 at once: files climb to the server, not to the maximum', () => {
    const link = { rttMs: 40, mibPerMs: 0.1, serverSlots: 48 };
    const r = simulate(link, 1 / 16, 6000, 16, 128);
    const best = bestFixed(link, 1 / 16, 3000, 128);
    expect(r.limit).toBeGreaterThanOrEqual(36);
    expect(r.limit).toBeLessThan(128);
    expect(r.mibPerS).toBeGreaterThanOrEqual(0.85 * best);
  });

  it('loopback, where the CPU and not the link limits (no round trip): it does not climb for nothing', () => {
    const r = simulate({ rttMs: 0, mibPerMs: 0.3 }, 1 / 16, 4000, 16, 64);
    expect(r.limit).toBeLessThanOrEqual(24);
    expect(r.mibPerS).toBeGreaterThanOrEqual(0.99 * 300);
  });

  it('a server that says it is overloaded halves the limit at once, once per window; a chosen number never moves', () => {
    let t = 0;
    const limit = new AdaptiveLimit({ initial: 16, max: 64, now: () => t });
    // Sixteen requests refused at once are one signal: halved once, not to the minimum.
    for (let i = 0; i < 16; i++) limit.overloaded();
    expect(limit.limit).toBe(8);
    for (let i = 0; i < 4; i++) {
      t += 1000;
      limit.overloaded();
    }
    expect(limit.limit).toBe(1);
    t += 5000;
    const fixed = fixedLimit(5);
    fixed.overloaded();
    for (let i = 0; i < 100; i++) fixed.done(1);
    expect(fixed.limit).toBe(5);
  });

  it('the gate admits no more than the limit, and more as soon as the limit grows', async () => {
    const limit = { limit: 2, done() {}, overloaded() {}, trace: () => ({ initial: 2, limit: 2, peak: 2, steps: [] }) };
    const gate = new Gate(limit);
    const a = await gate.enter();
    await gate.enter();
    let third = false;
    const c = gate.enter().then((leave) => {
      third = true;
      return leave;
    });
    await new Promise((r) => setTimeout(r, 10));
    expect(third).toBe(false);
    limit.limit = 3;
    a();
    a(); // leaving twice frees one place only
    await c;
    expect(third).toBe(true);
    // In flight: the second and the third; a limit of 3 has room for one more, not two.
    let fourth = false;
    let fifth = false;
    void gate.enter().then(() => (fourth = true));
    void gate.enter().then(() => (fifth = true));
    await new Promise((r) => setTimeout(r, 10));
    expect([fourth, fifth]).toEqual([true, false]);
  });
});
