import { GetObjectCommand, ListPartsCommand } from '@aws-sdk/client-s3';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { beforeAll, describe, expect, it } from 'vitest';
import { createAppCore } from '../../main/app/handlers';
import type { Connection, Ferry } from '../../main/core/ferry';
import { MiB } from '../../main/core/transfers/plan';
import type { TransferView } from '../../preload/contract';
import { cliEnv, coreWithAccount, ferry, randomFile, sha256Stream, tempDir, uniqueName } from '../support/helpers';

describe('resuming interrupted uploads', () => {
  let core: Ferry;
  let conn: Connection;
  let dataDir: string;
  let account: string;
  const bucket = uniqueName('resume');

  beforeAll(async () => {
    ({ ferry: core, dataDir, account } = await coreWithAccount());
    conn = await core.connect({ account });
    await conn.storage.createBucket(bucket);
    return () => conn.close();
  });

  const partsOnServer = async (key: string) => {
    const [pending] = await conn.storage.listMultipartUploads(bucket, key);
    if (!pending) return [];
    return (await conn.storage.client.send(new ListPartsCommand({ Bucket: bucket, Key: key, UploadId: pending.uploadId }))).Parts ?? [];
  };
  const contentOf = async (key: string) => sha256Stream((await conn.storage.client.send(new GetObjectCommand({ Bucket: bucket, Key: key }))).Body as Readable);
  /** Runs ferry and kills it with SIGKILL once the server holds `parts` parts of `key`. */
  const killOncePartsStored = (args: string[], key: string, parts: number) =>
    ferry(args, {
      env: cliEnv(dataDir),
      onSpawn: (child) => {
        const poll = setInterval(() => {
          void partsOnServer(key).then((stored) => {
            if (stored.length >= parts) {
              clearInterval(poll);
              child.kill('SIGKILL');
            }
          }, () => {}); // an upload completed or aborted between the listing and ListParts: poll again
        }, 40);
        child.once('exit', () => clearInterval(poll));
      },
    });

  it('ferry cp killed with SIGKILL continues where it stopped: only the missing parts are sent', async () => {
    const src = await randomFile(await tempDir(), 'video.bin', 256 * MiB);
    const env = cliEnv(dataDir);
    const args = ['cp', src.path, `s3://${bucket}/video.bin`, '--account', account, '--part-size', '8MiB', '--concurrency', '2'];
    const killed = await killOncePartsStored(args, 'video.bin', 5);
    expect(killed.code).toBe(null);
    // A part whose bytes were all sent may still be stored by the server just after the kill:
    // read the parts once they have settled.
    let before = await partsOnServer('video.bin');
    for (let settled = false; !settled; ) {
      await new Promise((r) => setTimeout(r, 300));
      const now = await partsOnServer('video.bin');
      settled = now.length === before.length;
      before = now;
    }
    expect(before.length).toBeGreaterThanOrEqual(5);
    expect(before.length).toBeLessThan(32);
    // One saved upload (a temporary file from the killed save may sit beside it).
    expect((await readdir(join(dataDir, 'transfers'))).filter((n) => n.endsWith('.json'))).toHaveLength(1);

    const again = await ferry([...args, '--debug'], { env });
    expect(again.code).toBe(0);
    // The second run found on the server exactly the parts the killed run had finished.
    const complete = before.filter((p) => p.Size === 8 * MiB).length;
    expect(again.stderr).toContain(`continuing an interrupted upload: ${complete} of 32 parts are already on the server`);
    expect(await contentOf('video.bin')).toEqual({ sha256: src.sha256, size: 256 * MiB });
    expect(await conn.storage.listMultipartUploads(bucket, 'video.bin')).toEqual([]);
    expect(await readdir(join(dataDir, 'transfers'))).toEqual([]);
  });

  it('--no-resume aborts the interrupted upload and starts afresh', async () => {
    const src = await randomFile(await tempDir(), 'fresh.bin', 96 * MiB);
    const env = cliEnv(dataDir);
    const args = ['cp', src.path, `s3://${bucket}/fresh.bin`, '--account', account, '--part-size', '8MiB', '--concurrency', '1'];
    await killOncePartsStored(args, 'fresh.bin', 2);
    const [old] = await conn.storage.listMultipartUploads(bucket, 'fresh.bin');
    expect(old).toBeDefined();
    const again = await ferry([...args, '--no-resume', '--debug'], { env });
    expect(again.code).toBe(0);
    expect(again.stderr).not.toContain('continuing');
    expect(await conn.storage.listMultipartUploads(bucket, 'fresh.bin')).toEqual([]);
    expect(await contentOf('fresh.bin')).toEqual({ sha256: src.sha256, size: 96 * MiB });
  });

  it('a file changed since the interrupted upload began is sent afresh, and the old upload aborted', async () => {
    const dir = await tempDir();
    const src = await randomFile(dir, 'changing.bin', 64 * MiB);
    const env = cliEnv(dataDir);
    const args = ['cp', src.path, `s3://${bucket}/changing.bin`, '--account', account, '--part-size', '8MiB', '--concurrency', '1'];
    await killOncePartsStored(args, 'changing.bin', 2);
    const changed = await randomFile(dir, 'changing.bin', 64 * MiB);
    const again = await ferry([...args, '--debug'], { env });
    expect(again.code).toBe(0);
    expect(again.stderr).not.toContain('continuing');
    expect(await conn.storage.listMultipartUploads(bucket, 'changing.bin')).toEqual([]);
    expect(await contentOf('changing.bin')).toEqual({ sha256: changed.sha256, size: 64 * MiB });
  });

  it('after the app quits mid-upload, the next start offers the upload paused, and resume finishes it', async () => {
    const src = await randomFile(await tempDir(), 'app.bin', 160 * MiB);
    const platform = { copyText: () => {}, notify: () => {}, openExternal: () => {}, confirm: async () => true, pickFiles: async () => [] };
    const appInfo = { name: 'Ferry', version: 'test', platform: 'linux' };
    const first = createAppCore({ ferry: core, dataDir, platform, emit: () => {}, appInfo });
    // The window lists the account's buckets before it works in one.
    await first.handle('buckets:list', { account });
    await first.handle('files:grant', { paths: [src.path] });
    await first.handle('uploads:add', { account, bucket, prefix: '', paths: [src.path] });
    const deadline = Date.now() + 30_000;
    while ((await partsOnServer('app.bin')).length < 3 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 40));
    // Quit: the transfer stops without a chance to clean up (as when the process ends).
    const [running] = first.queue.list();
    first.queue.pause(running!.id);
    first.dispose();
    await new Promise((r) => setTimeout(r, 500));

    const second = createAppCore({ ferry: core, dataDir, platform, emit: () => {}, appInfo });
    const listed = await second.handle('transfers:list', undefined);
    const restored = (listed as { ok: true; value: TransferView[] }).value.find((t) => t.key === 'app.bin');
    expect(restored).toMatchObject({ status: 'paused', bucket, file: src.path });
    expect(restored!.bytesDone).toBeGreaterThanOrEqual(2 * 8 * MiB);
    await second.handle('transfers:resume', { id: restored!.id });
    while (second.queue.get(restored!.id)?.status !== 'done' && Date.now() < deadline + 60_000) await new Promise((r) => setTimeout(r, 50));
    expect(second.queue.get(restored!.id)?.status).toBe('done');
    expect(await contentOf('app.bin')).toEqual({ sha256: src.sha256, size: 160 * MiB });
    second.dispose();
  });

  it('after the app quits mid-download, the next start offers the download paused where it stopped, and resume finishes it', async () => {
    const src = await randomFile(await tempDir(), 'film.bin', 200 * MiB);
    expect((await ferry(['cp', src.path, `s3://${bucket}/film.bin`, '--account', account], { env: cliEnv(dataDir) })).code).toBe(0);
    const folder = await tempDir();
    const platform = { copyText: () => {}, notify: () => {}, openExternal: () => {}, confirm: async () => true, pickFiles: async () => [folder] };
    const appInfo = { name: 'Ferry', version: 'test', platform: 'linux' };
    const first = createAppCore({ ferry: core, dataDir, platform, emit: () => {}, appInfo });
    // The window shows the bucket before the user picks what to download.
    await first.handle('buckets:list', { account });
    await first.handle('objects:list', { account, bucket, prefix: '' });
    await first.handle('downloads:add', { account, bucket, keys: ['film.bin'] });
    const [t] = first.queue.list().filter((x) => x.direction === 'download' && x.key === 'film.bin');
    const deadline = Date.now() + 30_000;
    while ((first.queue.get(t!.id)?.bytesDone ?? 0) < 40 * MiB && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    // Quit: the transfer stops without a chance to clean up.
    first.queue.pause(t!.id);
    while (first.queue.get(t!.id)?.status !== 'paused' && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    first.dispose();
    expect((await readdir(folder)).sort()).toEqual(['film.bin.ferry-download', 'film.bin.ferry-download.json']);

    const second = createAppCore({ ferry: core, dataDir, platform, emit: () => {}, appInfo });
    const listed = await second.handle('transfers:list', undefined);
    const restored = (listed as { ok: true; value: TransferView[] }).value.find((x) => x.direction === 'download' && x.key === 'film.bin');
    expect(restored).toMatchObject({ status: 'paused', bucket, file: join(folder, 'film.bin'), size: 200 * MiB });
    expect(restored!.bytesDone).toBeGreaterThan(0);
    expect(restored!.bytesDone).toBeLessThan(200 * MiB);
    await second.handle('transfers:resume', { id: restored!.id });
    while (second.queue.get(restored!.id)?.status !== 'done' && Date.now() < deadline + 60_000) await new Promise((r) => setTimeout(r, 50));
    expect(second.queue.get(restored!.id)).toMatchObject({ status: 'done' });
    expect(await readdir(folder)).toEqual(['film.bin']);
    const { sha256File } = await import('../support/helpers');
    expect(await sha256File(join(folder, 'film.bin'))).toBe(src.sha256);
    second.dispose();

    // Finished, it is not offered again.
    const third = createAppCore({ ferry: core, dataDir, platform, emit: () => {}, appInfo });
    const again = (await third.handle('transfers:list', undefined)) as { ok: true; value: TransferView[] };
    expect(again.value.filter((x) => x.direction === 'download')).toEqual([]);
    third.dispose();
  });
});

