import { describe, expect, it } from 'vitest';
import { ProgressMeter, type Progress } from '../../main/core/transfers/progress';
import { RecentRate } from '../../main/core/transfers/rate';
import { OverallMeter, overallProgress, type TransferView } from '../../main/core/transfers/transfer-view';

describe('ProgressMeter', () => {
  it('reports at most once per interval, always at the end, with rate and time left', () => {
    let t = 0;
    const seen: Progress[] = [];
    const meter = new ProgressMeter(10_000_000, { now: () => t }, (p) => seen.push(p), 200);
    // 1,000 chunks of 10 kB over 10 seconds: a naive reporter would emit 1,000 events.
    for (let i = 0; i < 1000; i++) {
      t += 10;
      meter.add(10_000);
    }
    meter.finish();
    expect(seen.length).toBeLessThanOrEqual(52);
    expect(seen.length).toBeGreaterThan(40);
    const last = seen.at(-1)!;
    expect(last).toMatchObject({ bytesDone: 10_000_000, totalBytes: 10_000_000, done: true });
    // 10 kB per 10 ms is 1 MB/s.
    expect(last.bytesPerSecond).toBeCloseTo(1_000_000, -3);
    const mid = seen[20]!;
    expect(mid.etaSeconds).toBeCloseTo((10_000_000 - mid.bytesDone) / 1_000_000, 0);
    for (let i = 1; i < seen.length; i++) expect(seen[i]!.bytesDone).toBeGreaterThanOrEqual(seen[i - 1]!.bytesDone);
  });
});

describe('ProgressMeter after a resume', () => {
  it('counts bytes already on the server as done but not as speed', () => {
    let t = 0;
    const seen: Progress[] = [];
    const MiB = 1024 * 1024;
    const meter = new ProgressMeter(1000 * MiB, { now: () => t }, (p) => seen.push(p), 200);
    // 900 of 1,000 MiB were stored by an earlier run; this run sends 1 MiB/s.
    meter.addStored(900 * MiB);
    for (let i = 0; i < 50; i++) {
      t += 100;
      meter.add(MiB / 10);
    }
    const last = seen.at(-1)!;
    expect(last.bytesDone).toBeGreaterThan(904 * MiB);
    expect(last.bytesDone).toBeLessThanOrEqual(905 * MiB);
    expect(last.bytesPerSecond).toBeGreaterThan(0.9 * MiB);
    expect(last.bytesPerSecond).toBeLessThan(1.1 * MiB);
    // 95 MiB left at 1 MiB/s.
    expect(last.etaSeconds).toBeGreaterThan(85);
    expect(last.etaSeconds).toBeLessThan(105);
    for (const p of seen) expect(p.bytesPerSecond).toBeLessThan(2 * MiB);
  });
});

describe('RecentRate', () => {
  it('leaves the socket buffers filling out of the rate, and never says "1s left" through a stall', () => {
    const MiB = 1024 * 1024;
    const rate = new RecentRate(5000);
    rate.record(0, 0);
    // The kernel takes 8 MiB at once when the connection opens, then the link carries 1 MiB/s.
    rate.record(100, 8 * MiB);
    expect(rate.estimate(900, 8 * MiB, 20 * MiB)).toEqual({ bytesPerSecond: 0 });
    let done = 8 * MiB;
    for (let t = 1100; t <= 4100; t += 100) rate.record(t, (done += MiB / 10));
    const steady = rate.estimate(4100, done, 20 * MiB);
    expect(steady.bytesPerSecond).toBeGreaterThan(0.9 * MiB);
    expect(steady.bytesPerSecond).toBeLessThan(1.1 * MiB);
    // Nothing moves for ten seconds: time left is at least as long as the stall.
    expect(rate.estimate(14_100, done, 20 * MiB).etaSeconds).toBeGreaterThanOrEqual(10);
    // Every byte taken: no time left to tell (the window says Finishing…).
    expect(rate.estimate(14_200, 20 * MiB, 20 * MiB).etaSeconds).toBeUndefined();
  });
});

describe('overallProgress', () => {
  const v = (id: string, status: TransferView['status'], size: number, bytesDone: number, extra: Partial<TransferView> = {}): TransferView => ({ id, direction: 'upload', account: 'a', bucket: 'b', key: id, file: `/x/${id}`, size, status, bytesDone, bytesPerSecond: status === 'running' ? 100 : 0, ...extra });

  it('counts only the work still to do in the window: a finished upload is not part of a later download', () => {
    const o = overallProgress([v('up', 'done', 43, 43), v('down', 'running', 42, 0, { direction: 'download' })]);
    expect(o).toMatchObject({ size: 42, done: 0, running: 1, counted: 1 });
    // The CLI's folder counts its own finished files.
    expect(overallProgress([v('a', 'done', 43, 43), v('b', 'running', 42, 0)], { countFinished: true })).toMatchObject({ size: 85, done: 43 });
  });

  it('leaves failed and cancelled work out, and says finishing once every byte is taken', () => {
    const o = overallProgress([v('f', 'failed', 100, 50), v('c', 'cancelled', 100, 10), v('r', 'running', 100, 100)]);
    expect(o).toMatchObject({ size: 100, done: 100, finishing: true });
    expect(o.etaSeconds).toBeUndefined();
  });

  it('has a time left only when every running transfer knows its own, and none while waiting', () => {
    expect(overallProgress([v('a', 'running', 1000, 500, { etaSeconds: 5 }), v('b', 'running', 1000, 0)]).etaSeconds).toBeUndefined();
    expect(overallProgress([v('a', 'running', 1000, 500, { etaSeconds: 5 }), v('b', 'running', 1000, 500, { etaSeconds: 5 })]).etaSeconds).toBe(5);
    const waiting = overallProgress([v('a', 'running', 1000, 500, { waiting: true, etaSeconds: 5 })]);
    expect(waiting.bytesPerSecond).toBe(0);
    expect(waiting.etaSeconds).toBeUndefined();
  });
});

