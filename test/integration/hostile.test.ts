import { CreateMultipartUploadCommand, GetObjectCommand, S3Client, UploadPartCommand } from '@aws-sdk/client-s3';
import { mkdir, open, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { beforeAll, describe, expect, it } from 'vitest';
import { createAppCore, type AppCore } from '../../main/app/handlers';
import type { Connection, Ferry } from '../../main/core/ferry';
import { SdkClient } from '../../main/core/s3/sdk';
import { Storage } from '../../main/core/s3/storage';
import { MiB } from '../../main/core/transfers/plan';
import type { TransferView } from '../../preload/contract';
import { cliEnv, coreWithAccount, ferry as runFerry, gateway, randomFile, sha256Stream, tempDir, uniqueName } from '../support/helpers';

describe('hostile and unusual input', () => {
  let core: Ferry;
  let conn: Connection;
  let app: AppCore;
  let dataDir: string;
  let account: string;
  const bucket = uniqueName('hostile');
  const batches: TransferView[][] = [];

  beforeAll(async () => {
    ({ ferry: core, dataDir, account } = await coreWithAccount());
    conn = await core.connect({ account });
    await conn.storage.createBucket(bucket);
    app = createAppCore({
      ferry: core,
      dataDir,
      platform: { copyText: () => {}, notify: () => {}, openExternal: () => {}, confirm: async () => true, pickFiles: async () => [] },
      emit: (e, p) => void (e === 'transfers:changed' && batches.push(p as TransferView[])),
      appInfo: { name: 'Ferry', version: 'test', platform: 'linux' },
    });
    // The window lists an account's buckets before it works in one.
    await app.handle('buckets:list', { account });
    return () => {
      app.dispose();
      conn.close();
    };
  });

  const contentOf = async (key: string) => sha256Stream((await conn.storage.client.send(new GetObjectCommand({ Bucket: bucket, Key: key }))).Body as Readable);
  const call = async <T,>(channel: string, payload: unknown): Promise<T> => {
    // Files reach uploads:add as the preload sends them: dropped, so granted first.
    const paths = (payload as { paths?: string[] }).paths;
    if (channel === 'uploads:add' && paths?.length) await app.handle('files:grant', { paths });
    const r = await app.handle(channel, payload);
    if (!r.ok) throw Object.assign(new Error(r.error.message), { code: r.error.code });
    return r.value as T;
  };
  const until = async (check: () => boolean | Promise<boolean>, ms = 120_000) => {
    const deadline = Date.now() + ms;
    while (!(await check())) {
      if (Date.now() > deadline) throw new Error('timed out');
      await new Promise((r) => setTimeout(r, 100));
    }
  };

  it("a symbolic link uploads the file it points to, under the link's name", async () => {
    const dir = await tempDir();
    const target = await randomFile(dir, 'real.bin', 100_000);
    await symlink(target.path, join(dir, 'link.bin'));
    await conn.upload({ file: join(dir, 'link.bin'), bucket, key: 'link.bin' });
    expect(await contentOf('link.bin')).toEqual({ sha256: target.sha256, size: 100_000 });
  });

  it('a folder upload says what it leaves out and why: a FIFO, a broken link, a link to a folder', async () => {
    const dir = await tempDir();
    await mkdir(join(dir, 'inner'));
    await writeFile(join(dir, 'inner', 'kept.txt'), 'kept');
    expect(spawnSync('mkfifo', [join(dir, 'pipe')]).status).toBe(0);
    await symlink(join(dir, 'gone.txt'), join(dir, 'broken'));
    await symlink(join(dir, 'inner'), join(dir, 'loop'));
    const r = await runFerry(['cp', dir, `s3://${bucket}/skips/`, '--recursive', '--account', account], { env: cliEnv(dataDir) });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe(`upload: ${join(dir, 'inner', 'kept.txt')} to s3://${bucket}/skips/inner/kept.txt\n`);
    expect(r.stderr.split('\n').filter(Boolean).sort()).toEqual(
      [
        `ferry: skipped ${join(dir, 'broken')}: it is a link to something that is not there`,
        `ferry: skipped ${join(dir, 'loop')}: it is a link to a folder, and links to folders are not followed (upload that folder itself if you want it)`,
        `ferry: skipped ${join(dir, 'pipe')}: it is not a regular file (a FIFO, socket or device)`,
      ].sort(),
    );
  });

  it('a file deleted mid-upload still uploads whole: Ferry holds it open', async () => {
    const src = await randomFile(await tempDir(), 'deleted.bin', 64 * MiB);
    let removed = false;
    await conn.upload({
      file: src.path,
      bucket,
      key: 'deleted.bin',
      partSize: 8 * MiB,
      onProgress: (p) => {
        if (!removed && p.bytesDone > 8 * MiB) {
          removed = true;
          void rm(src.path);
        }
      },
    });
    expect(removed).toBe(true);
    expect(await contentOf('deleted.bin')).toEqual({ sha256: src.sha256, size: 64 * MiB });
  });

  it('a file rewritten mid-upload is reported, and neither an object nor parts are left', async () => {
    const src = await randomFile(await tempDir(), 'rewritten.bin', 64 * MiB);
    let changed = false;
    const upload = conn.upload({
      file: src.path,
      bucket,
      key: 'rewritten.bin',
      partSize: 8 * MiB,
      concurrency: 1,
      onProgress: (p) => {
        if (!changed && p.bytesDone > 8 * MiB) {
          changed = true;
          void (async () => {
            const fh = await open(src.path, 'r+');
            await fh.write(Buffer.alloc(4096, 7), 0, 4096, 60 * MiB);
            await fh.close();
          })();
        }
      },
    });
    await expect(upload).rejects.toMatchObject({ code: 'FILE_CHANGED', message: expect.stringMatching(/changed while it was being uploaded/) });
    await expect(conn.storage.head(bucket, 'rewritten.bin')).rejects.toMatchObject({ code: 'NO_SUCH_KEY' });
    expect(await conn.storage.listMultipartUploads(bucket, 'rewritten.bin')).toEqual([]);
  });

  it('ferry cp --no-clobber leaves an existing object alone', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'keep.txt'), 'original');
    const env = cliEnv(dataDir);
    expect((await runFerry(['cp', join(dir, 'keep.txt'), `s3://${bucket}/keep.txt`, '--account', account], { env })).code).toBe(0);
    await writeFile(join(dir, 'keep.txt'), 'replacement');
    const r = await runFerry(['cp', join(dir, 'keep.txt'), `s3://${bucket}/keep.txt`, '--account', account, '--no-clobber'], { env });
    expect(r).toMatchObject({ code: 0, stdout: '', stderr: `ferry: s3://${bucket}/keep.txt already exists; not replaced (--no-clobber)\n` });
    const body = await conn.storage.client.send(new GetObjectCommand({ Bucket: bucket, Key: 'keep.txt' }));
    expect(await body.Body!.transformToString()).toBe('original');
  });

  it('--no-clobber leaves existing objects alone in every upload: a folder (few files and many) and share --one-link', async () => {
    const dir = await tempDir();
    const env = cliEnv(dataDir);
    const text = async (key: string) => (await conn.storage.client.send(new GetObjectCommand({ Bucket: bucket, Key: key }))).Body!.transformToString();
    // 40 files: more than are checked one by one, so the listing path is taken too.
    const names = Array.from({ length: 40 }, (_, i) => `f${i}.txt`);
    for (const n of names) await writeFile(join(dir, n), 'original');
    expect((await runFerry(['cp', dir, `s3://${bucket}/nc/`, '--recursive', '--account', account], { env })).code).toBe(0);
    for (const n of names) await writeFile(join(dir, n), 'replacement');
    await writeFile(join(dir, 'new.txt'), 'new');
    const r = await runFerry(['cp', dir, `s3://${bucket}/nc/`, '--recursive', '--account', account, '--no-clobber'], { env });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain(`ferry: s3://${bucket}/nc/f7.txt already exists; not replaced (--no-clobber)`);
    expect(await Promise.all(names.map((n) => text(`nc/${n}`)))).toEqual(names.map(() => 'original'));
    expect(await text('nc/new.txt')).toBe('new');
    const few = await runFerry(['cp', join(dir, 'f1.txt'), `s3://${bucket}/nc/`, '--account', account, '--no-clobber'], { env });
    expect(few.stderr).toContain('not replaced');
    const shared = await runFerry(['share', join(dir, 'f1.txt'), join(dir, 'f2.txt'), `s3://${bucket}/nc/`, '--one-link', '--account', account, '--no-clobber'], { env });
    expect(shared.code, shared.stderr).toBe(0);
    expect([await text('nc/f1.txt'), await text('nc/f2.txt')]).toEqual(['original', 'original']);
    // And a folder download keeps the local files there, saying each.
    const down = await tempDir();
    await writeFile(join(down, 'f3.txt'), 'local');
    const d = await runFerry(['cp', `s3://${bucket}/nc/`, down, '--recursive', '--account', account, '--no-clobber'], { env });
    expect(d.code, d.stderr).toBe(0);
    expect(d.stderr).toBe(`ferry: ${join(down, 'f3.txt')} already exists; not replaced (--no-clobber)\n`);
    expect(await readFile(join(down, 'f3.txt'), 'utf8')).toBe('local');
    expect(await readFile(join(down, 'f4.txt'), 'utf8')).toBe('original');
  });

  it('the app asks before replacing existing objects, then replaces or skips as told', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'keep.txt'), 'from the app');
    await writeFile(join(dir, 'new.txt'), 'new file');
    const paths = [join(dir, 'keep.txt'), join(dir, 'new.txt')];
    await expect(call('uploads:add', { account, bucket, prefix: '', paths })).rejects.toMatchObject({ code: 'OBJECTS_EXIST', message: expect.stringMatching(/1 of these 2 files already exists in .*: keep\.txt/) });
    const skipped = await call<TransferView[]>('uploads:add', { account, bucket, prefix: '', paths, onExisting: 'skip' });
    expect(skipped.map((t) => t.key)).toEqual(['new.txt']);
    const replaced = await call<TransferView[]>('uploads:add', { account, bucket, prefix: '', paths: [paths[0]], onExisting: 'replace' });
    await until(() => app.queue.get(replaced[0]!.id)?.status === 'done');
    const body = await conn.storage.client.send(new GetObjectCommand({ Bucket: bucket, Key: 'keep.txt' }));
    expect(await body.Body!.transformToString()).toBe('from the app');
  });

  it('10,000 files dropped at once are queued in one call and uploaded, with progress in few batches', async () => {
    const dir = join(await tempDir(), 'many');
    for (let d = 0; d < 10; d++) {
      await mkdir(join(dir, `d${d}`), { recursive: true });
      await Promise.all(Array.from({ length: 1000 }, (_, i) => writeFile(join(dir, `d${d}`, `f${i}.txt`), `${d}/${i}`)));
    }
    batches.length = 0;
    const added = await call<TransferView[]>('uploads:add', { account, bucket, prefix: 'bulk/', paths: [dir] });
    expect(added).toHaveLength(10_000);
    // Asked of the files not yet seen done, first to last: listing all 10,000 at every look took
    // a quarter of the process's time from the uploads it waits for.
    const left = new Set(added.map((t) => t.id));
    await until(() => {
      for (const id of left) {
        if (app.queue.get(id)?.status !== 'done') return false;
        left.delete(id);
      }
      return true;
    }, 240_000);
    // Each file changes state at least three times (queued, running, done): 30,000 changes that
    // reach the window in a few hundred batches, later changes of a file replacing earlier ones.
    const files = new Set(batches.flat().map((t) => t.id));
    expect(files.size).toBe(10_000);
    expect(batches.length).toBeLessThan(1_000);
    let listed = 0;
    for await (const page of conn.storage.listObjects(bucket, 'bulk/', { recursive: true })) listed += page.objects.length;
    expect(listed).toBe(10_000);
  }, 300_000);

  it('unfinished uploads can be listed with their size and aborted, from the CLI and the app', async () => {
    const created = await conn.storage.client.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: 'forgotten.iso' }));
    await conn.storage.client.send(new UploadPartCommand({ Bucket: bucket, Key: 'forgotten.iso', UploadId: created.UploadId, PartNumber: 1, Body: Buffer.alloc(5 * MiB, 1) }));
    const env = cliEnv(dataDir);
    const ls = await runFerry(['uploads', 'ls', `s3://${bucket}`, '--account', account], { env });
    expect(ls.code).toBe(0);
    expect(ls.stdout).toMatch(new RegExp(`seconds? old\\s+1 parts\\s+5 MiB  s3://${bucket}/forgotten\\.iso  ${created.UploadId!.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
    const fromApp = await call<Array<{ key: string; parts: number; bytes: number }>>('multipart:list', { account, bucket });
    expect(fromApp).toEqual([expect.objectContaining({ key: 'forgotten.iso', parts: 1, bytes: 5 * MiB })]);
    // A key is that key alone: aborting s3://…/forgotten leaves forgotten.iso's upload be.
    const exact = await runFerry(['uploads', 'abort', `s3://${bucket}/forgotten`, '--account', account], { env });
    expect(exact).toMatchObject({ code: 0, stdout: 'Nothing to abort.\n' });
    expect((await conn.storage.listMultipartUploads(bucket)).map((u) => u.uploadId)).toEqual([created.UploadId]);
    const young = await runFerry(['uploads', 'abort', `s3://${bucket}`, '--older-than', '1d', '--account', account], { env });
    expect(young.stdout).toBe('Nothing to abort.\n');
    const abort = await runFerry(['uploads', 'abort', `s3://${bucket}`, '--account', account], { env });
    expect(abort.stdout).toBe(`abort: s3://${bucket}/forgotten.iso ${created.UploadId}\n`);
    expect(await conn.storage.listMultipartUploads(bucket)).toEqual([]);
  });

  it("a clock far from the server's is explained", async () => {
    const g = gateway();
    const skewed = new S3Client({
      region: 'us-east-1',
      endpoint: g.endpoint,
      forcePathStyle: true,
      credentials: { accessKeyId: g.accessKeyId, secretAccessKey: g.secretAccessKey },
      systemClockOffset: 2 * 3600_000,
    });
    const storage = new Storage(SdkClient.of(conn.profile, skewed), { ...conn.profile, endpoint: g.endpoint });
    await expect(storage.listBuckets()).rejects.toMatchObject({ code: 'CLOCK_SKEW', message: expect.stringMatching(/clock is too far from its own\. Set your clock automatically/) });
    skewed.destroy();
  });
});
