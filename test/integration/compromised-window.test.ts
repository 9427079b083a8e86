import { createServer, type Server } from 'node:http';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createAppCore, type AppCore } from '../../main/app/handlers';
import { Ferry } from '../../main/core/ferry';
import { KeychainSecretStore } from '../../main/core/secrets/secrets';
import { methods } from '../../preload/api';
import type { LinkView, ObjectPageView } from '../../preload/contract';
import { gateway, tempDir, uniqueName, waitFor } from '../support/helpers';
import { startHostileS3, type HostileServer } from '../support/hostile-s3';
import { startStubProxy, type StubProxy } from '../support/stub-proxy';

const named = new Set<string>(Object.values(methods));

/**
 * Script running in a compromised window, with only the powers page script has: the preload's
 * named methods, any payload it likes. Main must send servers only names they listed, sign only
 * links of its own history, and open only links it made for accounts that passed a test.
 */
describe('a compromised window reaches no further than the window', () => {
  let ferry: Ferry;
  let app: AppCore;
  let proxy: StubProxy;
  let internal: Server;
  let internalHits: string[];
  let internalUrl: string;
  let hostile: HostileServer;
  const opened: string[] = [];
  const asked: string[] = [];
  /** What the user answers in main's dialog: yes for accounts they set up themselves. */
  let userConfirms = true;
  const account = uniqueName('victim');
  const bucket = uniqueName('victim');

  /** What page script can do: call a named method with any payload. */
  const page = async <T,>(channel: string, payload?: unknown): Promise<T> => {
    if (!named.has(channel)) throw new Error(`page script has no method for ${channel}`);
    const r = await app.handle(channel, payload);
    if (!r.ok) throw Object.assign(new Error(r.error.message), { code: r.error.code });
    return r.value as T;
  };
  const refused = (p: Promise<unknown>) => expect(p).rejects.toMatchObject({ code: 'FORBIDDEN' });
  const seenByServer = () => proxy.seen.map((r) => decodeURIComponent(r.url.pathname + r.url.search)).join('\n');

  beforeAll(async () => {
    Object.assign(process.env, inject('keyring'));
    const dataDir = await tempDir();
    ferry = new Ferry({ dataDir, secrets: new KeychainSecretStore(), env: {} });
    app = createAppCore({
      ferry,
      dataDir,
      requestPollMs: 0,
      platform: {
        copyText: () => {},
        notify: () => {},
        openExternal: (u) => void opened.push(u),
        pickFiles: async () => [await tempDir()],
        // Main's own dialog: the user answers it, page script cannot.
        confirm: async (q) => (asked.push(q.message), userConfirms),
      },
      emit: () => {},
      appInfo: { name: 'Ferry', version: 'test', platform: 'linux' },
    });
    proxy = await startStubProxy(gateway().endpoint, () => undefined);
    internalHits = [];
    internal = createServer((req, res) => {
      internalHits.push(req.url ?? '');
      res.writeHead(200, { 'content-type': 'text/html' }).end('<h1>Router admin</h1><p>password: hunter2</p>');
    });
    await new Promise<void>((r) => internal.listen(0, '127.0.0.1', r));
    internalUrl = `http://127.0.0.1:${(internal.address() as { port: number }).port}`;
    hostile = await startHostileS3();
    const g = gateway();
    const added = await page<{ saved: boolean }>('accounts:add', { name: account, provider: 'ceph', endpoint: proxy.endpoint, accessKeyId: g.accessKeyId, secretAccessKey: g.secretAccessKey });
    expect(added.saved).toBe(true);
    await page('buckets:create', { account, bucket });
    const conn = await ferry.connect({ account });
    await conn.storage.put(bucket, 'private/diary.txt', Buffer.from('the secret plans'));
    conn.close();
  });
  afterAll(async () => {
    app?.dispose();
    await proxy?.close();
    internal?.close();
    await hostile?.close();
  });

  it('the page cannot choose where keys go: adding or moving an account needs the user\'s yes in main\'s own dialog', async () => {
    const attacker: string[] = [];
    const evil = createServer((req, res) => {
      attacker.push(`${req.method} ${req.url} ${req.headers.authorization ?? ''}`);
      res.writeHead(200, { 'content-type': 'application/xml' }).end('<?xml version="1.0"?><ListAllMyBucketsResult><Buckets></Buckets></ListAllMyBucketsResult>');
    });
    await new Promise<void>((r) => evil.listen(0, '127.0.0.1', r));
    const evilUrl = `http://127.0.0.1:${(evil.address() as { port: number }).port}/phish/SECRET-IN-PATH`;
    userConfirms = false;
    asked.length = 0;
    await expect(page('accounts:add', { name: 'exfil', provider: 'other', endpoint: evilUrl, accessKeyId: 'AKIA-SECRET', secretAccessKey: 'x' })).rejects.toMatchObject({ code: 'CANCELLED' });
    await expect(page('accounts:update', { name: account, endpoint: evilUrl, accessKeyId: 'AKIA-SECRET', secretAccessKey: 'x' })).rejects.toMatchObject({ code: 'CANCELLED' });
    userConfirms = true;
    // The user was asked, in words naming the address, and said no: nothing was saved or sent.
    expect(asked).toEqual([expect.stringContaining(evilUrl), expect.stringContaining(evilUrl)]);
    expect(attacker).toEqual([]);
    expect((await page<Array<{ name: string; endpoint?: string }>>('accounts:list')).map((a) => [a.name, a.endpoint])).toEqual([[account, proxy.endpoint]]);
    evil.close();
  });

  it('an account saved anyway on an internal address is marked untested; quick look never reads its pages', async () => {
    const saved = await page<{ saved: boolean; account: { untested?: boolean } }>('accounts:add', { name: 'router', provider: 'other', endpoint: internalUrl, accessKeyId: 'x', secretAccessKey: 'y', saveAnyway: true });
    expect(saved).toMatchObject({ saved: true, account: { untested: true } });
    expect((await page<Array<{ name: string; untested?: boolean }>>('accounts:list')).find((a) => a.name === 'router')?.untested).toBe(true);
    internalHits.length = 0;
    await refused(page('objects:preview', { account: 'router', bucket: 'admin', key: 'index.html' }));
    await refused(page('objects:list', { account: 'router', bucket: 'admin', prefix: '' }));
    await refused(page('downloads:add', { account: 'router', bucket: 'admin', keys: ['index.html'] }));
    // Nothing went to the internal server for any of that.
    expect(internalHits).toEqual([]);
  });

  it('object text cannot leave in the names of requests: invented prefixes, keys and tokens are refused before anything is sent', async () => {
    await page('buckets:list', { account });
    await page<ObjectPageView>('objects:list', { account, bucket, prefix: '' });
    await page<ObjectPageView>('objects:list', { account, bucket, prefix: 'private/' });
    const diary = await page<{ kind: string; text: string }>('objects:preview', { account, bucket, key: 'private/diary.txt' });
    expect(diary.text).toBe('the secret plans');
    const carrier = `${Buffer.from(diary.text).toString('hex')}/`;
    proxy.seen.length = 0;
    await refused(page('objects:list', { account, bucket, prefix: carrier }));
    await refused(page('objects:list', { account, bucket, prefix: 'private/', token: carrier }));
    await refused(page('objects:search', { account, bucket, prefix: carrier, query: 'x' }));
    await refused(page('objects:preview', { account, bucket, key: carrier }));
    await refused(page('links:create', { account, bucket, key: carrier, expiresIn: 60 }));
    await refused(page('downloads:add', { account, bucket, keys: [carrier] }));
    await refused(page('objects:delete', { account, bucket, keys: [carrier] }));
    await refused(page('objects:move', { account, bucket, from: carrier, to: 'x' }));
    await refused(page('objects:createFolder', { account, bucket, prefix: carrier, name: 'x' }));
    await refused(page('links:createMany', { account, bucket, prefix: carrier, expiresIn: 60 }));
    await refused(page('multipart:abort', { account, bucket, key: carrier, uploadId: 'x' }));
    await refused(page('requests:end', { account, bucket, pageKey: carrier }));
    await refused(page('prefs:set', { lastLocation: { account, bucket, prefix: carrier } }));
    await refused(page('objects:list', { account, bucket: `${bucket}-${Buffer.from(diary.text).toString('hex').slice(0, 20)}`, prefix: '' }));
    expect(seenByServer()).not.toContain(Buffer.from(diary.text).toString('hex'));
    // What the window was shown still works.
    expect((await page<LinkView>('links:create', { account, bucket, key: 'private/diary.txt', expiresIn: 60 })).url).toContain('diary.txt');
  });

  it('links:again re-signs only links of the history, as recorded; links:open opens only links main made', async () => {
    const made = await page<LinkView>('links:create', { account, bucket, key: 'private/diary.txt', expiresIn: 3600 });
    const history = await page<Array<{ account: string; bucket: string; key: string; createdAt: string; expiresIn?: number }>>('links:history');
    const mine = history.find((r) => r.createdAt === made.createdAt && r.key === 'private/diary.txt')!;
    // A lifetime or signing time the page invents is ignored: the record's are used.
    expect((await page<{ url: string }>('links:again', { ...mine, expiresIn: 604_800 })).url).toBe(made.url);
    const before = history.length;
    await refused(page('links:again', { account, bucket, key: 'private/diary.txt', createdAt: '2036-01-01T00:00:00.000Z' }));
    await refused(page('links:again', { account, bucket: 'somebody-else', key: 'x', createdAt: mine.createdAt }));
    expect(await page<unknown[]>('links:history')).toHaveLength(before);

    await expect(page('links:open', { url: 'https://phishing.example/login' })).rejects.toThrow(/Only share links Ferry made/);
    await expect(page('links:open', { url: `${proxy.endpoint}/${bucket}/private/diary.txt` })).rejects.toThrow(/Only share links Ferry made/);
    await page('links:open', { url: made.url });
    expect(opened).toEqual([made.url]);
  });

  it("a link for an untested account's endpoint is never opened in the browser", async () => {
    const g = gateway();
    // Saved anyway with a wrong secret: untested, though the endpoint is real.
    await page('accounts:add', { name: 'wrongkeys', provider: 'ceph', endpoint: g.endpoint, accessKeyId: g.accessKeyId, secretAccessKey: 'wrong', saveAnyway: true });
    // A link of its history makes the name known; main signs a link for it (no request needed)…
    const conn = await ferry.connect({ account: 'wrongkeys' });
    await conn.share({ bucket, key: 'private/diary.txt', expiresIn: 60 });
    conn.close();
    await page('links:history');
    const link = await page<LinkView>('links:create', { account: 'wrongkeys', bucket, key: 'private/diary.txt', expiresIn: 60 });
    // …but never opens it in the browser.
    await expect(page('links:open', { url: link.url })).rejects.toMatchObject({ code: 'FORBIDDEN', message: expect.stringMatching(/until its connection test passes/) });
    expect(opened).not.toContain(link.url);
    // Once its keys are right and the test passes, it is an account like any other.
    const fixed = await page<{ saved: boolean; account: { untested?: boolean } }>('accounts:update', { name: 'wrongkeys', accessKeyId: g.accessKeyId, secretAccessKey: g.secretAccessKey });
    expect(fixed.saved).toBe(true);
    expect(fixed.account.untested).toBeUndefined();
  });

  it('while a changed endpoint is being tested, nothing the old server listed can be looked at there', async () => {
    // The account's names were listed by its real server; the page moves it to an internal web server.
    internalHits.length = 0;
    const moving = page('accounts:update', { name: account, endpoint: internalUrl, accessKeyId: 'a', secretAccessKey: 'b' });
    const previews = await Promise.allSettled(Array.from({ length: 30 }, () => page('objects:preview', { account, bucket, key: 'private/diary.txt' })));
    expect(await moving).toMatchObject({ saved: false });
    for (const p of previews) if (p.status === 'fulfilled') expect(JSON.stringify(p.value)).not.toContain('Router admin');
    expect(internalHits.filter((u) => u.includes('diary'))).toEqual([]);
    // Put back as it was, tested, with its names to be listed again.
    expect((await page<Array<{ name: string; endpoint?: string; untested?: boolean }>>('accounts:list')).find((a) => a.name === account)).toMatchObject({ endpoint: proxy.endpoint });
    expect((await page<Array<{ name: string; untested?: boolean }>>('accounts:list')).find((a) => a.name === account)?.untested).toBeUndefined();
  });

  it('a file request from the window gets its folder from its title: the page names none', async () => {
    await page('buckets:list', { account });
    const made = await page<{ request: { prefix: string } }>('requests:create', { account, bucket, title: 'Scans', expiresIn: 600, maxBytes: 1000, prefix: 'exfil-SECRET/never-listed/' });
    expect(made.request.prefix).toMatch(/^incoming\/scans-[0-9a-f]{8}\/$/);
    expect(seenByServer()).not.toContain('exfil-SECRET');
  });

  it('a window listing that is handed the same token again stops instead of loading forever', async () => {
    await page('accounts:add', { name: 'looping', provider: 'other', endpoint: hostile.endpoint, accessKeyId: 'h', secretAccessKey: 'h' });
    hostile.objects.set('hostile/a.txt', { body: Buffer.from('a') });
    hostile.listing = { tokens: ['again'] };
    await page('buckets:list', { account: 'looping' });
    const first = await page<ObjectPageView>('objects:list', { account: 'looping', bucket: 'hostile', prefix: '' });
    expect(first.nextToken).toBe('again');
    await expect(page('objects:list', { account: 'looping', bucket: 'hostile', prefix: '', token: 'again' })).rejects.toThrow(/sent a page of this listing it had sent before/);
    hostile.listing = undefined;
  });

  it('uploads go only into folders the window was shown, or a new one inside one', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'note.txt'), 'n');
    // The preload grants dropped paths; page script cannot, but a real drop would.
    await app.handle('files:grant', { paths: [join(dir, 'note.txt')] });
    await refused(page('uploads:add', { account, bucket, prefix: 'not-shown/deeper/', paths: [join(dir, 'note.txt')] }));
    const [job] = await page<Array<{ id: string }>>('uploads:add', { account, bucket, prefix: 'private/', paths: [join(dir, 'note.txt')] });
    await waitFor(async () => (await page<Array<{ id: string; status: string }>>('transfers:list')).some((t) => t.id === job!.id && t.status === 'done'));
  });

  it('private links: made only of objects the window was shown, ended only with the user\'s yes in main\'s dialog, copied again only from the history', async () => {
    await page('buckets:list', { account });
    await page<ObjectPageView>('objects:list', { account, bucket, prefix: 'private/' });
    const carrier = `${Buffer.from('the secret plans').toString('hex')}.txt`;
    proxy.seen.length = 0;
    await refused(page('links:createPrivate', { account, bucket, keys: [carrier], expiresIn: 600 }));
    await refused(page('links:createPrivate', { account, bucket, keys: ['private/diary.txt', `private/${carrier}`], expiresIn: 600 }));
    expect(seenByServer()).not.toContain(carrier);
    // The passphrase rule is checked before anything is downloaded or sent.
    await expect(page('links:createPrivate', { account, bucket, keys: ['private/diary.txt'], expiresIn: 600, passphrase: 'short' })).rejects.toMatchObject({ code: 'BAD_REQUEST', message: expect.stringMatching(/at least 8 characters/) });
    await expect(page('links:end', { id: '../../etc/passwd' })).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    await refused(page('links:end', { id: '0123456789abcdef' }));

    const made = await page<{ url: string; id: string; files: number; passphrase: boolean }>('links:createPrivate', { account, bucket, keys: ['private/diary.txt'], expiresIn: 600 });
    expect(made).toMatchObject({ id: expect.stringMatching(/^[0-9a-f]{16}$/), files: 1, passphrase: false });
    const pageUrl = made.url.split('#')[0]!;
    expect((await fetch(pageUrl)).status).toBe(200);
    // The history names it without its ciphertext's names or its server; the key is in no record.
    type Row = { account: string; bucket: string; key: string; createdAt: string; private?: Record<string, unknown>; ended?: string };
    const row = async () => (await page<Row[]>('links:history')).find((r) => r.private?.id === made.id)!;
    const listed = await row();
    expect(listed.private).toEqual({ id: made.id, files: 1, title: 'A private file', passphrase: false });
    expect(JSON.stringify(await page('links:history'))).not.toContain(made.url.split('#')[1]!.slice(0, 40));
    // Copy again gives the same link, from the record and the keychain; it is one this session may open.
    expect((await page<{ url: string }>('links:again', { account, bucket, key: listed.key, createdAt: listed.createdAt })).url).toBe(made.url);
    await page('links:open', { url: made.url });
    expect(opened).toContain(made.url);

    // The page cannot answer main's dialog: without the user's yes nothing is deleted.
    userConfirms = false;
    asked.length = 0;
    await expect(page('links:end', { id: made.id })).rejects.toMatchObject({ code: 'CANCELLED' });
    userConfirms = true;
    expect(asked).toEqual([expect.stringMatching(/^End the private link “A private file” now\?$/)]);
    expect((await fetch(pageUrl)).status).toBe(200);
    await page('links:end', { id: made.id });
    expect([403, 404]).toContain((await fetch(pageUrl)).status);
    expect((await row()).ended).toEqual(expect.any(String));
    expect((await page<Row[]>('links:history')).filter((r) => r.private?.id === made.id)).toHaveLength(1);
    await expect(page('links:again', { account, bucket, key: listed.key, createdAt: listed.createdAt })).rejects.toThrow(/was ended/);
    // The original is as it was.
    expect((await page<{ text: string }>('objects:preview', { account, bucket, key: 'private/diary.txt' })).text).toBe('the secret plans');
  });

  it('a private request\'s file is downloaded only from a request of the history, and only what arrived in its folder', async () => {
    const plain = await page<{ request: { pageKey: string; private?: boolean } }>('requests:create', { account, bucket, title: 'Plain', expiresIn: 600, maxBytes: 1000 });
    expect(plain.request.private).toBeUndefined();
    const made = await page<{ request: { pageKey: string; prefix: string; private?: boolean } }>('requests:create', { account, bucket, title: 'Sealed', expiresIn: 600, maxBytes: 1000, private: true });
    expect(made.request.private).toBe(true);
    await page('requests:list');
    await expect(page('requests:download', { account, bucket, pageKey: plain.request.pageKey, key: 'private/diary.txt' })).rejects.toMatchObject({ code: 'USAGE' });
    await refused(page('requests:download', { account, bucket, pageKey: made.request.pageKey, key: 'private/diary.txt' }));
    await refused(page('requests:download', { account, bucket, pageKey: `${made.request.pageKey}x`, key: `${made.request.prefix}a.enc` }));
    await refused(page('requests:download', { account, bucket, pageKey: made.request.pageKey, key: `${made.request.prefix}never-listed.enc` }));
  });
});