describe('progress after a lost connection', () => {
  it('never goes back: bytes sent again count only once they pass the most ever counted', () => {
    let t = 0;
    const seen: Progress[] = [];
    const meter = new ProgressMeter(100, { now: () => t }, (p) => seen.push(p), 0);
    for (const step of [30, 30, -40, 20, 20, 40]) {
      t += 100;
      meter.add(step);
    }
    meter.close();
    const shown = seen.map((p) => p.bytesDone);
    for (let i = 1; i < shown.length; i++) expect(shown[i]).toBeGreaterThanOrEqual(shown[i - 1]!);
    expect(shown).toEqual([30, 60, 60, 60, 60, 100]);
  });

  it("the overall time left is never shorter than a running transfer's own (a stalled one keeps it growing)", () => {
    const v = (id: string, bytesDone: number, bytesPerSecond: number, etaSeconds: number): TransferView => ({ id, direction: 'upload', account: 'a', bucket: 'b', key: id, file: `/x/${id}`, size: 1000, status: 'running', bytesDone, bytesPerSecond, etaSeconds });
    // One moves fast; the other has stalled for 9 s with 100 bytes left.
    const o = overallProgress([v('fast', 500, 1000, 0.5), v('stalled', 900, 50, 9)]);
    expect(o.etaSeconds).toBe(9);
  });
});

describe('OverallMeter: the rate of many transfers together', () => {
  const KiB = 1024;
  const v = (id: string, status: TransferView['status'], size: number, bytesDone: number, extra: Partial<TransferView> = {}): TransferView => ({ id, direction: 'upload', account: 'a', bucket: 'b', key: id, file: `/x/${id}`, size, status, bytesDone, bytesPerSecond: 0, ...extra });

  it('a folder of small files, each done before it has a rate of its own, has a rate and a time left', () => {
    const meter = new OverallMeter();
    // 200 files of 100 KiB, 4 at a time, each done in 100 ms: 4 MB/s together; no file ever reports a rate.
    const views = new Map<string, TransferView>();
    for (let i = 0; i < 200; i++) views.set(`f${i}`, v(`f${i}`, 'queued', 100 * KiB, 0));
    let shown: ReturnType<OverallMeter['update']> | undefined;
    for (let step = 0; step < 50; step++) {
      for (let j = 0; j < 4; j++) views.set(`f${step * 4 + j}`, v(`f${step * 4 + j}`, 'done', 100 * KiB, 100 * KiB));
      const next = step * 4 + 4;
      if (next < 200) views.set(`f${next}`, v(`f${next}`, 'running', 100 * KiB, 0));
      const o = meter.update(views.values(), step * 100, { countFinished: true });
      if (step === 30) shown = o;
    }
    expect(shown!.bytesPerSecond).toBeCloseTo(4 * 100 * KiB * 10, -4);
    // 80 files (8,000 KiB) left at 4,000 KiB/s: 2 s.
    expect(shown!.etaSeconds).toBeCloseTo(((200 - 124) * 100 * KiB) / (4000 * KiB), 0);
    // Without the meter, summed per-file rates say nothing.
    expect(overallProgress(views.values()).etaSeconds).toBeUndefined();
  });

  it('parts on the server before a resume, and transfers there before the window opened, are not speed', () => {
    const meter = new OverallMeter();
    meter.seed([v('old', 'paused', 1000 * KiB, 600 * KiB)]);
    meter.update([v('old', 'paused', 1000 * KiB, 600 * KiB)], 0);
    // Resumed elsewhere (the CLI): 800 KiB stored before this run, then 10 KiB per 100 ms.
    for (let i = 1; i <= 40; i++) {
      const o = meter.update([v('old', 'running', 1000 * KiB, 600 * KiB + i * 5 * KiB), v('new', 'running', 2000 * KiB, 800 * KiB + i * 5 * KiB, { bytesBefore: 800 * KiB })], i * 100);
      if (i === 40) expect(o.bytesPerSecond).toBeCloseTo(100 * KiB, -3);
    }
  });

  it('says no rate while every running transfer waits for the network, and no time left shorter than the slowest one', () => {
    const meter = new OverallMeter();
    let o = meter.update([v('a', 'running', 1000 * KiB, 0)], 0);
    for (let i = 1; i <= 40; i++) o = meter.update([v('a', 'running', 1000 * KiB, i * 10 * KiB, { etaSeconds: 500 })], i * 100);
    expect(o.bytesPerSecond).toBeGreaterThan(0);
    expect(o.etaSeconds).toBe(500);
    o = meter.update([v('a', 'running', 1000 * KiB, 400 * KiB, { waiting: true })], 4100);
    expect(o.bytesPerSecond).toBe(0);
    expect(o.etaSeconds).toBeUndefined();
  });
});
