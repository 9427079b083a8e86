import { FerryError } from '../errors';

export const MiB = 1024 * 1024;
export const GiB = 1024 * MiB;
export const MIN_PART_SIZE = 5 * MiB;
export const MAX_PART_SIZE = 5 * GiB;
export const MAX_PARTS = 10_000;
export const MAX_OBJECT_SIZE = 5 * 1024 * GiB;

export interface UploadPlan {
  multipart: boolean;
  partSize: number;
  partCount: number;
  /** Parts in flight at once. */
  concurrency: number;
}

/**
 * Ferry's own choice when neither the user nor the provider preset names a part size: about 32
 * parts per file, between 8 and 64 MiB, so small files still get parallel parts and large ones
 * few requests. Measured on the local gateway (bench/RESULTS.md).
 */
export function autoPartSize(size: number): number {
  const target = Math.ceil(size / 32 / MiB);
  return Math.min(64, Math.max(8, 2 ** Math.ceil(Math.log2(Math.max(target, 1))))) * MiB;
}

/** Parts in flight: more for large files, where the link rather than the request rate limits. */
export function autoConcurrency(size: number): number {
  return size >= 256 * MiB ? 8 : 4;
}

/**
 * Chooses single PUT or multipart, and the part size: the preferred size (the account's preset,
 * or Ferry's default), grown in whole MiB when needed so the file fits in 10,000 parts. A file
 * that fits in one part goes as one PUT.
 */
export function planUpload(size: number, preferredPartSize = autoPartSize(size), concurrency = autoConcurrency(size)): UploadPlan {
  if (!Number.isSafeInteger(preferredPartSize) || preferredPartSize < MIN_PART_SIZE || preferredPartSize > MAX_PART_SIZE) {
    throw new FerryError('USAGE', `A part size must be between 5 MiB and 5 GiB; ${formatBytes(preferredPartSize)} is not.`);
  }
  if (size > MAX_OBJECT_SIZE) {
    throw new FerryError('FILE_TOO_LARGE', `The file is ${formatBytes(size)}; S3 objects can be at most 5 TiB. Split the file first.`);
  }
  if (size <= preferredPartSize) return { multipart: false, partSize: Math.max(size, 0), partCount: 1, concurrency: 1 };
  const needed = Math.ceil(Math.ceil(size / MAX_PARTS) / MiB) * MiB;
  const partSize = Math.min(Math.max(preferredPartSize, needed), MAX_PART_SIZE);
  const partCount = Math.ceil(size / partSize);
  return { multipart: true, partSize, partCount, concurrency: Math.min(concurrency, partCount) };
}

/** Bytes in part `partNumber` (1-based) of a file of `size` bytes cut into `partSize` parts: the last may be short. */
export function partLength(partNumber: number, partSize: number, size: number): number {
  return Math.min(partSize, size - (partNumber - 1) * partSize);
}

const UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];

export function formatBytes(n: number): string {
  let v = n;
  let i = 0;
  while (Math.abs(v) >= 1024 && i < UNITS.length - 1) {
    v /= 1024;
    i++;
  }
  return i === 0 ? `${v} B` : `${v.toFixed(v < 10 ? 2 : 1).replace(/\.0+$/, '')} ${UNITS[i]}`;
}

const SIZE_UNITS: Record<string, number> = { '': 1, b: 1, k: 1024, kb: 1024, kib: 1024, m: MiB, mb: MiB, mib: MiB, g: GiB, gb: GiB, gib: GiB };

/**
 * Parses sizes such as 8388608, 64MiB, 64MB (taken as MiB, like the AWS CLI), 1GiB. One pass
 * over the text, so any input, however long, is answered at once.
 */
export function parseSize(raw: string): number {
  const text = raw.trim();
  const digit = (i: number) => i < text.length && text.charCodeAt(i) >= 48 && text.charCodeAt(i) <= 57;
  let i = 0;
  while (digit(i)) i++;
  const whole = i;
  if (text[i] === '.') {
    i++;
    while (digit(i)) i++;
  }
  const unit = SIZE_UNITS[text.slice(i).trim().toLowerCase()];
  if (whole === 0 || i === whole + 1 || unit === undefined) {
    const shown = raw.length > 40 ? `${raw.slice(0, 40)}…` : raw;
    throw new FerryError('USAGE', `"${shown}" is not a size. Write it as bytes or with a unit, for example 64MiB.`);
  }
  return Math.round(Number(text.slice(0, i)) * unit);
}
