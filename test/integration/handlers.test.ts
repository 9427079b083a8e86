import { DeleteBucketCommand, ListPartsCommand } from '@aws-sdk/client-s3';
import { mkdir, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAppCore, type AppCore } from '../../main/app/handlers';
import { Ferry } from '../../main/core/ferry';
import { KeychainSecretStore } from '../../main/core/secrets/secrets';
import { MiB } from '../../main/core/transfers/plan';
import type { LinkRecordView, TransferView } from '../../preload/contract';
import { gateway, randomFile, sha256Stream, tempDir, uniqueName, waitFor } from '../support/helpers';
import { inject } from 'vitest';

/** The IPC handler table exactly as Electron registers it, driven with untrusted payloads. */
describe('the IPC handler table', () => {
  let core: AppCore;
  let ferry: Ferry;
  const batches: TransferView[][] = [];
  const clipboard: string[] = [];
  const opened: string[] = [];
  const notices: string[] = [];
  const events: string[] = [];
  const notified: Array<{ title: string; body: string }> = [];
  /** What the file dialog stand-in "chooses". */
  let picked: string[] = [];
  const responses: unknown[] = [];
  const account = uniqueName('ipc');
  const bucket = uniqueName('ipc');

  const call = async (channel: string, payload?: unknown) => {
    // Files reach uploads:add as the preload sends them: dropped, so granted first.
    const paths = (payload as { paths?: string[] } | undefined)?.paths;
    if (channel === 'uploads:add' && paths?.length) await core.handle('files:grant', { paths });
    const r = await core.handle(channel, payload);
    responses.push(r);
    return r;
  };
  const ok = async <T,>(channel: string, payload?: unknown): Promise<T> => {
    const r = await call(channel, payload);
    if (!r.ok) throw new Error(`${channel}: ${r.error.code} ${r.error.message}`);
    return r.value as T;
  };

  let dataDir: string;
  beforeAll(async () => {
    Object.assign(process.env, inject('keyring'));
    dataDir = await tempDir();
    ferry = new Ferry({ dataDir, secrets: new KeychainSecretStore(), env: {} });
    core = createAppCore({
      ferry,
      dataDir,
      platform: { copyText: (t) => void clipboard.push(t), notify: (title, body) => void notified.push({ title, body }), openExternal: (u) => void opened.push(u), confirm: async () => true, pickFiles: async () => picked },
      emit: (event, payload) => {
        events.push(event);
        if (event === 'transfers:changed') batches.push(payload as TransferView[]);
        if (event === 'notice') notices.push((payload as { message: string }).message);
      },
      appInfo: { name: 'Ferry', version: 'test', platform: 'linux' },
    });
    const g = gateway();
    await ok('accounts:add', { name: account, provider: 'ceph', endpoint: g.endpoint, accessKeyId: g.accessKeyId, secretAccessKey: g.secretAccessKey });
    await ok('buckets:create', { account, bucket });
  });
  afterAll(() => core.dispose());

  it('refuses unknown channels and malformed payloads before doing anything', async () => {
    expect(await call('accounts:export', {})).toMatchObject({ ok: false, error: { code: 'USAGE' } });
    for (const [channel, payload] of [
      ['links:create', { account, bucket, key: 'k', expiresIn: 604_801 }],
      ['links:create', { account, bucket, key: 'k', expiresIn: '3600' }],
      ['uploads:add', { account, bucket, prefix: '', paths: [] }],
      ['transfers:pause', { id: '../../etc/passwd' }],
      ['buckets:create', null],
      ['objects:list', { account, bucket, prefix: 42 }],
    ] as const) {
      expect(await call(channel, payload)).toMatchObject({ ok: false, error: { code: 'BAD_REQUEST' } });
    }
    // Nothing above touched the account or the bucket.
    expect((await ferry.listAccounts()).map((a) => a.name)).toEqual([account]);
  });

  it('uploads only paths the user dropped or picked: a forged path, or one outside a dropped folder, is refused', async () => {
    const dir = await tempDir();
    const secret = join(dir, 'id_rsa');
    await writeFile(secret, 'PRIVATE KEY');
    const album = join(dir, 'album');
    await mkdir(join(album, 'inner'), { recursive: true });
    await writeFile(join(album, 'inner', 'photo.jpg'), 'jpg');
    await symlink(secret, join(album, 'inner', 'sneaky-link'));
    // Straight to uploads:add, as script in a compromised page would: nothing was granted.
    for (const paths of [[secret], [dir], [join(album, 'inner', '..', '..', 'id_rsa')]]) {
      expect(await core.handle('uploads:add', { account, bucket, prefix: 'forged/', paths }), paths[0]).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
    }
    // The user drops the folder: what is inside may go, nothing above it, and not through a link.
    expect(await core.handle('files:grant', { paths: [album] })).toMatchObject({ ok: true });
    expect(await core.handle('uploads:add', { account, bucket, prefix: 'forged/', paths: [secret] })).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
    expect(await core.handle('uploads:add', { account, bucket, prefix: 'forged/', paths: [join(album, 'inner', 'sneaky-link')] })).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
    const added = await core.handle('uploads:add', { account, bucket, prefix: 'granted/', paths: [album] });
    expect(added.ok && (added.value as TransferView[]).map((t) => t.key)).toEqual(['granted/album/inner/photo.jpg']);
    expect(notices.at(-1)).toMatch(/1 symbolic link in the dropped folder points outside it and was not uploaded: .*sneaky-link → .*id_rsa/);
    // The file dialog grants what the user chose there.
    picked = [secret];
    expect(await ok('files:pick', { kind: 'files' })).toEqual([secret]);
    expect(await core.handle('uploads:add', { account, bucket, prefix: 'picked/', paths: [secret] })).toMatchObject({ ok: true });
    await waitFor(async () => (await ok<TransferView[]>('transfers:list')).filter((t) => t.key.startsWith('granted/') || t.key.startsWith('picked/')).every((t) => t.status === 'done'));
    const conn = await ferry.connect({ account });
    const keys: string[] = [];
    for await (const page of conn.storage.listObjects(bucket, '', { recursive: true })) keys.push(...page.objects.map((o) => o.key));
    conn.close();
    expect(keys.filter((k) => /^(forged|granted|picked)\//.test(k)).sort()).toEqual(['granted/album/inner/photo.jpg', 'picked/id_rsa']);
  });

  it('opens only links Ferry made in the browser, and copies only http(s) links', async () => {
    for (const url of ['file:///etc/passwd', 'https://example.com/docs', 'https://phish.example/login', 'smb://host/share']) {
      expect(await call('links:open', { url }), url).toMatchObject({ ok: false });
    }
    expect(await call('links:copy', { url: 'javascript:alert(1)' })).toMatchObject({ ok: false });
    expect(opened).toEqual([]);
    const made = await ok<{ url: string }>('links:create', { account, bucket, key: 'granted/album/inner/photo.jpg', expiresIn: 60 });
    await ok('links:open', { url: made.url });
    expect(opened).toEqual([made.url]);
  });

  it('batches progress of many uploads into few events, and records finished uploads', async () => {
    const dir = await tempDir();
    const folder = join(dir, 'album');
    await mkdir(join(folder, 'day 2'), { recursive: true });
    for (let i = 0; i < 30; i++) await writeFile(join(folder, i % 2 ? 'day 2' : '', `photo-${i}.jpg`), `photo ${i}`);
    batches.length = 0;
    notified.length = 0;
    const added = await ok<TransferView[]>('uploads:add', { account, bucket, prefix: 'trips/', paths: [folder] });
    expect(added).toHaveLength(30);
    expect(added.map((t) => t.key)).toContain('trips/album/day 2/photo-1.jpg');
    await waitFor(async () => (await ok<TransferView[]>('transfers:list')).every((t) => t.status === 'done'));
    await new Promise((r) => setTimeout(r, 300));
    const changes = batches.flat().length;
    // Each upload changes state at least 3 times (queued, running, done); batches carry them together.
    expect(changes).toBeGreaterThanOrEqual(30);
    expect(batches.length).toBeLessThan(changes / 3);
    // One notification for the whole drop, not thirty.
    const announced = notified.filter((n) => n.title.includes('uploaded') || n.title.includes('finished'));
    expect(announced).toHaveLength(1);
    expect(announced[0]).toMatchObject({ title: '30 files uploaded', body: expect.stringMatching(new RegExp(`^photo-\\d+\\.jpg, photo-\\d+\\.jpg and 28 more are in ${bucket}/trips/\\.$`)) });
    const recent = await core.recentUploads(100);
    expect(recent.filter((r) => r.key.startsWith('trips/'))).toHaveLength(30);
    const listing = await ok<{ folders: string[] }>('objects:list', { account, bucket, prefix: 'trips/album/' });
    expect(listing.folders).toEqual(['trips/album/day 2/']);
  });

  it("a folder shared as one link is in Links as that folder, copies again as its page, and Ferry's pages folder is not in the list", async () => {
    const made = await ok<{ url: string; files: number }>('links:createMany', { account, bucket, prefix: 'trips/', expiresIn: 600 });
    const history = await ok<LinkRecordView[]>('links:history');
    const record = history.find((r) => r.share?.prefix === 'trips/');
    expect(record).toMatchObject({ bucket, share: { prefix: 'trips/', title: 'trips', files: made.files } });
    const again = await ok<{ url: string }>('links:again', { account, bucket, key: record!.key, createdAt: record!.createdAt });
    expect(again.url).toBe(made.url);
    const page = await fetch(again.url);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    expect(await page.text()).toContain('trips/album/day 2/photo-1.jpg');
    // The page lives under .ferry/ in the bucket; the file list and its search leave it out.
    const top = await ok<{ folders: string[] }>('objects:list', { account, bucket, prefix: '' });
    expect(top.folders).toContain('trips/');
    expect(top.folders).not.toContain('.ferry/');
    const found = await ok<{ objects: Array<{ key: string }> }>('objects:search', { account, bucket, prefix: '', query: '.html' });
    expect(found.objects).toEqual([]);
  });

  it('a link whose file was renamed, moved or deleted is said not to work, is not copied again, and no new link is made to nothing', async () => {
    const conn = await ferry.connect({ account });
    await conn.storage.put(bucket, 'soon-gone.txt', Buffer.from('x'));
    await ok('objects:list', { account, bucket, prefix: '' });
    await ok('links:create', { account, bucket, key: 'soon-gone.txt', expiresIn: 600 });
    const record = (await ok<LinkRecordView[]>('links:history')).find((r) => r.key === 'soon-gone.txt')!;
    expect(await ok<unknown[]>('links:check')).not.toContainEqual(expect.objectContaining({ key: 'soon-gone.txt' }));
    await ok('objects:move', { account, bucket, from: 'soon-gone.txt', to: 'moved.txt' });
    expect(await ok<unknown[]>('links:check')).toContainEqual({ account, bucket, key: 'soon-gone.txt', createdAt: record.createdAt });
    for (const [channel, payload] of [
      ['links:again', { account, bucket, key: 'soon-gone.txt', createdAt: record.createdAt }],
      ['links:create', { account, bucket, key: 'soon-gone.txt', expiresIn: 600 }],
    ] as const) {
      const r = await call(channel, payload);
      expect(r, channel).toMatchObject({ ok: false, error: { code: 'NO_SUCH_KEY', message: expect.stringContaining('is not there any more (renamed, moved or deleted)') } });
    }
    conn.close();
  });

  it('"Limit uploads while I work" caps every upload of the window at once, and holds after a restart', async () => {
    expect(ferry.bandwidth.uploads.bytesPerSecond).toBeUndefined();
    expect(await ok('prefs:set', { uploadLimitMiBps: 2.5 })).toMatchObject({ uploadLimitMiBps: 2.5 });
    expect(ferry.bandwidth.uploads.bytesPerSecond).toBe(2.5 * MiB);
    // Downloads are not the window's uploads: they keep going at full speed.
    expect(ferry.bandwidth.downloads.bytesPerSecond).toBeUndefined();
    // A bad value is refused in words and changes nothing.
    const refused = await core.handle('prefs:set', { uploadLimitMiBps: 0 });
    expect(refused).toMatchObject({ ok: false, error: { message: expect.stringContaining('at least 0.1 MiB/s') } });
    expect(ferry.bandwidth.uploads.bytesPerSecond).toBe(2.5 * MiB);
    // The next start of the app caps uploads before any is added.
    const again = new Ferry({ dataDir, secrets: new KeychainSecretStore(), env: {} });
    const restarted = createAppCore({ ferry: again, dataDir, platform: { copyText: () => {}, notify: () => {}, openExternal: () => {}, confirm: async () => true, pickFiles: async () => [] }, emit: () => {}, appInfo: { name: 'Ferry', version: 'test', platform: 'linux' } });
    await waitFor(async () => again.bandwidth.uploads.bytesPerSecond === 2.5 * MiB);
    restarted.dispose();
    // Cleared: no limit.
    expect(await ok('prefs:set', { uploadLimitMiBps: null })).not.toHaveProperty('uploadLimitMiBps');
    expect(ferry.bandwidth.uploads.bytesPerSecond).toBeUndefined();
  });

  it('copies a working share link when an upload finishes, if the user asked for that', async () => {
    await ok('prefs:set', { copyLinkOnUpload: true, defaultExpirySeconds: 3600 });
    const dir = await tempDir();
    await writeFile(join(dir, 'auto.txt'), 'copied automatically');
    const before = clipboard.length;
    await ok('uploads:add', { account, bucket, prefix: 'auto/', paths: [join(dir, 'auto.txt')] });
    await waitFor(async () => clipboard.length > before);
    const url = new URL(clipboard.at(-1)!);
    expect(url.pathname).toBe(`/${bucket}/auto/auto.txt`);
    expect(url.searchParams.get('X-Amz-Expires')).toBe('3600');
    expect(await (await fetch(url)).text()).toBe('copied automatically');
    await ok('prefs:set', { copyLinkOnUpload: false });
  });

  it('pauses a multipart upload keeping its parts on the server, and resumes sending only the rest', async () => {
    const src = await randomFile(await tempDir(), 'big.bin', 400 * MiB);
    const conn = await ferry.connect({ account });
    const partsOnServer = async () => {
      const [pending] = await conn.storage.listMultipartUploads(bucket, 'big.bin');
      if (!pending) return 0;
      const parts = await conn.storage.client.send(new ListPartsCommand({ Bucket: bucket, Key: 'big.bin', UploadId: pending.uploadId }));
      return parts.Parts?.length ?? 0;
    };
    batches.length = 0;
    const [t] = await ok<TransferView[]>('uploads:add', { account, bucket, prefix: '', paths: [src.path] });
    // Pause once the server holds six finished parts (up to eight more may be in flight).
    await waitFor(async () => (await partsOnServer()) >= 6);
    await ok('transfers:pause', { id: t!.id });
    await waitFor(async () => (await ok<TransferView[]>('transfers:list')).find((x) => x.id === t!.id)?.status === 'paused');
    const partsAtPause = await partsOnServer();
    expect(partsAtPause).toBeLessThan(25);
    // The paused row keeps the count it showed (it never goes back), and that count covers at
    // least the parts whose completion the client saw. A part cut off by the pause is sent again
    // on resume before the count moves on.
    const paused = (await ok<TransferView[]>('transfers:list')).find((x) => x.id === t!.id)!;
    const shownBeforePause = batches.flat().filter((x) => x.id === t!.id && x.status === 'running').map((x) => x.bytesDone);
    expect(paused.bytesDone).toBeGreaterThanOrEqual(Math.max(0, ...shownBeforePause));
    expect(paused.bytesDone).toBeGreaterThanOrEqual(Math.max(2, partsAtPause - 8) * 16 * MiB);
    expect(paused.bytesDone).toBeLessThan(400 * MiB);

    const [atPause] = await conn.storage.listMultipartUploads(bucket, 'big.bin');
    await ok('transfers:resume', { id: t!.id });
    // The resumed run continues the same multipart upload: no new one is started beside it.
    const seen = new Set<string>();
    await waitFor(async () => {
      for (const u of await conn.storage.listMultipartUploads(bucket, 'big.bin')) seen.add(u.uploadId);
      return (await ok<TransferView[]>('transfers:list')).find((x) => x.id === t!.id)?.status === 'done';
    }, 60_000);
    expect([...seen]).toEqual([atPause!.uploadId]);
    await waitFor(async () => batches.flat().some((x) => x.id === t!.id && x.status === 'done'));
    // Over the whole life of the row (running, paused, running again, done) the count never goes
    // back, and the resumed run starts from what was shown, never from zero.
    const counts = batches.flat().filter((x) => x.id === t!.id).map((x) => x.bytesDone);
    expect(counts.every((n, i) => i === 0 || n >= counts[i - 1]!)).toBe(true);
    expect(counts.at(-1)).toBe(400 * MiB);
    expect(await conn.storage.listMultipartUploads(bucket, 'big.bin')).toEqual([]);
    const { GetObjectCommand } = await import('@aws-sdk/client-s3');
    const out = await conn.storage.client.send(new GetObjectCommand({ Bucket: bucket, Key: 'big.bin' }));
    expect(await sha256Stream(out.Body as AsyncIterable<Uint8Array>)).toEqual({ sha256: src.sha256, size: 400 * MiB });
    conn.close();
  });

  it('cancelling a paused upload aborts its multipart upload on the server', async () => {
    const src = await randomFile(await tempDir(), 'cancel-me.bin', 120 * MiB);
    const [t] = await ok<TransferView[]>('uploads:add', { account, bucket, prefix: '', paths: [src.path] });
    await waitFor(async () => ((await ok<TransferView[]>('transfers:list')).find((x) => x.id === t!.id)?.bytesDone ?? 0) > 20 * MiB);
    await ok('transfers:pause', { id: t!.id });
    await waitFor(async () => (await ok<TransferView[]>('transfers:list')).find((x) => x.id === t!.id)?.status === 'paused');
    await ok('transfers:cancel', { id: t!.id });
    const conn = await ferry.connect({ account });
    expect(await conn.storage.listMultipartUploads(bucket, 'cancel-me.bin')).toEqual([]);
    conn.close();
  });

  it('speaks to a window user in window terms: validation in words, no CLI commands, failures in red', async () => {
    expect(await call('buckets:create', { account, bucket: 'ab' })).toMatchObject({ ok: false, error: { message: 'Bucket names need at least 3 characters.' } });
    const dir = await tempDir();
    await writeFile(join(dir, 'lost.txt'), 'x');
    // A bucket the window listed, deleted since (by another tool, say).
    const gone = uniqueName('gone');
    await ok('buckets:create', { account, bucket: gone });
    const conn = await ferry.connect({ account });
    await conn.storage.client.send(new DeleteBucketCommand({ Bucket: gone }));
    conn.close();
    const [t] = await ok<TransferView[]>('uploads:add', { account, bucket: gone, prefix: '', paths: [join(dir, 'lost.txt')] });
    await waitFor(async () => (await ok<TransferView[]>('transfers:list')).find((x) => x.id === t!.id)?.status === 'failed');
    const failed = (await ok<TransferView[]>('transfers:list')).find((x) => x.id === t!.id)!;
    expect(failed.error).toContain('“+ New bucket”');
    expect(failed.error).not.toMatch(/ferry mb/);
    expect(JSON.stringify(batches.flat().filter((x) => x.id === t!.id))).not.toMatch(/ferry mb/);
  });

  it('"Copy again" gives a past link byte for byte (no URL is stored), and every new link is announced', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'again.txt'), 'again');
    await ok('files:grant', { paths: [join(dir, 'again.txt')] });
    const [t] = await ok<TransferView[]>('uploads:add', { account, bucket, prefix: '', paths: [join(dir, 'again.txt')] });
    await waitFor(async () => (await ok<TransferView[]>('transfers:list')).find((x) => x.id === t!.id)?.status === 'done');
    events.length = 0;
    const made = await ok<{ url: string }>('links:create', { account, bucket, key: 'again.txt', expiresIn: 5400, filename: 'Again – ü.txt' });
    expect(events).toContain('links:changed');
    const [record] = await ok<Array<Record<string, unknown>>>('links:history');
    expect(JSON.stringify(record)).not.toContain('X-Amz-Signature');
    await new Promise((r) => setTimeout(r, 1100));
    const again = await ok<{ url: string }>('links:again', record);
    expect(again.url).toBe(made.url);
    expect(await (await fetch(again.url)).text()).toBe('again');
    // The tray's copy is announced too.
    events.length = 0;
    await core.copyLinkFor((await core.recentUploads(1))[0]!);
    expect(events).toContain('links:changed');
    // An expired one is not made again.
    expect(await call('links:again', { ...record, createdAt: '2026-01-01T00:00:00.000Z', expiresAt: '2026-01-01T01:00:00.000Z' })).toMatchObject({ ok: false });
  });

  it('an account is kept only when its connection test passes, or on Save anyway; a failed change puts the old keys back', async () => {
    const g = gateway();
    const name = `${account}-try`;
    const refused = await ok<{ saved: boolean; report: { ok: boolean; checks: Array<{ ok: boolean; detail: string }> } }>('accounts:add', { name, provider: 'ceph', endpoint: g.endpoint, accessKeyId: g.accessKeyId, secretAccessKey: 'wrong' });
    expect(refused.saved).toBe(false);
    expect(refused.report.checks.find((c) => !c.ok)?.detail).toMatch(/secret access key is wrong.*in the account’s settings and save again/);
    expect(JSON.stringify(refused)).not.toMatch(/Re-add|ferry accounts/);
    expect((await ok<Array<{ name: string }>>('accounts:list')).map((a) => a.name)).not.toContain(name);
    expect(await ok('accounts:add', { name, provider: 'ceph', endpoint: g.endpoint, accessKeyId: g.accessKeyId, secretAccessKey: 'wrong', saveAnyway: true })).toMatchObject({ saved: true });
    // Fixing the keys is a change that passes its test.
    expect(await ok('accounts:update', { name, accessKeyId: g.accessKeyId, secretAccessKey: g.secretAccessKey })).toMatchObject({ saved: true, report: { ok: true } });
    // A change to wrong keys fails its test and is undone: the account still works.
    expect(await ok('accounts:update', { name, accessKeyId: g.accessKeyId, secretAccessKey: 'wrong-again' })).toMatchObject({ saved: false });
    expect(await ok('accounts:test', { name })).toMatchObject({ ok: true });
    await ok('accounts:remove', { name });
  });

  it('says what is wrong with a request in words, never schema output', async () => {
    const words = async (channel: string, payload: unknown) => {
      const r = await call(channel, payload);
      expect(r.ok).toBe(false);
      return (r as { error: { message: string } }).error.message;
    };
    expect(await words('buckets:create', { account, bucket: 'ab' })).toBe('Bucket names need at least 3 characters.');
    expect(await words('objects:move', { account, bucket, from: 'a', to: '' })).toBe('The new name is missing. Fill it in and try again.');
    expect(await words('objects:delete', { account, bucket, keys: [] })).toBe('Select something to delete.');
    expect(await words('objects:createFolder', { account, bucket, prefix: '', name: '  ' })).toBe('Give the folder a name.');
    expect(await words('links:create', { account, bucket, key: 'k', expiresIn: 'soon' })).toBe('The link lifetime is missing or not of the right kind.');
    for (const m of [await words('objects:list', { account, bucket, prefix: 42 }), await words('transfers:pause', { id: 'x' })]) {
      expect(m).toMatch(/^The [a-z ]+ is /);
      expect(m).not.toMatch(/expected|Invalid|>=|string|number/);
    }
  });

  it('moving an account to another endpoint needs its keys again', async () => {
    expect(await call('accounts:update', { name: account, endpoint: 'https://attacker.example' })).toMatchObject({ ok: false, error: { code: 'BAD_CREDENTIALS' } });
    expect(await call('accounts:update', { name: account, endpoint: 'http://169.254.169.254' })).toMatchObject({ ok: false });
    expect((await ok<Array<{ name: string; endpoint?: string }>>('accounts:list')).find((a) => a.name === account)?.endpoint).toBe(gateway().endpoint);
  });

  it('changing an account mid-upload lets the running upload finish on its connection', async () => {
    const src = await randomFile(await tempDir(), 'edited-meanwhile.bin', 64 * MiB);
    const [t] = await ok<TransferView[]>('uploads:add', { account, bucket, prefix: '', paths: [src.path] });
    await waitFor(async () => ((await ok<TransferView[]>('transfers:list')).find((x) => x.id === t!.id)?.bytesDone ?? 0) > 8 * MiB);
    await ok('accounts:update', { name: account, region: 'us-east-1' });
    await waitFor(async () => ['done', 'failed'].includes((await ok<TransferView[]>('transfers:list')).find((x) => x.id === t!.id)?.status ?? ''));
    expect((await ok<TransferView[]>('transfers:list')).find((x) => x.id === t!.id)).toMatchObject({ status: 'done' });
    // Its connection stayed open: it never lost the endpoint.
    await new Promise((r) => setTimeout(r, 200));
    expect(batches.flat().filter((x) => x.id === t!.id && x.waiting)).toEqual([]);
    // New work after the change uses a fresh connection.
    expect(await ok('buckets:list', { account })).toEqual(expect.arrayContaining([expect.objectContaining({ name: bucket })]));
  });

  it('never sends a key or secret back to the window', async () => {
    await ok('accounts:list');
    await ok('accounts:test', { name: account });
    const g = gateway();
    const all = JSON.stringify(responses);
    expect(all).not.toContain(g.secretAccessKey);
    // Presigned URLs carry the access key ID by design (X-Amz-Credential); nothing else may.
    const withoutLinks = JSON.stringify(responses.filter((r) => !JSON.stringify(r).includes('X-Amz-Credential')));
    expect(withoutLinks).not.toContain(g.accessKeyId);
  });
});

