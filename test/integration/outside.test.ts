import { createHash } from 'node:crypto';
import { mkdir, readdir, symlink, writeFile } from 'node:fs/promises';
import { createServer, connect, type AddressInfo, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, beforeEach, describe, expect, inject, it } from 'vitest';
import { whatIsCopied, type ClipboardSource } from '../../main/app/clipboard-share';
import { createAppCore, type AppCore } from '../../main/app/handlers';
import { parseLaunch } from '../../main/app/launch';
import type { ShareOutcome } from '../../main/app/outside';
import { Ferry } from '../../main/core/ferry';
import { KeychainSecretStore } from '../../main/core/secrets/secrets';
import { gateway, randomFile, tempDir, uniqueName, waitFor } from '../support/helpers';
import { s3Error, startStubProxy } from '../support/stub-proxy';

/** A clipboard holding what a test put there, read through the same interface as Electron's. */
function fakeClipboard(held: { formats?: Record<string, string>; png?: Buffer; text?: string }): ClipboardSource {
  const all: Record<string, Buffer> = {};
  for (const [t, v] of Object.entries(held.formats ?? {})) all[t] = Buffer.from(v);
  if (held.png) all['image/png'] = held.png;
  if (held.text !== undefined) all['text/plain'] = Buffer.from(held.text);
  return { read: async () => [{ types: Object.keys(all), getType: async (t) => all[t]! }] };
}

const sha256 = (b: Buffer | string) => createHash('sha256').update(b).digest('hex');

/** A 2×1 PNG, real bytes as a screenshot tool would put on the clipboard. */
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAIAAAABCAYAAAD0In+KAAAAEUlEQVR4nGP4z8DwHwQZGBgAQP8H+Qr8aNQAAAAASUVORK5CYII=', 'base64');

/** A core of its own on `dataDir` (as a fresh start of the app), telling `seen` what it copies and notifies. */
function coreOn(dataDir: string, seen: { copied?: string[]; notified?: Array<{ title: string; body: string }> } = {}): AppCore {
  return createAppCore({
    ferry: new Ferry({ dataDir, secrets: new KeychainSecretStore(), env: {} }),
    dataDir,
    platform: { copyText: (t) => void seen.copied?.push(t), notify: (title, body) => void seen.notified?.push({ title, body }), openExternal: () => {}, confirm: async () => true, pickFiles: async () => [] },
    emit: () => {},
    appInfo: { name: 'Ferry', version: 'test', platform: 'linux' },
    gatherMs: 50,
  });
}

/**
 * Ferry outside its window: files from the file manager or dock, the clipboard, through the real
 * handler table and queue against a real S3 server; the link copied is fetched and must serve
 * exactly the bytes shared.
 */
