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

/**
 * A server that serves `capacity` requests at once and refuses the rest with SlowDown, each
 * refusal taking `refuseMs` to come (as a busy server's do, and it counts as one of the server's
 * requests meanwhile). A refused request waits its back-off holding its place, as a folder's file
 * does, and is tried again; after `attempts` refusals it is lost. One step is 1 ms.
 */
function refusing(capacity: number, total: number, o: { serveMs: number; refuseMs: number; attempts: number; backoffMs: number }) {
  let t = 0;
  const limit = new AdaptiveLimit({ initial: 16, max: 128, now: () => t });
  type Job = { attempt: number; until: number; state: 'served' | 'refused' | 'waiting' };
  const active: Job[] = [];
  let started = 0;
  let done = 0;
  let lost = 0;
  let refusals = 0;
  while (done + lost < total) {
    while (active.length < limit.limit && started < total) {
      started++;
      active.push({ attempt: 0, until: 0, state: 'waiting' });
    }
    for (const j of active) {
      if (j.state !== 'waiting' || j.until > t) continue;
      const atServer = active.filter((x) => x.state !== 'waiting').length;
      [j.state, j.until] = atServer >= capacity ? ['refused', t + o.refuseMs] : ['served', t + o.serveMs];
    }
    for (let i = active.length - 1; i >= 0; i--) {
      const j = active[i]!;
      if (j.state === 'waiting' || j.until > t) continue;
      if (j.state === 'served') {
        active.splice(i, 1);
        done++;
        limit.done(1);
        continue;
      }
      refusals++;
      limit.overloaded();
      if (++j.attempt >= o.attempts) {
        active.splice(i, 1);
        lost++;
        continue;
      }
      // Exponential back-off with a jitter that is the same on every run.
      j.state = 'waiting';
      j.until = t + o.backoffMs * 2 ** (j.attempt - 1) * (0.5 + ((t * 7919 + i * 104729) % 1000) / 1000);
    }
    t++;
  }
  return { lost, refusals, seconds: t / 1000, changes: limit.trace().steps.length };
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

  it('a server that refuses above 4, 8 or 16 at once: the limit comes to rest under it instead of climbing back into its refusals', () => {
    for (const capacity of [4, 8, 16]) {
      const total = 3000;
      // Four tries each, as for any error that may heal: none runs out.
      const r = refusing(capacity, total, { serveMs: 20, refuseMs: 200, attempts: 4, backoffMs: 500 });
      expect(r.lost, `capacity ${capacity}`).toBe(0);
      // Each climb back over the server is a burst of refusals: they stay few, and the limit settles.
      expect(r.refusals, `capacity ${capacity}`).toBeLessThan(total * 0.03);
      expect(r.changes, `capacity ${capacity}`).toBeLessThanOrEqual(10);
      // Within twice the time the server's own number, fixed, would take.
      expect(r.seconds, `capacity ${capacity}`).toBeLessThan(2 * (total / capacity) * 0.02);
    }
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
