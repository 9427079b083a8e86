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
import { checkPlan, FileHasher } from '../../main/core/transfers/verify';
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

  describe("a download's check, with each part hashed on a thread as soon as it is whole", () => {
    // 6 MiB is no size a common uploader uses: unless told, the check guesses 5 MiB, wrongly.
    const partSize = 6 * MiB;
    const parts = (b: Buffer) => {
      const digests = [];
      for (let at = 0; at < b.length; at += partSize) digests.push(createHash('md5').update(b.subarray(at, at + partSize)).digest());
      return `"${createHash('md5').update(Buffer.concat(digests)).digest('hex')}-${digests.length}"`;
    };
    /** The verdict of a FileHasher fed the file as a download's ranges land: in uneven steps, in order. */
    const judge = async (path: string, size: number, etag: string, given: HashPool | null, known = true) => {
      const plan = checkPlan(etag, size, known ? { partSize } : {});
      if (plan.kind === 'size') throw new Error('expected a part check');
      const fh = await open(path, 'r');
      try {
        const hasher = new FileHasher(fh, size, plan, given);
        for (let end = 0; end < size; end += 3 * MiB + 17) hasher.advance(end);
        return await hasher.result();
      } finally {
        await fh.close();
      }
    };

    it('whole bytes match, one changed byte in any part is damage, and the threads agree with the main thread', async () => {
      const dir = await tempDir();
      const bytes = randomBytes(4 * partSize + 777);
      const etag = parts(bytes);
      const path = join(dir, 'd.bin');
      await writeFile(path, bytes);
      // The four whole parts are hashed by the threads, one request each (the 777-byte tail is not worth a thread).
      const counting = new (class extends HashPool {
        asked = 0;
        override md5(fd: number, start: number, end: number) {
          this.asked++;
          return super.md5(fd, start, end);
        }
      })(1);
      try {
        expect(await judge(path, bytes.length, etag, counting)).toBe('match');
        expect(counting.asked).toBe(4);
      } finally {
        await counting.close();
      }
      expect(await judge(path, bytes.length, etag, pool)).toBe('match');
      expect(await judge(path, bytes.length, etag, null)).toBe('match');
      for (const at of [0, partSize - 1, 2 * partSize + 5, bytes.length - 1]) {
        const bad = Buffer.from(bytes);
        bad[at] = bad[at]! ^ 1;
        await writeFile(path, bad);
        expect([at, await judge(path, bytes.length, etag, pool)]).toEqual([at, 'mismatch']);
        expect([at, await judge(path, bytes.length, etag, null)]).toEqual([at, 'mismatch']);
      }
      // A part size only guessed (5 MiB, wrong here) proves nothing either way.
      await writeFile(path, bytes);
      expect(await judge(path, bytes.length, etag, pool, false)).toBe('unknown');
    });

    it('a thread that dies while parts are being hashed loses none of them, and a file cut short is an error, not a verdict', async () => {
      const dir = await tempDir();
      const bytes = randomBytes(6 * partSize);
      const path = join(dir, 'e.bin');
      await writeFile(path, bytes);
      const dying = new HashPool(1);
      const plan = checkPlan(parts(bytes), bytes.length, { partSize });
      if (plan.kind === 'size') throw new Error('expected a part check');
      const fh = await open(path, 'r');
      try {
        const hasher = new FileHasher(fh, bytes.length, plan, dying);
        hasher.advance(3 * partSize);
        await dying.close();
        expect(await hasher.result()).toBe('match');
        await truncate(path, 2 * partSize);
        const cut = new FileHasher(fh, bytes.length, plan, pool);
        await expect(cut.result()).rejects.toThrow(/ended early/);
      } finally {
        await dying.close();
        await fh.close();
      }
    });
  });
});
