import { describe, expect, it, vi } from 'vitest';
import type { Connection } from '../../main/core/ferry';
import { TransferQueue } from '../../main/core/transfers/queue';
import type { UploadRequest } from '../../main/core/transfers/upload';
import type { Progress } from '../../main/core/transfers/progress';
import { FerryError } from '../../main/core/errors';

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
  it('adapting, it runs more small files at once where each waits on a round trip, and never past its maximum', async () => {
    // Each upload takes 40 ms of (simulated) round trip whatever else runs: a long link, where
    // files at once decide the rate. A fake clock drives both the uploads and the measurement.
    let t = 0;
    const timers: Array<{ at: number; fire: () => void }> = [];
    let inFlight = 0;
    let most = 0;
    const conn = {
      upload: (req: UploadRequest) =>
        new Promise((resolve) => {
          most = Math.max(most, ++inFlight);
          timers.push({ at: t + 40, fire: () => (inFlight--, resolve({ bucket: req.bucket, key: req.key, size: 64 * 1024, contentType: 'x', parts: 1, partSize: 0 })) });
        }),
    } as unknown as Connection;
    let finished = 0;
    const queue = new TransferQueue({ connection: async () => conn, onChange: () => {}, onFinished: () => void finished++, maxActive: 4, adaptUpTo: 16, now: () => t });
    queue.add(Array.from({ length: 20_000 }, (_, i) => ({ account: 'a', bucket: 'b', key: `f${i}`, file: `/tmp/f${i}`, size: 64 * 1024 })));
    const settle = async () => {
      for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
    };
    await settle();
    while (finished < 20_000) {
      const at = Math.min(...timers.map((x) => x.at));
      t = at;
      for (const x of timers.filter((y) => y.at === at)) x.fire();
      timers.splice(0, timers.length, ...timers.filter((y) => y.at !== at));
      await settle();
    }
    const trace = queue.roomTrace();
    // From 16 small files at once, up to the 64 allowed, and never more.
    expect(trace.peak).toBeGreaterThan(16);
    expect(most).toBeGreaterThan(16);
    expect(most).toBeLessThanOrEqual(64);
    // Without adaptUpTo the room stays where it was set.
    expect(new TransferQueue({ connection: async () => conn, onChange: () => {} }).roomTrace()).toMatchObject({ limit: 8, peak: 8, steps: [] });
  });

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

  it('an upload added fresh (the CLI folder upload with --no-resume) is sent afresh; the others continue what was interrupted', async () => {
    const asked: Array<[string, unknown]> = [];
    const conn = {
      upload: async (req: UploadRequest, opts?: { resume?: boolean }) => (asked.push([req.key, opts?.resume]), { bucket: req.bucket, key: req.key, size: 0, contentType: 'x', parts: 1, partSize: 0 }),
    } as unknown as Connection;
    let finished = 0;
    const queue = new TransferQueue({ connection: async () => conn, onChange: () => {}, onFinished: () => void finished++ });
    queue.add([
      { account: 'a', bucket: 'b', key: 'fresh', file: '/tmp/fresh', size: 1, fresh: true },
      { account: 'a', bucket: 'b', key: 'resumed', file: '/tmp/resumed', size: 1 },
    ]);
    while (finished < 2) await new Promise((r) => setImmediate(r));
    expect(asked.sort()).toEqual([
      ['fresh', false],
      ['resumed', undefined],
    ]);
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

describe('progress shown by the queue', () => {
  /**
   * A transfer whose engine reports what real engines report around a pause: bytes of parts in
   * flight count as they are read, a pause takes them back off (they will be sent again), and the
   * resumed run starts from the parts that were stored.
   */
  function pausingConnection() {
    let run = 0;
    const script = async (req: { onProgress?: (p: Progress) => void; pauseSignal?: AbortSignal }) => {
      run++;
      const report = (bytesDone: number) => req.onProgress?.({ bytesDone, totalBytes: 100 * MiB, bytesPerSecond: 1, done: false });
      if (run === 1) {
        report(30 * MiB); // one part stored, reads of the next ones in flight
        report(61 * MiB); // 3 parts stored, 13 MiB of the next ones read
        await new Promise<void>((resolve) => req.pauseSignal!.addEventListener('abort', () => resolve(), { once: true }));
        report(48 * MiB); // the pause took the unfinished parts back off
        throw new FerryError('PAUSED', 'Paused.');
      }
      report(48 * MiB); // resumed: the stored parts
      report(55 * MiB);
      report(70 * MiB);
      report(100 * MiB);
      return { bucket: 'b', key: 'k', size: 100 * MiB, contentType: 'x', parts: 7, partSize: 16 * MiB };
    };
    return { upload: script, download: script } as unknown as Connection;
  }

  for (const direction of ['upload', 'download'] as const) {
    it(`never goes backwards across pause and resume (${direction})`, async () => {
      const seen: Array<{ status: string; bytesDone: number }> = [];
      const conn = pausingConnection();
      const queue = new TransferQueue({ connection: async () => conn, onChange: (v) => seen.push({ status: v.status, bytesDone: v.bytesDone }) });
      const [t] = queue.add([{ direction, account: 'a', bucket: 'b', key: 'k', file: '/tmp/k', size: 100 * MiB }]);
      await vi.waitFor(() => expect(queue.get(t!.id)!.bytesDone).toBe(61 * MiB));
      queue.pause(t!.id);
      await vi.waitFor(() => expect(queue.get(t!.id)!.status).toBe('paused'));
      // The paused row keeps what it showed: 61%, not 48%.
      expect(queue.get(t!.id)!.bytesDone).toBe(61 * MiB);
      queue.resume(t!.id);
      await vi.waitFor(() => expect(queue.get(t!.id)!.status).toBe('done'));
      const counts = seen.map((s) => s.bytesDone);
      expect(counts.every((n, i) => i === 0 || n >= counts[i - 1]!), JSON.stringify(seen)).toBe(true);
      // …and it moves on again once the resent bytes pass it.
      expect(seen).toContainEqual({ status: 'running', bytesDone: 70 * MiB });
      expect(counts.at(-1)).toBe(100 * MiB);
    });
  }
});
