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