describe('sharing from outside the window', () => {
  let core: AppCore;
  let ferry: Ferry;
  let dataDir: string;
  let work: string;
  const copied: string[] = [];
  const notified: Array<{ title: string; body: string }> = [];
  let settingsShown = 0;
  const account = uniqueName('out');
  const bucket = uniqueName('out');

  const ok = async <T,>(channel: string, payload?: unknown): Promise<T> => {
    const r = await core.handle(channel, payload);
    if (!r.ok) throw new Error(`${channel}: ${r.error.code} ${r.error.message}`);
    return r.value as T;
  };
  const linkServes = async (outcome: ShareOutcome) => {
    if (!outcome.ok) throw new Error(`the share failed: ${outcome.message}`);
    const res = await fetch(outcome.url);
    expect(res.status).toBe(200);
    return Buffer.from(await res.arrayBuffer());
  };

  beforeAll(async () => {
    Object.assign(process.env, inject('keyring'));
    dataDir = await tempDir();
    work = await tempDir();
    ferry = new Ferry({ dataDir, secrets: new KeychainSecretStore(), env: {} });
    core = createAppCore({
      ferry,
      dataDir,
      platform: { copyText: (t) => void copied.push(t), notify: (title, body) => void notified.push({ title, body }), openExternal: () => {}, confirm: async () => true, pickFiles: async () => [] },
      emit: () => {},
      appInfo: { name: 'Ferry', version: 'test', platform: 'linux' },
      showSettings: () => void settingsShown++,
      gatherMs: 150,
    });
    const g = gateway();
    await ok('accounts:add', { name: account, provider: 'ceph', endpoint: g.endpoint, accessKeyId: g.accessKeyId, secretAccessKey: g.secretAccessKey });
    await ok('buckets:create', { account, bucket });
  });
  afterAll(() => core.dispose());
  beforeEach(() => {
    copied.length = 0;
    notified.length = 0;
  });

  it('with no destination chosen, says where to choose one, opens Settings and uploads nothing', async () => {
    const f = await randomFile(work, 'early.bin', 1000);
    const outcome = await core.outside.receive([f.path]);
    expect(outcome).toMatchObject({ ok: false });
    expect(settingsShown).toBe(1);
    expect(notified).toEqual([{ title: 'Choose where shared files go', body: expect.stringContaining('Settings') }]);
    expect(copied).toEqual([]);
  });

  it('a launch with a file (Open With, a second launch, the dock) uploads it to the destination and copies one link, with one notification', async () => {
    await ok('buckets:list', { account });
    await ok('prefs:set', { destination: { account, bucket, prefix: 'shared/' } });
    const f = await randomFile(work, 'holiday photo.jpg', 300_000);
    const launch = parseLaunch(['/opt/Ferry/ferry-app', '--upload', pathToFileURL(f.path).href, '--original-process-start-time=1'], { cwd: '/', fromCheckout: false });
    expect(launch).toEqual({ files: [f.path], notFiles: [], shareClipboard: false, capture: false, hidden: false });
    const outcome = await core.outside.receive(launch.files);
    expect(copied).toEqual([outcome.ok && outcome.url]);
    expect(sha256(await linkServes(outcome))).toBe(f.sha256);
    expect(new URL((outcome as { url: string }).url).pathname).toBe(`/${bucket}/shared/holiday%20photo.jpg`);
    expect(notified).toHaveLength(1);
    expect(notified[0]).toMatchObject({ title: 'Link copied', body: expect.stringContaining('holiday photo.jpg') });
  });

  it('an address handed over as a file (a file manager’s sftp:// or smb:// item) is said, not dropped silently', async () => {
    const launch = parseLaunch(['/opt/Ferry/ferry-app', '--upload', 'smb://nas/share/report.pdf'], { cwd: '/', fromCheckout: false });
    expect(launch.files).toEqual([]);
    const before = notified.length;
    const copiedBefore = copied.length;
    expect(core.outside.refuse(launch.notFiles)).toMatchObject({ ok: false });
    expect(notified.slice(before)).toEqual([{ title: 'Not a file on this computer', body: expect.stringContaining('smb://nas/share/report.pdf is an address, not a file Ferry can read. Copy the file to this computer') }]);
    expect(copied).toHaveLength(copiedBefore);
  });

  it('never replaces a file already there: a second file of the same name is kept beside it, numbered', async () => {
    const first = await randomFile(work, 'report.pdf', 5000);
    const a = await core.outside.receive([first.path]);
    const other = await tempDir();
    const second = await randomFile(other, 'report.pdf', 7000);
    const b = await core.outside.receive([second.path]);
    expect(b).toMatchObject({ ok: true });
    expect(b.ok && decodeURIComponent(new URL(b.url).pathname)).toBe(`/${bucket}/shared/report (2).pdf`);
    // Both links serve their own file: the first upload is untouched.
    expect(sha256(await linkServes(a))).toBe(first.sha256);
    expect(sha256(await linkServes(b))).toBe(second.sha256);
  });

  it('files handed over one by one (macOS sends open-file per file) make one share: one link to all, one notification', async () => {
    await ok('prefs:set', { copyLinkOnUpload: true });
    const one = await randomFile(work, 'one.txt', 100);
    const two = await randomFile(work, 'two.txt', 200);
    const [x, y] = await Promise.all([core.outside.receive([one.path]), core.outside.receive([two.path])]);
    expect(x).toEqual(y);
    const page = (await linkServes(x)).toString();
    expect(page).toContain('one.txt');
    expect(page).toContain('two.txt');
    expect(copied).toHaveLength(1);
    expect(notified).toEqual([{ title: 'Link copied', body: expect.stringMatching(/one\.txt, two\.txt are in .*link to all of them/) }]);
  });

  it('two files of one name handed over together both arrive, each under a name of its own', async () => {
    const [d1, d2] = [await tempDir(), await tempDir()];
    const a = await randomFile(d1, 'twin.bin', 1111);
    const b = await randomFile(d2, 'twin.bin', 2222);
    const outcome = await core.outside.receive([a.path, b.path]);
    expect(outcome).toMatchObject({ ok: true, files: 2, failed: [] });
    const page = (await linkServes(outcome)).toString();
    expect(page).toContain('twin.bin');
    expect(page).toContain('twin (2).bin');
  });

  it('a folder shared from outside is said by its name and how many files it holds, and its page is titled with it', async () => {
    const top = join(await tempDir(), 'Trip photos');
    await mkdir(join(top, 'day 2'), { recursive: true });
    await randomFile(top, 'a.jpg', 100);
    await randomFile(join(top, 'day 2'), 'b.jpg', 200);
    const before = notified.length;
    const outcome = await core.outside.receive([top]);
    expect(outcome).toMatchObject({ ok: true, files: 2 });
    expect(notified.slice(before)).toEqual([{ title: 'Link copied', body: expect.stringContaining(`Trip photos/ (2 files) is in ${bucket}/shared/; the link to all of them`) }]);
    const page = (await linkServes(outcome)).toString();
    expect(page).toContain('<title>Trip photos');
    expect(page).toContain('day 2/b.jpg');
    // The same folder again: kept beside the first as a whole, as a file manager keeps a copy.
    const again = await core.outside.receive([top]);
    expect(again).toMatchObject({ ok: true, files: 2 });
    expect(notified.at(-1)).toEqual({ title: 'Link copied', body: expect.stringContaining(`Trip photos (2)/ (2 files) is in ${bucket}/shared/`) });
    const second = (await linkServes(again)).toString();
    expect(second).toContain('<title>Trip photos (2)');
    expect(second).toContain('day 2/b.jpg');
    expect(second).not.toContain('a (2).jpg');
  });

  it('with notifications off in Settings, a share from outside still says what happened: it is the only answer', async () => {
    await ok('prefs:set', { notifications: false });
    try {
      expect(await core.outside.shareClipboard({ kind: 'empty' })).toMatchObject({ ok: false });
      expect(notified.pop()).toMatchObject({ title: 'Nothing to share' });
    } finally {
      await ok('prefs:set', { notifications: true });
    }
  });

  it('a single file shared from outside is copied once, even with "copy a link after an upload" on', async () => {
    const f = await randomFile(work, 'once.bin', 1000);
    const outcome = await core.outside.receive([f.path]);
    expect(outcome.ok).toBe(true);
    expect(copied).toHaveLength(1);
    expect(notified).toHaveLength(1);
  });

  it('the clipboard: copied files, an image as .png and text as .txt, each with exactly its bytes', async () => {
    const f = await randomFile(work, 'copied in the file manager.bin', 4000);
    const files = await whatIsCopied(fakeClipboard({ formats: { 'electron application/osclipboard;format="x-special/gnome-copied-files"': `copy\n${pathToFileURL(f.path).href}` }, text: f.path }));
    expect(files).toEqual({ kind: 'files', paths: [f.path] });
    expect(sha256(await linkServes(await core.outside.shareClipboard(files)))).toBe(f.sha256);

    const image = await whatIsCopied(fakeClipboard({ png: PNG, text: 'alt text' }));
    const shot = await core.outside.shareClipboard(image);
    expect(shot.ok && decodeURIComponent(new URL(shot.url).pathname)).toMatch(/\/shared\/Clipboard \d{4}-\d\d-\d\d at \d\d\.\d\d\.\d\d\.png$/);
    expect(await linkServes(shot)).toEqual(PNG);

    const words = 'Grüße aus Köln 🚢\nline two\n';
    const text = await core.outside.shareClipboard(await whatIsCopied(fakeClipboard({ text: words })));
    expect(text.ok && new URL(text.url).pathname).toMatch(/\.txt$/);
    expect((await linkServes(text)).toString('utf8')).toBe(words);
    expect(copied).toHaveLength(3);
  });

  it('a captured area is shared as a PNG named for when it was taken; a cancelled capture says nothing', async () => {
    const shot = await core.outside.shareCapture({ name: 'test tool', capture: async () => PNG });
    expect(shot.ok && decodeURIComponent(new URL(shot.url).pathname)).toMatch(/\/shared\/Screenshot \d{4}-\d\d-\d\d at \d\d\.\d\d\.\d\d\.png$/);
    expect(await linkServes(shot)).toEqual(PNG);
    notified.length = copied.length = 0;
    expect(await core.outside.shareCapture({ name: 'test tool', capture: async () => undefined })).toMatchObject({ ok: false });
    expect(notified).toEqual([]);
    expect(copied).toEqual([]);
  });

  it('an empty clipboard, or a file that is gone, is said and nothing is copied', async () => {
    expect(await core.outside.shareClipboard(await whatIsCopied(fakeClipboard({ text: '  \n' })))).toMatchObject({ ok: false });
    expect(notified.pop()).toEqual({ title: 'Nothing to share', body: expect.stringContaining('Copy something first') });
    const gone = join(work, 'deleted-meanwhile.txt');
    const outcome = await core.outside.receive([gone]);
    expect(outcome).toMatchObject({ ok: false });
    expect(notified.pop()).toMatchObject({ title: 'Could not share', body: expect.stringContaining('deleted-meanwhile.txt') });
    expect(copied).toEqual([]);
  });

  it('one file gone since it was handed over does not lose the others: they are shared, and the one notification names what was left out and why', async () => {
    const dir = await tempDir();
    const here = await randomFile(dir, 'here.txt', 1000);
    const folder = join(dir, 'album');
    await mkdir(folder);
    await randomFile(folder, 'in.jpg', 2000);
    await symlink('/etc/hostname', join(folder, 'escape.txt'));
    const outcome = await core.outside.receive([here.path, join(dir, 'gone.txt'), folder]);
    expect(outcome).toMatchObject({ ok: true, files: 2, failed: [] });
    expect(copied).toEqual([outcome.ok && outcome.url]);
    expect(notified).toHaveLength(1);
    const body = notified[0]!.body;
    expect(body).toContain(`One item could not be opened and was not uploaded: ${join(dir, 'gone.txt')}: it is not there (moved or deleted since it was given).`);
    expect(body).toMatch(/1 symbolic link in the dropped folder points outside it and was not uploaded: .*escape\.txt → \/etc\/hostname/);
    const page = await (await fetch((outcome as { url: string }).url)).text();
    expect(page).toContain('here.txt');
    expect(page).toContain('in.jpg');
  });

  it('names with line breaks or bidi controls reach the notification as visible escapes, never raw', async () => {
    const dir = await tempDir();
    const odd = await randomFile(dir, 'a\u202Etxt.exe', 10);
    const outcome = await core.outside.receive([odd.path]);
    expect(outcome).toMatchObject({ ok: true });
    expect(notified[0]!.body).toContain('a\\u202etxt.exe');
    expect(notified[0]!.body).not.toMatch(/[\u202e\n]/);
  });

  it('copied items that are addresses, not files here (sftp://, smb://, another host’s file://), are said; local files copied with them are shared', async () => {
    const dir = await tempDir();
    const local = await randomFile(dir, 'local.txt', 100);
    const remoteOnly = await whatIsCopied(fakeClipboard({ formats: { 'x-special/gnome-copied-files': 'copy\nsftp://host/home/me/report.pdf' } }));
    expect(remoteOnly).toEqual({ kind: 'files', paths: [], notFiles: ['sftp://host/home/me/report.pdf'] });
    expect(await core.outside.shareClipboard(remoteOnly)).toMatchObject({ ok: false });
    expect(notified.pop()).toEqual({ title: 'Not a file on this computer', body: expect.stringContaining('sftp://host/home/me/report.pdf is an address') });
    expect(copied).toEqual([]);
    const mixed = await whatIsCopied(fakeClipboard({ formats: { 'text/uri-list': `${pathToFileURL(local.path).href}\r\nsmb://nas/share/b.txt\r\nfile:///etc/passwd%00.png\r\nfile:///\r\nhttps://example.com/page\r\n` } }));
    expect(mixed).toEqual({ kind: 'files', paths: [local.path], notFiles: ['smb://nas/share/b.txt', 'file:///etc/passwd%00.png', 'file:///'] });
    const outcome = await core.outside.shareClipboard(mixed);
    expect(sha256(await linkServes(outcome))).toBe(local.sha256);
    expect(notified.pop()?.body).toContain('smb://nas/share/b.txt and 2 more are addresses, not a file Ferry can read');
  });

  it('a destination folder is saved as a folder ("in" is "in/"); one no share could use ("../up/", "a//b/") is refused when it is chosen', async () => {
    const saved = await ok<{ destination?: { prefix?: string } }>('prefs:set', { destination: { account, bucket, prefix: 'in' } });
    expect(saved.destination?.prefix).toBe('in/');
    for (const prefix of ['../up/', 'a//b/', '/abs/', './x/', ' ', 'in/ ', 'in\n', 'a/\u0000/']) {
      const r = await core.handle('prefs:set', { destination: { account, bucket, prefix } });
      expect(r.ok, prefix).toBe(false);
      expect(!r.ok && r.error.message, prefix).toContain('cannot be the destination folder');
    }
    expect((await ok<{ destination?: { prefix?: string } }>('prefs:get')).destination?.prefix).toBe('in/');
    await ok('prefs:set', { destination: { account, bucket, prefix: 'shared/' } });
  });

  it('a destination whose bucket was deleted since sends the user to Settings, saying so', async () => {
    const gone = uniqueName('gonebucket');
    await ok('buckets:create', { account, bucket: gone });
    await ok('prefs:set', { destination: { account, bucket: gone } });
    await ok('buckets:delete', { account, bucket: gone });
    const f = await randomFile(work, 'y.bin', 10);
    const before = settingsShown;
    const outcome = await core.outside.receive([f.path]);
    expect(outcome, JSON.stringify(notified)).toMatchObject({ ok: false });
    expect(settingsShown, JSON.stringify(notified)).toBe(before + 1);
    expect(notified.pop()).toEqual({ title: 'Choose where shared files go', body: expect.stringContaining(`The destination’s bucket “${gone}” is not on the server any more. Choose another destination in Settings`) });
    await ok('prefs:set', { destination: { account, bucket, prefix: 'shared/' } });
  });

  it('a destination whose account was removed sends the user to Settings', async () => {
    const other = uniqueName('gone');
    const g = gateway();
    await ok('accounts:add', { name: other, provider: 'ceph', endpoint: g.endpoint, accessKeyId: g.accessKeyId, secretAccessKey: g.secretAccessKey });
    await ok('buckets:list', { account: other });
    await ok('prefs:set', { destination: { account: other, bucket } });
    await ok('accounts:remove', { name: other });
    const f = await randomFile(work, 'x.bin', 10);
    const before = settingsShown;
    expect(await core.outside.receive([f.path])).toMatchObject({ ok: false });
    expect(settingsShown).toBe(before + 1);
    expect(notified.pop()?.body).toContain(`“${other}” is not in Ferry any more`);
    await ok('prefs:set', { destination: { account, bucket, prefix: 'shared/' } });
  });

  it('a clipboard image is not left in Ferry’s folder once it is shared', async () => {
    await core.outside.shareClipboard({ kind: 'image', png: PNG });
    expect(await readdir(join(dataDir, 'outgoing'))).toEqual([]);
  });

  it('clipboard files a killed run left are removed at the next start; other files in Ferry’s folder are not', async () => {
    const dir = await tempDir();
    await mkdir(join(dir, 'outgoing', 'clip-left'), { recursive: true });
    await writeFile(join(dir, 'outgoing', 'clip-left', 'Clipboard 2026-12-01 at 10.00.00.png'), PNG);
    await writeFile(join(dir, 'outgoing', 'not-ours.txt'), 'x');
    const again = coreOn(dir);
    try {
      await waitFor(async () => !(await readdir(join(dir, 'outgoing'))).includes('clip-left'), 5000);
      expect(await readdir(join(dir, 'outgoing'))).toEqual(['not-ours.txt']);
    } finally {
      again.dispose();
    }
  });

  it('a clipboard share waiting for the network when Ferry quits goes on at the next start: the link is copied then, with the picture’s bytes', async () => {
    const g = gateway();
    const target = new URL(g.endpoint);
    // A way to the gateway that can be cut (nothing listens: refused) and put back on the same port.
    const sockets = new Set<Socket>();
    let way: Server | undefined;
    const up = (port: number) =>
      new Promise<number>((resolve) => {
        way = createServer((client) => {
          const server = connect(Number(target.port), target.hostname);
          for (const s of [client, server]) sockets.add(s.on('error', () => {}));
          client.pipe(server).pipe(client);
        }).listen(port, '127.0.0.1', () => resolve((way!.address() as AddressInfo).port));
      });
    const down = () => new Promise<void>((resolve) => (way!.close(() => resolve()), sockets.forEach((s) => s.destroy()), sockets.clear()));
    const port = await up(0);
    const dir = await tempDir();
    const seen: { copied: string[]; notified: Array<{ title: string; body: string }> } = { copied: [], notified: [] };
    const start = () => coreOn(dir, seen);
    const first = start();
    const name = uniqueName('wait');
    const r1 = await first.handle('accounts:add', { name, provider: 'ceph', endpoint: `http://127.0.0.1:${port}`, accessKeyId: g.accessKeyId, secretAccessKey: g.secretAccessKey });
    expect(r1.ok).toBe(true);
    await first.handle('buckets:list', { account: name });
    await first.handle('prefs:set', { destination: { account: name, bucket, prefix: 'waited/' } });
    await down();
    void first.outside.shareClipboard({ kind: 'image', png: PNG });
    await waitFor(async () => seen.notified.some((n) => n.title === 'Waiting for the network'), 30_000);
    first.dispose();
    expect(seen.copied).toEqual([]);
    await up(port);
    const second = start();
    try {
      await waitFor(async () => seen.copied.length === 1, 40_000);
      const served = Buffer.from(await (await fetch(seen.copied[0]!)).arrayBuffer());
      expect(sha256(served)).toBe(sha256(PNG));
      expect(seen.notified.at(-1)).toMatchObject({ title: 'Link copied' });
      // Done: nothing is left waiting, and the picture's folder is gone.
      await waitFor(async () => (await readdir(join(dir, 'outgoing', 'waiting')).catch(() => [])).length === 0 && !(await readdir(join(dir, 'outgoing'))).some((n) => n.startsWith('clip-')), 5000);
    } finally {
      second.dispose();
      await down();
    }
  });

  it('files uploaded whose page cannot be written: said as uploaded, with how to make the link without uploading them again', async () => {
    const g = gateway();
    const proxy = await startStubProxy(g.endpoint, (r) =>
      r.method === 'PUT' && decodeURIComponent(r.url.pathname).includes('/.ferry/') ? { respond: { status: 403, body: s3Error('AccessDenied', 'Access Denied') } } : undefined,
    );
    const dir = await tempDir();
    const said: Array<{ title: string; body: string }> = [];
    const pageless = coreOn(dir, { notified: said });
    try {
      const name = uniqueName('nopage');
      const added = await pageless.handle('accounts:add', { name, provider: 'ceph', endpoint: proxy.endpoint, accessKeyId: g.accessKeyId, secretAccessKey: g.secretAccessKey });
      expect(added.ok).toBe(true);
      await pageless.handle('buckets:list', { account: name });
      await pageless.handle('prefs:set', { destination: { account: name, bucket, prefix: 'nopage/' } });
      const files = [await randomFile(dir, 'one.txt', 10), await randomFile(dir, 'two.txt', 10)];
      const outcome = await pageless.outside.receive(files.map((f) => f.path));
      expect(outcome).toMatchObject({ ok: false });
      expect(said.at(-1)).toEqual({ title: 'Uploaded, but no link', body: expect.stringMatching(/^one\.txt, two\.txt are in .+\/nopage\/, but the page linking them could not be written: .*Select them in Ferry’s window and choose Share to make the link; nothing is uploaded again\.$/) });
    } finally {
      pageless.dispose();
      await proxy.close();
    }
  });

  it('quitting while a share uploads copies no link to the part that finished, and says nothing', async () => {
    const g = gateway();
    let held = false;
    const proxy = await startStubProxy(g.endpoint, (r) => (r.method === 'PUT' && r.url.pathname.endsWith('/two.txt') ? ((held = true), { hold: new Promise(() => {}) }) : undefined));
    const dir = await tempDir();
    const seen: { copied: string[]; notified: Array<{ title: string; body: string }> } = { copied: [], notified: [] };
    const quitting = coreOn(dir, seen);
    try {
      const name = uniqueName('quit');
      expect((await quitting.handle('accounts:add', { name, provider: 'ceph', endpoint: proxy.endpoint, accessKeyId: g.accessKeyId, secretAccessKey: g.secretAccessKey })).ok).toBe(true);
      await quitting.handle('buckets:list', { account: name });
      await quitting.handle('prefs:set', { destination: { account: name, bucket, prefix: 'quit/' } });
      const files = [await randomFile(dir, 'one.txt', 10), await randomFile(dir, 'two.txt', 10)];
      const outcome = quitting.outside.receive(files.map((f) => f.path));
      await waitFor(async () => held, 30_000);
      quitting.dispose();
      expect(await outcome).toMatchObject({ ok: false });
      expect(seen.copied).toEqual([]);
      expect(seen.notified).toEqual([]);
    } finally {
      await proxy.close();
    }
  });
});
