import { describe, expect, it } from 'vitest';
import type { Connection } from '../../main/core/ferry';
import { TransferQueue } from '../../main/core/transfers/queue';
import type { UploadRequest } from '../../main/core/transfers/upload';

const MiB = 1024 * 1024;

/** A connection whose uploads finish when the test says, recording the order they started in. */
function fakeConnection() {
  const started: string[] = [];
  const running = new Map<string, () => void>();
  const conn = {
    upload: (req: UploadRequest) =>
      new Promise((resolve) => {
        started.push(req.key);
        running.set(req.key, () => resolve({ bucket: req.bucket, key: req.key, size: 0, contentType: 'x', parts: 1, partSize: 0 }));
      }),
  } as unknown as Connection;
  const finishOldest = async () => {
    const [key, done] = running.entries().next().value as [string, () => void];
    running.delete(key);
    done();
    await new Promise((r) => setImmediate(r));
  };
  return { conn, started, running, finishOldest };
}

describe('the upload queue', () => {
  it('is fair: a large file queued behind small ones starts after a bounded number of later files', async () => {
    const { conn, started, running, finishOldest } = fakeConnection();
    const queue = new TransferQueue({ connection: async () => conn, onChange: () => {} });
    const item = (key: string, size: number) => ({ account: 'a', bucket: 'b', key, file: `/tmp/${key}`, size });
    // The reported case: 10 small files, one large one 11th, then 2,000 more small files.
    queue.add([
      ...Array.from({ length: 10 }, (_, i) => item(`small-${i}`, 64 * 1024)),
      item('large', 300 * MiB),
      ...Array.from({ length: 2000 }, (_, i) => item(`later-${i}`, 64 * 1024)),
    ]);
    await new Promise((r) => setImmediate(r));
    while (!started.includes('large') && running.size) await finishOldest();
    const position = started.indexOf('large');
    expect(position).toBeGreaterThanOrEqual(10);
    // Without the bound it started 2,011th; now at most 8 later files pass it.
    expect(position).toBeLessThanOrEqual(10 + 8);
    // And small files keep flowing beside it.
    while (running.size && started.length < 100) await finishOldest();
    expect(started.length).toBeGreaterThanOrEqual(100);
  });

  it('starts files of one kind in the order they were added', async () => {
    const { conn, started, running, finishOldest } = fakeConnection();
    const queue = new TransferQueue({ connection: async () => conn, onChange: () => {} });
    queue.add(Array.from({ length: 50 }, (_, i) => ({ account: 'a', bucket: 'b', key: `f-${i}`, file: `/tmp/f-${i}`, size: 100 * MiB })));
    await new Promise((r) => setImmediate(r));
    while (running.size) await finishOldest();
    expect(started).toEqual(Array.from({ length: 50 }, (_, i) => `f-${i}`));
  });
});
