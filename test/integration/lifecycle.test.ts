import { GetObjectCommand } from '@aws-sdk/client-s3';
import { appendFile, link, open, symlink, truncate, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../main/core/clock';
import { Ferry, type Connection } from '../../main/core/ferry';
import { SdkClient } from '../../main/core/s3/sdk';
import { MemorySecretStore } from '../../main/core/secrets/secrets';
import { MiB } from '../../main/core/transfers/plan';
import { TransferQueue, type TransferView } from '../../main/core/transfers/queue';
import type { UploadKeeper } from '../../main/core/transfers/state';
import { DataPath } from '../../main/core/s3/data-path';
import { Wire } from '../../main/core/s3/wire';
import { Uploader } from '../../main/core/transfers/upload';
import { s3Error, startStubProxy, type StubProxy } from '../support/stub-proxy';
import { cliEnv, ferry, gateway, randomFile, sha256File, sha256Stream, tempDir, uniqueName, waitFor } from '../support/helpers';

/**
 * Every way an upload can end: each either completes with the right object, keeps resumable
 * state, or aborts on the server. Against the real gateway, and stubs in front of it where only
 * a stub can misbehave on cue.
 */
describe('the life of an upload', () => {
  let dataDir: string;
  let direct: Connection;
  const bucket = uniqueName('life');
  const stubs: StubProxy[] = [];

  const env = (endpoint: string) => {
    const g = gateway();
    return { AWS_ACCESS_KEY_ID: g.accessKeyId, AWS_SECRET_ACCESS_KEY: g.secretAccessKey, AWS_ENDPOINT_URL: endpoint };
  };
  const core = (endpoint = gateway().endpoint) => new Ferry({ dataDir, secrets: new MemorySecretStore(), env: env(endpoint), network: { backoffMs: 50, requestTimeoutMs: 5000 } });
  const connect = (endpoint?: string) => core(endpoint).connect({}, { concurrency: 4 });
  const stub = async (rule: Parameters<typeof startStubProxy>[1]) => {
    const s = await startStubProxy(gateway().endpoint, rule);
    stubs.push(s);
    return s;
  };
  const pending = (key: string) => direct.storage.listMultipartUploads(bucket, key);
  const contentOf = async (key: string) => sha256Stream((await direct.storage.client.send(new GetObjectCommand({ Bucket: bucket, Key: key }))).Body as Readable);
  /** Uploads until `parts` parts are stored, then pauses: what a quit, pause or kill leaves. */
  const pausedAfter = async (conn: Connection, path: string, key: string, parts: number) => {
    const pause = new AbortController();
    await expect(
      conn.upload({ file: path, bucket, key, partSize: 8 * MiB, concurrency: 1, pauseSignal: pause.signal, onState: (s) => s.parts.length >= parts && pause.abort() }),
    ).rejects.toMatchObject({ code: 'PAUSED' });
    const saved = await conn.saved(path, bucket, key);
    expect(saved?.parts.length).toBeGreaterThanOrEqual(parts);
    expect((await pending(key)).map((u) => u.uploadId)).toEqual([saved!.uploadId]);
    return saved!;
  };

  beforeAll(async () => {
    dataDir = await tempDir();
    direct = await connect();
    await direct.storage.createBucket(bucket);
  });
  afterAll(async () => {
    direct.close();
    await Promise.all(stubs.map((s) => s.close()));
  });

  it('a file that shrinks mid-upload stops with a message; the process survives and no parts stay', async () => {
    const src = await randomFile(await tempDir(), 'shrink.bin', 64 * MiB);
    const conn = await connect();
    let cut = false;
    await expect(
      conn.upload({
        file: src.path,
        bucket,
        key: 'shrink.bin',
        partSize: 8 * MiB,
        concurrency: 2,
        onProgress: (p) => {
          if (!cut && p.bytesDone > 10 * MiB) {
            cut = true;
            void truncate(src.path, MiB);
          }
        },
      }),
    ).rejects.toMatchObject({ code: 'FILE_CHANGED', message: expect.stringMatching(/shrink\.bin (became shorter|changed) while it was being uploaded/) });
    conn.close();
    expect(await pending('shrink.bin')).toEqual([]);
    expect(await direct.storage.exists(bucket, 'shrink.bin')).toBe(false);
  });

  it('ferry cp of a file truncated mid-upload exits 1 with one line, not a crash, and leaves no parts', async () => {
    const src = await randomFile(await tempDir(), 'big.bin', 96 * MiB);
    const run = ferry(['cp', src.path, `s3://${bucket}/big.bin`, '--part-size', '8MiB', '--concurrency', '2'], {
      env: cliEnv(dataDir, env(gateway().endpoint)),
      onSpawn: (child) => {
        const poll = setInterval(() => {
          void pending('big.bin').then(async ([u]) => {
            if (!u || !(await direct.storage.multipartUsage(bucket, 'big.bin', u.uploadId)).parts) return;
            clearInterval(poll);
            await truncate(src.path, MiB);
          })
            .catch(() => {}); // the upload may be gone between the two requests
        }, 30);
        child.once('exit', () => clearInterval(poll));
      },
    });
    const r = await run;
    expect(r.code).toBe(1);
    expect(r.stderr).not.toMatch(/Unhandled|at .*\.js:\d+/);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/big\.bin (became shorter|changed) while it was being uploaded/);
    expect(await pending('big.bin')).toEqual([]);
  });

  it('a single PUT of a file that grows meanwhile keeps what it stored (never deletes the object) and says the file changed', async () => {
    const dir = await tempDir();
    const path = join(dir, 'app.log');
    await writeFile(path, 'first version\n'.repeat(1000));
    const conn = await connect();
    await conn.upload({ file: path, bucket, key: 'app.log' });
    const second = await randomFile(dir, 'app.log', 3 * MiB);
    let appended = false;
    const r = await conn.upload({
      file: path,
      bucket,
      key: 'app.log',
      onProgress: () => {
        if (!appended) {
          appended = true;
          void appendFile(path, 'a line written while uploading\n');
        }
      },
    });
    conn.close();
    expect(r.changedDuringUpload).toBe(true);
    // The object is the file as Ferry read it: the second version, whole, verified by the server.
    expect(await contentOf('app.log')).toEqual({ sha256: second.sha256, size: 3 * MiB });
  });

  it('resuming after a rewrite that keeps size and time re-checks every stored part and resends the changed one', async () => {
    const src = await randomFile(await tempDir(), 'rewritten.bin', 48 * MiB);
    const when = new Date('2026-01-01T00:00:00Z');
    await utimes(src.path, when, when);
    const conn = await connect();
    const saved = await pausedAfter(conn, src.path, 'rewritten.bin', 2);
    // Rewrite bytes of part 1 in place, then put the modification time back (touch -r).
    const fh = await open(src.path, 'r+');
    await fh.write(Buffer.alloc(MiB, 7), 0, MiB, 4096);
    await fh.close();
    await utimes(src.path, when, when);
    const resumed: number[] = [];
    await conn.upload({ file: src.path, bucket, key: 'rewritten.bin', onResume: (i) => resumed.push(i.partsOnServer) });
    conn.close();
    expect(resumed).toEqual([saved.parts.length - 1]);
    expect(await contentOf('rewritten.bin')).toEqual({ sha256: await sha256File(src.path), size: 48 * MiB });
    expect(await pending('rewritten.bin')).toEqual([]);
  });

  it('a saved upload whose file now fits in one PUT is aborted on the server, not left behind', async () => {
    const src = await randomFile(await tempDir(), 'shrunk.bin', 40 * MiB);
    const conn = await connect();
    await pausedAfter(conn, src.path, 'shrunk.bin', 2);
    await truncate(src.path, MiB);
    const restarts: string[] = [];
    await conn.upload({ file: src.path, bucket, key: 'shrunk.bin', onRestart: (why) => restarts.push(why) });
    conn.close();
    expect(restarts).toEqual(['the file now fits in a single request']);
    expect(await pending('shrunk.bin')).toEqual([]);
    expect(await conn.saved(src.path, bucket, 'shrunk.bin')).toBeUndefined();
    expect(await contentOf('shrunk.bin')).toEqual({ sha256: await sha256File(src.path), size: MiB });
  });

  it('cancel right after resuming a restored upload aborts it on the server', async () => {
    const f = core();
    const conn = await f.connect();
    const src = await randomFile(await tempDir(), 'restored.bin', 40 * MiB);
    await pausedAfter(conn, src.path, 'restored.bin', 2);
    const views = new Map<string, TransferView>();
    const queue = new TransferQueue({ connection: async () => conn, onChange: (v) => views.set(v.id, v) });
    const restored = queue.restore((await f.uploadStates.list()).filter((s) => s.key === 'restored.bin'));
    expect(restored).toHaveLength(1);
    queue.resume(restored[0]!.id);
    await queue.cancel(restored[0]!.id);
    await waitFor(async () => views.get(restored[0]!.id)?.status === 'cancelled');
    expect(await pending('restored.bin')).toEqual([]);
    expect(await conn.saved(src.path, bucket, 'restored.bin')).toBeUndefined();
    conn.close();
  });

  it('pause then cancel while the paused state is still being saved: the cancel wins and the upload is aborted', async () => {
    const src = await randomFile(await tempDir(), 'pause-cancel.bin', 40 * MiB);
    const pause = new AbortController();
    const cancel = new AbortController();
    let removed = false;
    const keeper: UploadKeeper = {
      load: async () => undefined,
      others: async () => new Set(),
      save: async (_state, paused) => {
        if (!paused) return;
        // A slow disk: the cancel arrives while the paused state is written.
        cancel.abort();
        await new Promise((r) => setTimeout(r, 300));
      },
      remove: async () => {
        removed = true;
      },
    };
    const dataClient = new SdkClient(direct.profile, { maxAttempts: 1 });
    const uploader = new Uploader({ storage: direct.storage, dataClient, data: new DataPath(new Wire(direct.profile), dataClient), clock: systemClock, backoffMs: 50 });
    await expect(
      uploader.upload(
        { file: src.path, bucket, key: 'pause-cancel.bin', partSize: 8 * MiB, concurrency: 1, signal: cancel.signal, pauseSignal: pause.signal, onState: (s) => s.parts.length >= 2 && pause.abort() },
        keeper,
      ),
    ).rejects.toMatchObject({ code: 'CANCELLED' });
    expect(removed).toBe(true);
    expect(await pending('pause-cancel.bin')).toEqual([]);
  });

  it('a lost CompleteMultipartUpload answer, repeated and answered NoSuchUpload, is success when the object is whole', async () => {
    let completes = 0;
    const s = await stub((r) => {
      if (r.method !== 'POST' || !r.url.searchParams.has('uploadId')) return undefined;
      completes++;
      // The server completes the upload, but its answer never arrives; the repeat finds nothing (as AWS answers).
      return completes === 1 ? { dropAnswer: true } : { respond: { status: 404, body: s3Error('NoSuchUpload', 'The specified upload does not exist.') } };
    });
    const src = await randomFile(await tempDir(), 'lost-answer.bin', 24 * MiB);
    const conn = await connect(s.endpoint);
    const r = await conn.upload({ file: src.path, bucket, key: 'lost-answer.bin', partSize: 8 * MiB });
    conn.close();
    expect(completes).toBe(2);
    expect(r.size).toBe(24 * MiB);
    expect(await contentOf('lost-answer.bin')).toEqual({ sha256: src.sha256, size: 24 * MiB });
    expect(await pending('lost-answer.bin')).toEqual([]);
  });

  it('progress never passes 100% when parts are refused mid-body and sent again', async () => {
    let refused = 0;
    const s = await stub((r) => {
      if (r.method !== 'PUT' || !r.url.searchParams.has('partNumber') || refused >= 6) return undefined;
      refused++;
      return { respond: { status: 503, body: s3Error('SlowDown', 'Please reduce your request rate.'), early: true } };
    });
    const src = await randomFile(await tempDir(), 'retried.bin', 48 * MiB);
    const conn = await connect(s.endpoint);
    const seen: number[] = [];
    await conn.upload({ file: src.path, bucket, key: 'retried.bin', partSize: 8 * MiB, onProgress: (p) => seen.push(p.bytesDone) });
    conn.close();
    expect(refused).toBe(6);
    expect(Math.max(...seen)).toBeLessThanOrEqual(48 * MiB);
    expect(seen.at(-1)).toBe(48 * MiB);
    expect(await contentOf('retried.bin')).toEqual({ sha256: src.sha256, size: 48 * MiB });
  });

  it('where ETags are not MD5s (SSE-KMS), a completed object is verified by size and kept, not deleted', async () => {
    const kms = { 'x-amz-server-side-encryption': 'aws:kms', 'x-amz-server-side-encryption-aws-kms-key-id': 'arn:aws:kms:us-east-1:111122223333:key/test' };
    const opaque = '"0123456789abcdef0123456789abcdef-3"';
    const s = await stub((r) => ({
      rewrite: (a) => {
        const headers: Record<string, string | string[] | undefined> = { ...a.headers, ...kms };
        if (r.method === 'HEAD' && a.status === 200) headers.etag = opaque;
        const body = r.method === 'POST' && r.url.searchParams.has('uploadId') ? Buffer.from(a.body.toString().replace(/<ETag>[^<]*<\/ETag>/, `<ETag>${opaque.replace(/"/g, '&quot;')}</ETag>`)) : a.body;
        return { ...a, headers, body };
      },
    }));
    const src = await randomFile(await tempDir(), 'kms.bin', 24 * MiB);
    const conn = await connect(s.endpoint);
    const r = await conn.upload({ file: src.path, bucket, key: 'kms.bin', partSize: 8 * MiB });
    conn.close();
    expect(r.etag).toBe(opaque);
    expect(await contentOf('kms.bin')).toEqual({ sha256: src.sha256, size: 24 * MiB });
  });

  it('one upload of a file to a key at a time, across processes: a second is refused with who holds it', async () => {
    const src = await randomFile(await tempDir(), 'once.bin', 64 * MiB);
    const conn = await connect();
    let second: Promise<unknown> | undefined;
    let cli: Promise<{ code: number | null; stderr: string }> | undefined;
    const first = conn.upload({
      file: src.path,
      bucket,
      key: 'once.bin',
      partSize: 8 * MiB,
      concurrency: 1,
      onProgress: (p) => {
        if (second || p.bytesDone < 8 * MiB) return;
        second = conn.upload({ file: src.path, bucket, key: 'once.bin' }).catch((e: unknown) => e);
        cli = ferry(['cp', src.path, `s3://${bucket}/once.bin`], { env: cliEnv(dataDir, env(gateway().endpoint)) });
      },
    });
    await first;
    expect(await second).toMatchObject({ code: 'UPLOAD_IN_PROGRESS', message: expect.stringContaining('is already being uploaded to') });
    const other = await cli!;
    expect(other.code).toBe(1);
    expect(other.stderr).toMatch(new RegExp(`already being uploaded to s3://${bucket}/once.bin by another Ferry \\(process ${process.pid}\\)`));
    conn.close();
    expect(await contentOf('once.bin')).toEqual({ sha256: src.sha256, size: 64 * MiB });
    expect(await pending('once.bin')).toEqual([]);
  });

  it('the same file under another name (a symbolic or a hard link) is the same upload: refused while the first runs', async () => {
    const dir = await tempDir();
    const src = await randomFile(dir, 'twice.bin', 24 * MiB);
    await symlink(src.path, join(dir, 'soft.bin'));
    await link(src.path, join(dir, 'hard.bin'));
    const conn = await connect();
    let others: Array<Promise<unknown>> | undefined;
    const first = conn.upload({
      file: src.path,
      bucket,
      key: 'twice.bin',
      partSize: 8 * MiB,
      concurrency: 1,
      onProgress: (p) => {
        if (others || p.bytesDone < 8 * MiB) return;
        others = ['soft.bin', 'hard.bin'].map((n) => conn.upload({ file: join(dir, n), bucket, key: 'twice.bin' }).catch((e: unknown) => e));
      },
    });
    await first;
    for (const other of others!) expect(await other).toMatchObject({ code: 'UPLOAD_IN_PROGRESS' });
    conn.close();
    expect(await contentOf('twice.bin')).toEqual({ sha256: src.sha256, size: 24 * MiB });
    expect(await pending('twice.bin')).toEqual([]);
  });

  it('saved state belongs to one server: the same account name pointing elsewhere does not pick it up', async () => {
    const src = await randomFile(await tempDir(), 'where.bin', 40 * MiB);
    const conn = await connect();
    await pausedAfter(conn, src.path, 'where.bin', 2);
    const s = await stub(() => undefined);
    const elsewhere = await connect(s.endpoint);
    expect(await elsewhere.saved(src.path, bucket, 'where.bin')).toBeUndefined();
    elsewhere.close();
    await conn.abandon(src.path, bucket, 'where.bin');
    expect(await pending('where.bin')).toEqual([]);
    conn.close();
  });

  it('a failed abort says so, with the command that removes the parts', async () => {
    const s = await stub((r) => (r.method === 'DELETE' && r.url.searchParams.has('uploadId') ? { respond: { status: 403, body: s3Error('AccessDenied', 'Access Denied') } } : undefined));
    const src = await randomFile(await tempDir(), 'stuck.bin', 40 * MiB);
    const conn = await connect(s.endpoint);
    const cancel = new AbortController();
    const err = await conn
      .upload({ file: src.path, bucket, key: 'stuck.bin', partSize: 8 * MiB, concurrency: 1, signal: cancel.signal, onState: (st) => st.parts.length >= 1 && cancel.abort() })
      .catch((e: unknown) => e as Error);
    conn.close();
    const [left] = await pending('stuck.bin');
    expect(left).toBeDefined();
    expect((err as Error).message).toContain(`could not be removed from the server`);
    expect((err as Error).message).toContain(`ferry uploads abort s3://${bucket}/stuck.bin --upload-id ${left!.uploadId}`);
    // The state is kept, so the next run can continue or remove it.
    expect((await conn.saved(src.path, bucket, 'stuck.bin'))?.uploadId).toBe(left!.uploadId);
    await direct.storage.abortMultipartUpload(bucket, 'stuck.bin', left!.uploadId);
  });
});

