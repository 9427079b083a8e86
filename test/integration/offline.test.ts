import { GetObjectCommand } from '@aws-sdk/client-s3';
import { createReadStream } from 'node:fs';
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import type { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createAppCore, type AppCore } from '../../main/app/handlers';
import { Ferry, type Connection } from '../../main/core/ferry';
import { KeychainSecretStore, MemorySecretStore } from '../../main/core/secrets/secrets';
import { MiB } from '../../main/core/transfers/plan';
import type { TransferView } from '../../preload/contract';
import { gateway, randomFile, sha256Stream, tempDir, uniqueName, waitFor } from '../support/helpers';
import { startRgwInstance, type RgwInstance } from '../support/rgw';

/** Every file below a folder, as paths relative to it (folders show only through their files). */
async function filesIn(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true, recursive: true })) if (!e.isDirectory()) out.push(relative(dir, join(e.parentPath, e.name)));
  return out.sort();
}

/**
 * Issue 20, "Works offline": uploads and downloads asked for in the window while the server
 * cannot be reached (a RADOS Gateway daemon of its own, stopped) wait for it, listed as waiting,
 * and go by themselves when it is back, through the handler table as Electron registers it.
 */
describe('transfers asked for while the server cannot be reached', () => {
  let rgw: RgwInstance;
  let core: AppCore;
  /** The shared gateway, on the same cluster: what "someone else" does while ours is down. */
  let direct: Connection;
  const notices: string[] = [];
  let picked: string[] = [];
  const account = uniqueName('offline');
  const bucket = uniqueName('offline');

  const call = async (channel: string, payload?: unknown) => {
    const paths = (payload as { paths?: string[] } | undefined)?.paths;
    if (channel === 'uploads:add' && paths?.length) await core.handle('files:grant', { paths });
    return core.handle(channel, payload);
  };
  const ok = async <T,>(channel: string, payload?: unknown): Promise<T> => {
    const r = await call(channel, payload);
    if (!r.ok) throw new Error(`${channel}: ${r.error.code} ${r.error.message}`);
    return r.value as T;
  };
  const listed = async (ids: string[]) => (await ok<TransferView[]>('transfers:list')).filter((t) => ids.includes(t.id));
  const ofAccount = async (name: string) => (await ok<TransferView[]>('transfers:list')).filter((t) => t.account === name);
  const contentOf = async (key: string) => sha256Stream((await direct.storage.client.send(new GetObjectCommand({ Bucket: bucket, Key: key }))).Body as Readable);
  const textOf = async (key: string) => (await direct.storage.getBytes(bucket, key, 1024)).toString();
  /** Long enough for the first questions to the stopped server to have been asked and gone unanswered. */
  const whileDown = () => new Promise((r) => setTimeout(r, 2500));

  beforeAll(async () => {
    Object.assign(process.env, inject('keyring'));
    const g = gateway();
    rgw = await startRgwInstance(g.conf, uniqueName('rgw').replace('-', ''));
    const dataDir = await tempDir();
    const ferry = new Ferry({ dataDir, secrets: new KeychainSecretStore(), env: {} });
    core = createAppCore({
      ferry,
      dataDir,
      platform: { copyText: () => {}, notify: () => {}, openExternal: () => {}, confirm: async () => true, pickFiles: async () => picked },
      emit: (event, payload) => {
        if (event === 'notice') notices.push((payload as { message: string }).message);
      },
      appInfo: { name: 'Ferry', version: 'test', platform: 'linux' },
    });
    await ok('accounts:add', { name: account, provider: 'ceph', endpoint: rgw.endpoint, accessKeyId: g.accessKeyId, secretAccessKey: g.secretAccessKey });
    await ok('buckets:create', { account, bucket });
    const aws = { AWS_ACCESS_KEY_ID: g.accessKeyId, AWS_SECRET_ACCESS_KEY: g.secretAccessKey, AWS_ENDPOINT_URL: g.endpoint };
    direct = await new Ferry({ dataDir: await tempDir(), secrets: new MemorySecretStore(), env: aws }).connect();
  });
  afterAll(async () => {
    core.dispose();
    direct.close();
    await rgw.stop();
  });

  it('an upload waits for the network, listed as waiting, and finishes by itself with the exact bytes', async () => {
    const dir = await tempDir();
    const large = await randomFile(dir, 'large.bin', 12 * MiB);
    const small = await randomFile(dir, 'small.bin', 300 * 1024);
    await rgw.stop();
    try {
      const added = await ok<TransferView[]>('uploads:add', { account, bucket, prefix: 'up/', paths: [large.path, small.path] });
      expect(added.map((t) => [t.key, t.status, t.waiting])).toEqual([
        ['up/large.bin', 'queued', true],
        ['up/small.bin', 'queued', true],
      ]);
      expect(notices.at(-1)).toMatch(/cannot be reached now: the 2 files wait for the network and upload by themselves when it is back\. .*no file already there is replaced/);
      await whileDown();
      expect((await listed(added.map((t) => t.id))).map((t) => [t.status, t.waiting])).toEqual([
        ['queued', true],
        ['queued', true],
      ]);
    } finally {
      await rgw.start();
    }
    await waitFor(async () => (await ofAccount(account)).filter((t) => t.key.startsWith('up/')).every((t) => t.status === 'done' || t.status === 'failed'), 120_000);
    expect((await ofAccount(account)).filter((t) => t.key.startsWith('up/')).map((t) => [t.key, t.status, t.waiting ?? false])).toEqual([
      ['up/large.bin', 'done', false],
      ['up/small.bin', 'done', false],
    ]);
    expect(await contentOf('up/large.bin')).toEqual({ sha256: large.sha256, size: 12 * MiB });
    expect(await contentOf('up/small.bin')).toEqual({ sha256: small.sha256, size: 300 * 1024 });
  }, 180_000);

  it('a download waits too: nothing is written meanwhile, and when the server answers it is planned, fetched and checked', async () => {
    // Uploaded through the window while the server is up, so the window knows the names.
    const src = await tempDir();
    const one = await randomFile(src, 'one.bin', 9 * MiB);
    const album = join(src, 'album');
    await mkdir(join(album, 'sub'), { recursive: true });
    const a = await randomFile(album, 'a.bin', 200 * 1024);
    const b = await randomFile(join(album, 'sub'), 'b.bin', 6 * MiB);
    await ok('uploads:add', { account, bucket, prefix: 'dl/', paths: [one.path, album], onExisting: 'replace' });
    await waitFor(async () => (await ofAccount(account)).filter((t) => t.key.startsWith('dl/')).every((t) => t.status === 'done'), 60_000);

    const dest = await tempDir();
    picked = [dest];
    await rgw.stop();
    let ids: string[];
    try {
      // The folder first: planned while offline, it would leave an empty "album" behind.
      const added = await ok<TransferView[]>('downloads:add', { account, bucket, keys: ['dl/album/', 'dl/one.bin'] });
      ids = added.map((t) => t.id);
      expect(added.map((t) => [t.key, t.direction, t.status, t.waiting, t.file])).toEqual([
        ['dl/album/', 'download', 'queued', true, join(dest, 'album')],
        ['dl/one.bin', 'download', 'queued', true, join(dest, 'one.bin')],
      ]);
      expect(notices.at(-1)).toMatch(/cannot be reached now: the 2 downloads wait for the network .* Nothing is written to /);
      await whileDown();
      expect((await listed(ids)).map((t) => [t.status, t.waiting])).toEqual([
        ['queued', true],
        ['queued', true],
      ]);
      // No temporary file, no empty file or folder at the destination while it waits.
      expect(await readdir(dest)).toEqual([]);
    } finally {
      await rgw.start();
    }
    await waitFor(async () => {
      const downloads = (await ofAccount(account)).filter((t) => t.direction === 'download');
      return downloads.length === 3 && downloads.every((t) => t.status === 'done' || t.status === 'failed');
    }, 120_000);
    const downloads = (await ofAccount(account)).filter((t) => t.direction === 'download');
    expect(downloads.map((t) => [t.key, t.status, t.size, relative(dest, t.file)]).sort()).toEqual([
      ['dl/album/a.bin', 'done', 200 * 1024, join('album', 'a.bin')],
      ['dl/album/sub/b.bin', 'done', 6 * MiB, join('album', 'sub', 'b.bin')],
      ['dl/one.bin', 'done', 9 * MiB, 'one.bin'],
    ]);
    // The rows shown while waiting are the downloads (the folder's row became its first file).
    expect(downloads.filter((t) => ids.includes(t.id))).toHaveLength(2);
    expect(await filesIn(dest)).toEqual([join('album', 'a.bin'), join('album', 'sub', 'b.bin'), 'one.bin']);
    for (const [path, want] of [
      [join(dest, 'one.bin'), one],
      [join(dest, 'album', 'a.bin'), a],
      [join(dest, 'album', 'sub', 'b.bin'), b],
    ] as const) {
      expect(await sha256Stream(createReadStream(path)), path).toEqual({ sha256: want.sha256, size: want.size });
    }
  }, 180_000);

  it('a name someone else fills while the upload waits is not replaced: the failure says how to replace it; "Replace them" replaces; "Keep both" (and shares from outside) store beside it, numbered', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'report.txt'), 'ours, added while offline');
    await writeFile(join(dir, 'notes.txt'), 'ours, to replace theirs');
    // Large enough to go in parts: the numbered name is a new multipart upload, the first aborted.
    const big = await randomFile(dir, 'big.bin', 12 * MiB);
    await direct.storage.put(bucket, 'taken/notes.txt', Buffer.from('theirs, from before'));
    await rgw.stop();
    let asked: TransferView[];
    let replacing: TransferView[];
    let both: TransferView[];
    try {
      asked = await ok<TransferView[]>('uploads:add', { account, bucket, prefix: 'taken/', paths: [join(dir, 'report.txt')] });
      replacing = await ok<TransferView[]>('uploads:add', { account, bucket, prefix: 'taken/', paths: [join(dir, 'notes.txt')], onExisting: 'replace' });
      both = await ok<TransferView[]>('uploads:add', { account, bucket, prefix: 'taken/', paths: [big.path], onExisting: 'keep-both' });
      expect([...asked, ...replacing, ...both].map((t) => [t.status, t.waiting])).toEqual([
        ['queued', true],
        ['queued', true],
        ['queued', true],
      ]);
      // Someone else stores the names, through another gateway of the same cluster.
      await direct.storage.put(bucket, 'taken/report.txt', Buffer.from('theirs, stored meanwhile'));
      await direct.storage.put(bucket, 'taken/big.bin', Buffer.from('theirs, big'));
    } finally {
      await rgw.start();
    }
    const ids = [...asked!, ...replacing!, ...both!].map((t) => t.id);
    await waitFor(async () => (await listed(ids)).every((t) => t.status === 'done' || t.status === 'failed'), 120_000);
    const [report, notes, kept] = await listed(ids);
    expect(kept).toMatchObject({ key: 'taken/big (2).bin', status: 'done', bytesDone: 12 * MiB });
    expect(await contentOf('taken/big (2).bin')).toEqual({ sha256: big.sha256, size: 12 * MiB });
    expect(await textOf('taken/big.bin')).toBe('theirs, big');
    expect(report).toMatchObject({ key: 'taken/report.txt', status: 'failed', errorCode: 'OBJECTS_EXIST' });
    expect(report!.error).toBe(
      `${bucket}/taken/report.txt already exists, so it was not replaced: the server could not be asked which names were taken when this upload was added, so Ferry uploads it only where nothing is. To replace it, upload the file again and choose “Replace them”.`,
    );
    expect(await textOf('taken/report.txt')).toBe('theirs, stored meanwhile');
    expect(notes).toMatchObject({ key: 'taken/notes.txt', status: 'done' });
    expect(await textOf('taken/notes.txt')).toBe('ours, to replace theirs');
    // Nothing half-written is left on the server either.
    expect((await direct.storage.listMultipartUploads(bucket, 'taken/')).length).toBe(0);
  }, 180_000);

  it('keys the server refuses still fail at once, in their own words, and nothing waits', async () => {
    const g = gateway();
    const wrong = uniqueName('wrongkeys');
    // Right at first (so the window was shown the bucket and a file), then the secret is changed.
    await ok('accounts:add', { name: wrong, provider: 'ceph', endpoint: g.endpoint, accessKeyId: g.accessKeyId, secretAccessKey: g.secretAccessKey });
    await direct.storage.put(bucket, 'wk/there.txt', Buffer.from('there'));
    await ok('buckets:list', { account: wrong });
    await ok('objects:list', { account: wrong, bucket, prefix: '' });
    await ok('objects:list', { account: wrong, bucket, prefix: 'wk/' });
    const saved = await ok<{ saved: boolean }>('accounts:update', { name: wrong, accessKeyId: g.accessKeyId, secretAccessKey: 'not-the-secret-0123456789abcdefghijklmn', saveAnyway: true });
    expect(saved.saved).toBe(true);
    const dir = await tempDir();
    await writeFile(join(dir, 'x.txt'), 'x');
    const up = await call('uploads:add', { account: wrong, bucket, prefix: 'wk/', paths: [join(dir, 'x.txt')] });
    expect(up).toMatchObject({ ok: false });
    expect(!up.ok && up.error.code).toMatch(/^(BAD_CREDENTIALS|ACCESS_DENIED|SIGNATURE_MISMATCH)$/);
    expect(!up.ok && up.error.message).toMatch(/keys|secret/);
    picked = [await tempDir()];
    const down = await call('downloads:add', { account: wrong, bucket, keys: ['wk/there.txt'] });
    expect(down).toMatchObject({ ok: false });
    expect(!down.ok && down.error.code).toMatch(/^(BAD_CREDENTIALS|ACCESS_DENIED|SIGNATURE_MISMATCH)$/);
    expect(await ofAccount(wrong)).toEqual([]);
    expect(await readdir(picked[0]!)).toEqual([]);
  });
});
