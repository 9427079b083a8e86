import { describe, expect, it } from 'vitest';
import { GiB, MAX_OBJECT_SIZE, MiB, autoPartSize, formatBytes, parseSize, partLength, planUpload } from '../../main/core/transfers/plan';

describe('planUpload', () => {
  it('sends a file that fits in one part as a single PUT', () => {
    expect(planUpload(0)).toEqual({ multipart: false, partSize: 0, partCount: 1, concurrency: 1 });
    expect(planUpload(8 * MiB)).toMatchObject({ multipart: false, partCount: 1 });
  });

  it('splits larger files into parts of the preferred size', () => {
    expect(planUpload(100 * MiB, 16 * MiB)).toEqual({ multipart: true, partSize: 16 * MiB, partCount: 7, concurrency: 4 });
    expect(planUpload(1 * GiB, 64 * MiB, 3)).toEqual({ multipart: true, partSize: 64 * MiB, partCount: 16, concurrency: 3 });
  });

  it('chooses part size and concurrency by file size when nobody names them', () => {
    expect(planUpload(100 * MiB)).toEqual({ multipart: true, partSize: 8 * MiB, partCount: 13, concurrency: 4 });
    expect(planUpload(1 * GiB)).toEqual({ multipart: true, partSize: 32 * MiB, partCount: 32, concurrency: 8 });
    expect(planUpload(4 * GiB)).toEqual({ multipart: true, partSize: 64 * MiB, partCount: 64, concurrency: 8 });
    expect(autoPartSize(10 * 1024 * GiB)).toBe(64 * MiB);
  });

  it('grows parts so no file needs more than 10,000, up to the 5 TiB maximum', () => {
    for (const size of [200 * GiB, 1024 * GiB, MAX_OBJECT_SIZE]) {
      const plan = planUpload(size);
      expect(plan.partCount).toBeLessThanOrEqual(10_000);
      expect(plan.partSize % MiB).toBe(0);
      expect(plan.partSize).toBeLessThanOrEqual(5 * GiB);
      expect(plan.partSize * plan.partCount).toBeGreaterThanOrEqual(size);
    }
  });

  it('knows the length of each part, the last one short', () => {
    expect(partLength(1, 8 * MiB, 20 * MiB)).toBe(8 * MiB);
    expect(partLength(3, 8 * MiB, 20 * MiB)).toBe(4 * MiB);
  });

  it('refuses files over 5 TiB and part sizes S3 would reject', () => {
    expect(() => planUpload(MAX_OBJECT_SIZE + 1)).toThrow(/at most 5 TiB/);
    expect(() => planUpload(100 * MiB, 4 * MiB)).toThrow(/between 5 MiB and 5 GiB/);
  });
});

describe('sizes', () => {
  it('parses and formats sizes', () => {
    expect(parseSize('64MiB')).toBe(64 * MiB);
    expect(parseSize('64MB')).toBe(64 * MiB);
    expect(parseSize('1g')).toBe(GiB);
    expect(parseSize('8388608')).toBe(8 * MiB);
    expect(() => parseSize('lots')).toThrow(/not a size/);
    expect(formatBytes(1536)).toBe('1.50 KiB');
    expect(formatBytes(64 * MiB)).toBe('64 MiB');
  });
});

describe('parseSize on hostile input', () => {
  it('answers at once however long the text (it was quadratic: 1.2 s on 20,000 characters)', () => {
    for (const raw of ['1'.repeat(100_000) + 'x', ' '.repeat(100_000) + '1 ' + ' '.repeat(100_000) + 'q', '9.'.repeat(50_000)]) {
      const started = performance.now();
      expect(() => parseSize(raw)).toThrow(/is not a size/);
      expect(performance.now() - started).toBeLessThan(50);
    }
    expect(parseSize(' 1.5 GiB ')).toBe(1.5 * GiB);
    expect(parseSize('2kb')).toBe(2048);
    for (const bad of ['', '.5MiB', '5.MiB', 'MiB', '5 TiB', '-1', '1e3']) expect(() => parseSize(bad)).toThrow(/is not a size/);
  });
});
