import { describe, expect, it } from 'vitest';
import { ProgressMeter, type Progress } from '../../main/core/transfers/progress';

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
