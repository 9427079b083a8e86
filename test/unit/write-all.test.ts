/**
 * A download writes what arrives in batches (one writev per half MiB, issue 21). A disk filling
 * up takes fewer bytes than given: the rest must be written again, never left as a hole the
 * whole-file check would blame on the network, and a write that takes nothing is a full disk.
 */
import { randomBytes } from 'node:crypto';
import { open, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeAllAt } from '../../main/core/files';
import { tempDir } from '../support/helpers-fs';

describe('writing a batch of chunks whole', () => {
  it('short writes (a disk filling up) are written again until every byte is in place', async () => {
    const dir = await tempDir();
    const path = join(dir, 'f.bin');
    const fh = await open(path, 'w+');
    try {
      const chunks = [randomBytes(70_000), Buffer.alloc(0), randomBytes(1), randomBytes(130_001), randomBytes(9)];
      const calls: number[] = [];
      // Each call takes at most 50,001 bytes, as a filling disk may.
      const stingy = {
        write: (b: Uint8Array, off: number, len: number, pos: number) => {
          calls.push(Math.min(len, 50_001));
          return fh.write(b, off, Math.min(len, 50_001), pos);
        },
        writev: async (bs: Uint8Array[], pos: number) => {
          const take: Uint8Array[] = [];
          let room = 50_001;
          for (const b of bs) {
            if (room === 0) break;
            take.push(b.subarray(0, room));
            room -= Math.min(room, b.length);
          }
          const r = await fh.writev(take, pos);
          calls.push(r.bytesWritten);
          return r;
        },
      } as unknown as Parameters<typeof writeAllAt>[0];
      await writeAllAt(stingy, chunks, 1000);
      const all = Buffer.concat(chunks);
      const got = await readFile(path);
      expect(got.length).toBe(1000 + all.length);
      expect(got.subarray(1000).equals(all)).toBe(true);
      expect(calls.length).toBe(Math.ceil(all.length / 50_001));
    } finally {
      await fh.close();
    }
  });

  it('a write that takes nothing is a full disk (ENOSPC), not a loop', async () => {
    const full = { write: async () => ({ bytesWritten: 0 }), writev: async () => ({ bytesWritten: 0 }) } as unknown as Parameters<typeof writeAllAt>[0];
    await expect(writeAllAt(full, [Buffer.from('abc'), Buffer.from('def')], 0)).rejects.toMatchObject({ code: 'ENOSPC' });
    await expect(writeAllAt(full, [Buffer.from('abc')], 0)).rejects.toMatchObject({ code: 'ENOSPC' });
  });
});
