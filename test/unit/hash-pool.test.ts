/**
 * Hashing on threads (issue 21): where the machine has cores to spare, a part's MD5 is computed
 * on a worker thread reading the same open file. It must come to exactly the MD5 the main thread
 * computes, say so when the file ended early, and never lose a range when a thread dies.
 */
import { createHash, randomBytes } from 'node:crypto';
import { open, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { HashPool } from '../../main/core/transfers/hash-pool';
import { md5Range } from '../../main/core/transfers/source';
import { tempDir } from '../support/helpers-fs';

const MiB = 1024 * 1024;

describe('MD5 of file ranges on hashing threads (issue 21)', () => {
  const pool = new HashPool(2);
  afterAll(() => pool.close());

  it('every range hashes to what the main thread computes, many at once', async () => {
    const dir = await tempDir();
    const bytes = randomBytes(24 * MiB + 12345);
    const path = join(dir, 'f.bin');
    await writeFile(path, bytes);
    const fh = await open(path, 'r');
    try {
      const ranges: Array<[number, number]> = [
        [0, bytes.length],
        [0, 8 * MiB],
        [8 * MiB, 16 * MiB],
        [16 * MiB, bytes.length],
        [1, 5 * MiB + 3],
        [3 * MiB + 7, 3 * MiB + 7 + MiB],
      ];
      const threaded = await Promise.all(ranges.map(([s, e]) => md5Range(path, fh, s, e, pool)));
      const expected = ranges.map(([s, e]) => createHash('md5').update(bytes.subarray(s, e)).digest());
      expect(threaded.map((b) => b.toString('hex'))).toEqual(expected.map((b) => b.toString('hex')));
      // Computed by the threads themselves (md5Range would quietly hash here if they failed).
      const direct = await Promise.all(ranges.map(([s, e]) => pool.md5(fh.fd, s, e)));
      expect(direct.map((h) => ('md5' in h ? h.md5.toString('hex') : 'short'))).toEqual(expected.map((b) => b.toString('hex')));
      // And the same as without threads.
      const inline = await Promise.all(ranges.map(([s, e]) => md5Range(path, fh, s, e, null)));
      expect(inline.map((b) => b.toString('hex'))).toEqual(expected.map((b) => b.toString('hex')));
    } finally {
      await fh.close();
    }
  });

  it('a file that became shorter than the range is said to have changed', async () => {
    const dir = await tempDir();
    const path = join(dir, 'g.bin');
    await writeFile(path, randomBytes(6 * MiB));
    const fh = await open(path, 'r');
    try {
      await truncate(path, 2 * MiB);
      expect(await pool.md5(fh.fd, 0, 6 * MiB)).toEqual({ short: true });
      await expect(md5Range(path, fh, 0, 6 * MiB, pool)).rejects.toMatchObject({ code: 'FILE_CHANGED', message: expect.stringContaining('became shorter') });
    } finally {
      await fh.close();
    }
  });

  it('a thread that dies mid-range loses nothing: the range is hashed on the main thread instead', async () => {
    const dir = await tempDir();
    const bytes = randomBytes(32 * MiB);
    const path = join(dir, 'h.bin');
    await writeFile(path, bytes);
    const fh = await open(path, 'r');
    const dying = new HashPool(1);
    try {
      const hashing = md5Range(path, fh, 0, bytes.length, dying);
      await dying.close();
      expect((await hashing).toString('hex')).toBe(createHash('md5').update(bytes).digest('hex'));
      // The pool makes a new thread for the next range.
      expect((await md5Range(path, fh, 0, 8 * MiB, dying)).toString('hex')).toBe(createHash('md5').update(bytes.subarray(0, 8 * MiB)).digest('hex'));
    } finally {
      await dying.close();
      await fh.close();
    }
  });
});
