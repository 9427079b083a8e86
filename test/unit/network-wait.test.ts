import { describe, expect, it } from 'vitest';
import { FerryError } from '../../main/core/errors';
import type { Connection } from '../../main/core/ferry';
import { NetworkWatch, unreachable } from '../../main/core/transfers/offline';
import { TransferQueue } from '../../main/core/transfers/queue';

const lost = () => Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9'), { code: 'ECONNREFUSED' });
const tick = () => new Promise((r) => setImmediate(r));

describe('what counts as the network being unreachable', () => {
  it('a refused connection, a name not found or a timeout, also wrapped as ENDPOINT_UNREACHABLE (once or twice)', () => {
    expect(unreachable(lost())).toBe(true);
    expect(unreachable(Object.assign(new Error('getaddrinfo ENOTFOUND s3.example'), { code: 'ENOTFOUND' }))).toBe(true);
    const wrapped = new FerryError('ENDPOINT_UNREACHABLE', 'Cannot reach it', { cause: Object.assign(new Error('timed out'), { name: 'TimeoutError' }) });
    expect(unreachable(wrapped)).toBe(true);
    expect(unreachable(new FerryError('ENDPOINT_UNREACHABLE', 'Cannot reach it. Run it again.', { cause: wrapped }))).toBe(true);
  });

  it('not an answer of the server, a certificate, or anything local', () => {
    expect(unreachable(new FerryError('BAD_CREDENTIALS', 'wrong keys'))).toBe(false);
    expect(unreachable(new FerryError('NO_SUCH_BUCKET', 'no bucket'))).toBe(false);
    expect(unreachable(Object.assign(new Error('AccessDenied'), { name: 'AccessDenied', $metadata: { httpStatusCode: 403 } }))).toBe(false);
    expect(unreachable(new FerryError('ENDPOINT_UNREACHABLE', 'certificate', { cause: Object.assign(new Error('certificate has expired'), { code: 'CERT_HAS_EXPIRED' }) }))).toBe(false);
    expect(unreachable(Object.assign(new Error('EACCES'), { code: 'EACCES' }))).toBe(false);
  });
});

describe('waiting for an endpoint to answer again', () => {
  it('asks again until any answer comes, once for all who wait on the account', async () => {
    const watch = new NetworkWatch({ firstMs: 1, mostMs: 4 });
    let asked = 0;
    const ask = async () => {
      if (++asked < 4) throw lost();
      // A refusal is an answer: the server is back, and the transfer will say what it said.
      throw new FerryError('ACCESS_DENIED', 'denied');
    };
    const both = await Promise.all([watch.back('a', ask, () => true), watch.back('a', ask, () => true)]);
    expect(both).toEqual([true, true]);
    expect(asked).toBe(4);
  });

  it('ends, false, when nobody waits any more or the watch is stopped', async () => {
    const watch = new NetworkWatch({ firstMs: 1, mostMs: 2 });
    let wanted = true;
    const gone = watch.back('a', async () => Promise.reject(lost()), () => wanted);
    await new Promise((r) => setTimeout(r, 10));
    wanted = false;
    expect(await gone).toBe(false);
    const stopped = watch.back('b', async () => Promise.reject(lost()), () => true);
    watch.stop();
    expect(await stopped).toBe(false);
  });
});

describe('entries held by the queue until their plan is known', () => {
  const started: string[] = [];
  const conn = {
    upload: async (req: { key: string }) => (started.push(req.key), { bucket: 'b', key: req.key, size: 1, contentType: 'x', parts: 1, partSize: 1 }),
    download: async (req: { key: string; file: string }) => (started.push(req.key), { bucket: 'b', key: req.key, file: req.file, size: 1, verified: 'size', resumedBytes: 0 }),
    abandon: async () => {
      throw new Error('a held entry has nothing on the server to abandon');
    },
  } as unknown as Connection;
  const queue = () => new TransferQueue({ connection: async () => conn, onChange: () => {} });

  it('are listed as waiting, start nothing, and are given no file name, until released', async () => {
    const q = queue();
    const [held] = q.hold([{ account: 'a', bucket: 'b', key: 'dir/', file: '/tmp/dl/dir', size: 0, direction: 'download' }], () => {});
    await tick();
    expect(q.get(held!.id)).toMatchObject({ status: 'queued', waiting: true });
    expect(q.downloadTargets()).toEqual([]);
    expect(started).toEqual([]);
    const released = q.release(held!.id, [
      { account: 'a', bucket: 'b', key: 'dir/x', file: '/tmp/dl/dir/x', size: 5, direction: 'download' },
      { account: 'a', bucket: 'b', key: 'dir/y', file: '/tmp/dl/dir/y', size: 7, direction: 'download' },
    ]);
    // The held row becomes the first file, the second is listed after it.
    expect(released.map((t) => [t.id === held!.id, t.key, t.size])).toEqual([
      [true, 'dir/x', 5],
      [false, 'dir/y', 7],
    ]);
    while (q.list().some((t) => t.status !== 'done')) await tick();
    expect(started.splice(0).sort()).toEqual(['dir/x', 'dir/y']);
    expect(q.get(held!.id)?.waiting).toBeFalsy();
  });

  it('pause, resume and cancel act on them without starting them or touching anything', async () => {
    const q = queue();
    const [a, b] = q.hold(
      [
        { account: 'a', bucket: 'b', key: 'a', file: '/tmp/a', size: 1 },
        { account: 'a', bucket: 'b', key: 'b', file: '/tmp/b', size: 1 },
      ],
      () => {},
    );
    q.pause(a!.id);
    expect(q.get(a!.id)).toMatchObject({ status: 'paused', waiting: false });
    q.resume(a!.id);
    await tick();
    expect(q.get(a!.id)).toMatchObject({ status: 'queued', waiting: true });
    await q.cancel(b!.id);
    expect(q.get(b!.id)).toMatchObject({ status: 'cancelled' });
    expect(q.release(b!.id, [{ account: 'a', bucket: 'b', key: 'b', file: '/tmp/b', size: 1 }])).toEqual([]);
    // Paused when its plan comes: it is planned, and stays paused.
    q.pause(a!.id);
    q.release(a!.id, [{ account: 'a', bucket: 'b', key: 'a', file: '/tmp/a', size: 1 }]);
    await tick();
    expect(q.get(a!.id)).toMatchObject({ status: 'paused' });
    expect(started).toEqual([]);
  });

  it('a failed plan is said, and Retry asks for the plan again', async () => {
    const q = queue();
    const asked: string[] = [];
    const [held] = q.hold([{ account: 'a', bucket: 'b', key: 'gone.txt', file: '/tmp/gone.txt', size: 0, direction: 'download' }], (id) => asked.push(id));
    q.release(held!.id, new FerryError('NO_SUCH_KEY', 'There is no object s3://b/gone.txt.'));
    expect(q.get(held!.id)).toMatchObject({ status: 'failed', errorCode: 'NO_SUCH_KEY', error: 'There is no object s3://b/gone.txt.' });
    q.retry(held!.id);
    expect(asked).toEqual([held!.id]);
    expect(q.get(held!.id)).toMatchObject({ status: 'queued', waiting: true });
    expect(q.get(held!.id)?.error).toBeUndefined();
    await tick();
    expect(started).toEqual([]);
  });
});
