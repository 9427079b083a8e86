/**
 * Private links (issue 22), as a recipient with only a browser meets them: in Chromium, against
 * the gateway. The page decrypts to the exact bytes and name; every change to the ciphertext is
 * refused and nothing is saved; a passphrase is asked for; End link now ends one link and not
 * another of the same file. The File System Access picker is the browser's; here it is replaced
 * by one that hands what the page writes to the test (the page's own code is what runs).
 */
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Connection, Ferry } from '../../main/core/ferry';
import { CHUNK, TAG } from '../../main/core/private/format';
import { renderPrivatePage } from '../../main/core/private/pages';
import { KAT } from '../support/private-kat';
import { cliEnv, coreWithAccount, ferry, gateway, tempDir, uniqueName } from '../support/helpers';

const KiB = 1024;

/** What the page saved through the picker: the name it suggested, the bytes, and whether it kept (closed) or discarded (aborted) them. */
interface Saved {
  name: string;
  bytes: Buffer;
  end?: 'closed' | 'aborted';
}

const PICKER = () => {
  const b64 = (c: Uint8Array) => {
    let s = '';
    for (let i = 0; i < c.length; i += 0x8000) s += String.fromCharCode(...c.subarray(i, i + 0x8000));
    return btoa(s);
  };
  const w = window as unknown as Record<string, (...a: unknown[]) => Promise<void>>;
  (window as unknown as { showSaveFilePicker: unknown }).showSaveFilePicker = async (opts: { suggestedName: string }) => {
    await w.__saveStart!(opts.suggestedName);
    return {
      createWritable: async () => ({
        write: async (chunk: Uint8Array) => w.__saveWrite!(b64(chunk)),
        close: async () => w.__saveEnd!('closed'),
        abort: async () => w.__saveEnd!('aborted'),
      }),
    };
  };
};

describe('private links, in a browser', () => {
  let core: Ferry;
  let conn: Connection;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let account: string;
  let dataDir: string;
  let saved: Saved | undefined;
  const bucket = uniqueName('private');
  const errors: string[] = [];

  beforeAll(async () => {
    if (!existsSync('/usr/bin/chromium')) throw new Error('The browser tests need Chromium: apt-get install -y chromium');
    ({ ferry: core, account, dataDir } = await coreWithAccount());
    conn = await core.connect({ account });
    await conn.storage.createBucket(bucket);
    browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-sync'] });
    context = await browser.newContext({ viewport: { width: 390, height: 844 } });
    await context.exposeFunction('__saveStart', (name: string) => void (saved = { name, bytes: Buffer.alloc(0) }));
    await context.exposeFunction('__saveWrite', (b: string) => void (saved!.bytes = Buffer.concat([saved!.bytes, Buffer.from(b, 'base64')])));
    await context.exposeFunction('__saveEnd', (how: 'closed' | 'aborted') => void (saved!.end = how));
    await context.addInitScript(PICKER);
    page = await context.newPage();
    page.on('pageerror', (e) => errors.push(e.message));
    return async () => {
      await browser.close();
      conn.close();
      expect(errors).toEqual([]);
    };
  });

  const share = async (file: string, o: { passphrase?: string; prefix?: string } = {}) =>
    core.privateLinks.share(conn, { files: [file], bucket, prefix: o.prefix ?? 'private/', expiresIn: 3600, ...(o.passphrase ? { passphrase: o.passphrase } : {}) }, async (sealed, key) => {
      await conn.upload({ file: sealed, bucket, key });
    });
  const objectOf = async (id: string) => (await core.links.privateLink(id))!.private!.objects[0]!;
  const bytesOf = async (key: string) => Buffer.from(await (await fetch((await conn.presign({ bucket, key, expiresIn: 60 })).url)).arrayBuffer());

  /** Opens a link and saves its first file; the row's last words, and what was saved. */
  async function openAndSave(url: string, passphrase?: string): Promise<{ said: string; saved: Saved | undefined }> {
    saved = undefined;
    await page.goto(url);
    if (passphrase !== undefined) {
      await page.fill('#pass', passphrase);
      await page.click('#open');
    }
    await page.locator('#list li button').first().click();
    await page.waitForFunction(() => /saved|not saved|changed|cut short|no longer|failed/.test(document.querySelector('#list li span.muted, #list li span.ok, #list li span.bad:not(.name)')?.textContent ?? ''), undefined, { timeout: 20_000 });
    const said = (await page.locator('#list li > span').nth(1).textContent()) ?? '';
    return { said, saved };
  }

  it('round-trips to the exact bytes and name; the key leaves the address bar; the bucket holds no run of the file', async () => {
    const dir = await tempDir();
    const name = 'Résumé <img src=x onerror=alert(1)>.pdf';
    const content = Buffer.from(Array.from({ length: 200 * KiB + 17 }, (_, i) => (i * 31) % 256));
    await writeFile(join(dir, name), content);
    const made = await share(join(dir, name));
    expect(made.url).toMatch(/\.ferry\/private\/[0-9a-f]{16}\.html\?.*#[A-Za-z0-9_-]+$/);
    const { said, saved: got } = await openAndSave(made.url);
    expect(said).toMatch(/^saved/);
    expect(got).toMatchObject({ name: 'Résumé _img src=x onerror=alert(1)_.pdf', end: 'closed' });
    expect(got!.bytes.equals(content)).toBe(true);
    // The name is shown as text, never run.
    expect(await page.locator('#list li .name').textContent()).toBe(name);
    expect(page.url()).not.toContain('#');
    expect(await page.evaluate(() => [document.cookie, localStorage.length, sessionStorage.length])).toEqual(['', 0, 0]);
    // What the provider has: ciphertext, a random name, nothing of the file's bytes or name.
    const key = await objectOf(made.id);
    expect(key).toMatch(/^private\/[0-9a-f]{24}\.enc$/);
    const stored = await bytesOf(key);
    for (let at = 0; at + 16 <= content.length; at += 509) expect(stored.includes(content.subarray(at, at + 16))).toBe(false);
    expect(stored.includes(Buffer.from('Résumé'))).toBe(false);
    const html = await (await fetch(made.url.split('#')[0]!)).text();
    expect(html).not.toContain('Résumé');
  });

  it('one flipped byte, two swapped chunks, a dropped last chunk and a truncated object are each refused with a clear message, and nothing is saved', async () => {
    const dir = await tempDir();
    const content = Buffer.alloc(3 * CHUNK + 1000, 7);
    await writeFile(join(dir, 'tamper.bin'), content);
    const made = await share(join(dir, 'tamper.bin'));
    const key = await objectOf(made.id);
    const good = await bytesOf(key);
    const h = 25;
    const full = CHUNK + TAG;
    const chunk = (i: number) => good.subarray(h + i * full, h + (i + 1) * full);
    const cases: Array<[string, Buffer, RegExp]> = [
      ['a flipped byte', Buffer.from(good).fill(good[h + full + 5]! ^ 0x40, h + full + 5, h + full + 6), /changed or damaged/],
      ['two swapped chunks', Buffer.concat([good.subarray(0, h), chunk(0), chunk(2), chunk(1), good.subarray(h + 3 * full)]), /changed or damaged/],
      ['a dropped last chunk', good.subarray(0, h + 3 * full), /cut short/],
      ['a truncated object', good.subarray(0, good.length - 500), /cut short/],
    ];
    for (const [what, bytes, message] of cases) {
      await conn.storage.put(bucket, key, bytes);
      const { said, saved: got } = await openAndSave(made.url);
      expect(said, what).toMatch(message);
      expect(said, what).toMatch(/not saved/);
      expect(got?.end, what).toBe('aborted');
    }
    // Put back, it opens again.
    await conn.storage.put(bucket, key, good);
    expect((await openAndSave(made.url)).saved!.bytes.equals(content)).toBe(true);
  });

  it('with a passphrase: the right one opens, a wrong one is refused and nothing is shown', async () => {
    const dir = await tempDir();
    const content = Buffer.from('the passphrase guards this\n'.repeat(100));
    await writeFile(join(dir, 'guarded.txt'), content);
    const made = await share(join(dir, 'guarded.txt'), { passphrase: 'plum orchard 42' });
    // The key is not in the link: only its wrapped form.
    const fragment = JSON.parse(Buffer.from(made.url.split('#')[1]!, 'base64url').toString('utf8')) as { k?: string; w?: { i: number } };
    expect(fragment.k).toBeUndefined();
    expect(fragment.w!.i).toBeGreaterThanOrEqual(600_000);
    await page.goto(made.url);
    await page.fill('#pass', 'plum orchard 43');
    await page.click('#open');
    await expect.poll(() => page.locator('#status').textContent(), { timeout: 20_000 }).toMatch(/passphrase is not right/);
    expect(await page.locator('#list li').count()).toBe(0);
    await page.fill('#pass', 'plum orchard 42');
    await page.click('#open');
    await page.locator('#list li button').first().click();
    await expect.poll(() => saved?.end, { timeout: 20_000 }).toBe('closed');
    expect(saved!.bytes.equals(content)).toBe(true);
  });

  it('End link now makes the page and the ciphertext 403/404 at once, while another private link of the same file still works', async () => {
    const dir = await tempDir();
    const content = Buffer.alloc(50 * KiB, 3);
    await writeFile(join(dir, 'twice.bin'), content);
    const first = await share(join(dir, 'twice.bin'));
    const second = await share(join(dir, 'twice.bin'));
    const record = (await core.links.privateLink(first.id))!;
    const firstObject = record.private!.objects[0]!;
    const fragmentLinks = (url: string) => (JSON.parse(Buffer.from(url.split('#')[1]!, 'base64url').toString('utf8')) as { f: string[] }).f;
    await core.privateLinks.end(conn, record);
    expect([403, 404]).toContain((await fetch(first.url.split('#')[0]!)).status);
    expect([403, 404]).toContain((await fetch(fragmentLinks(first.url)[0]!)).status);
    expect(await conn.storage.exists(bucket, firstObject)).toBe(false);
    // The page, opened again, says so.
    await page.goto(first.url);
    expect(await page.locator('body').textContent()).not.toMatch(/twice\.bin/);
    // The other link is untouched.
    const { saved: got } = await openAndSave(second.url);
    expect(got!.bytes.equals(content)).toBe(true);
    // It is ended in the history, and cannot be copied again.
    expect((await core.links.privateLink(first.id))!.ended).toBeDefined();
    await expect(core.privateLinks.copyAgain(conn, (await core.links.privateLink(first.id))!)).rejects.toMatchObject({ code: 'EXPIRY_OUT_OF_RANGE' });
    // Copy again gives the very same link for the other.
    expect(await core.privateLinks.copyAgain(conn, (await core.links.privateLink(second.id))!)).toBe(second.url);
  });

  it('the page opens the known-answer object (a page written today opens what the format pins)', async () => {
    const objectKey = 'kat/known-answer.enc';
    const dir = await tempDir();
    await writeFile(join(dir, KAT.name), KAT.content);
    const { sealFile } = await import('../../main/core/private/seal');
    const { makeHeader, shareKey, KIND_SHARE } = await import('../../main/core/private/format');
    await sealFile(join(dir, KAT.name), join(dir, 'kat.enc'), makeHeader(KIND_SHARE, KAT.salt), shareKey(KAT.key, KAT.salt), { name: KAT.name, type: 'application/octet-stream' });
    await conn.storage.put(bucket, objectKey, await readFile(join(dir, 'kat.enc')));
    const pageKey = '.ferry/private/0123456789abcdef.html';
    const pageLink = await conn.presign({ bucket, key: pageKey, expiresIn: 600, page: true });
    const objectLink = await conn.presign({ bucket, key: objectKey, expiresIn: 600 });
    await conn.storage.put(bucket, pageKey, Buffer.from(renderPrivatePage({ title: 'KAT', expiresAt: pageLink.expiresAt, objects: [new URL(objectLink.url).pathname], passphrase: false }, new URL(pageLink.url).origin)), { ContentType: 'text/html; charset=utf-8' });
    const url = `${pageLink.url}#${Buffer.from(JSON.stringify({ v: 1, k: KAT.key.toString('base64url'), f: [objectLink.url], s: [KAT.salt.toString('base64url')] })).toString('base64url')}`;
    const { saved: got } = await openAndSave(url);
    expect(got!.name).toBe(KAT.name);
    expect(got!.bytes.equals(KAT.content)).toBe(true);
  });

  it('a browser without the File System Access picker decrypts in memory and downloads the exact file', async () => {
    const dir = await tempDir();
    const content = Buffer.from(Array.from({ length: 150 * KiB }, (_, i) => i % 199));
    await writeFile(join(dir, 'photo.jpg'), content);
    const made = await share(join(dir, 'photo.jpg'));
    const plain = await browser.newContext({ acceptDownloads: true });
    // As in Firefox and Safari, and on phones: no File System Access.
    await plain.addInitScript(() => delete (window as unknown as { showSaveFilePicker?: unknown }).showSaveFilePicker);
    const p = await plain.newPage();
    p.on('pageerror', (e) => errors.push(e.message));
    await p.goto(made.url);
    const [download] = await Promise.all([p.waitForEvent('download'), p.locator('#list li button').first().click()]);
    expect(download.suggestedFilename()).toBe('photo.jpg');
    expect((await readFile((await download.path())!)).equals(content)).toBe(true);
    await plain.close();
  });

  it('ferry share --private prints the link; ferry links shows it with its ID; copy gives it again; end ends it', async () => {
    const g = gateway();
    const env = cliEnv(await tempDir(), { AWS_ACCESS_KEY_ID: g.accessKeyId, AWS_SECRET_ACCESS_KEY: g.secretAccessKey, AWS_ENDPOINT_URL: g.endpoint });
    const dir = await tempDir();
    await writeFile(join(dir, 'a.txt'), 'first file\n');
    await writeFile(join(dir, 'b.txt'), 'second file\n');
    const made = await ferry(['share', '--private', join(dir, 'a.txt'), join(dir, 'b.txt'), `s3://${bucket}/cli/`, '--expires-in', '1h'], { env });
    expect(made.code, made.stderr).toBe(0);
    const url = made.stdout.trim();
    const id = /Private link ([0-9a-f]{16})/.exec(made.stderr)![1]!;
    const links = await ferry(['links'], { env });
    expect(links.stdout).toContain(`private link ${id}: 2 encrypted files in ${bucket}`);
    expect((await ferry(['links', 'copy', id], { env })).stdout.trim()).toBe(url);
    await page.goto(url);
    await expect.poll(() => page.locator('#list li .name').allTextContents(), { timeout: 20_000 }).toEqual(['a.txt', 'b.txt']);
    const end = await ferry(['links', 'end', id], { env });
    expect(end.code, end.stderr).toBe(0);
    expect(end.stderr).toContain('ended');
    expect([403, 404]).toContain((await fetch(url.split('#')[0]!)).status);
    expect((await ferry(['links'], { env })).stdout).toMatch(new RegExp(`ended \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d  private link ${id}`));
  });

  it('a private request: the sender\'s browser encrypts each file; the bucket holds only ciphertext; ferry requests names it and requests get gives the exact bytes; a changed or plain file is refused', async () => {
    const publicKey = await core.privateLinks.requestPublicKey(account);
    // The same key for every private request of the account (its private half in the keychain).
    expect(await core.privateLinks.requestPublicKey(account)).toEqual(publicKey);
    const { url, request } = await conn.requestFiles({ bucket, title: 'Tax papers', expiresIn: 3600, maxBytes: 512 * KiB, publicKey });
    expect(request.private).toBe(true);
    const dir = await tempDir();
    const secret = Buffer.from(Array.from({ length: 300 * KiB + 5 }, (_, i) => (i * 7) % 253));
    await writeFile(join(dir, 'salary 2026.pdf'), secret);
    await writeFile(join(dir, 'small.txt'), 'a small one\n');
    await page.goto(url);
    await page.setInputFiles('#files', [join(dir, 'salary 2026.pdf'), join(dir, 'small.txt')]);
    await expect.poll(() => page.locator('#list li .ok').count(), { timeout: 30_000 }).toBe(2);
    const keys: Array<{ key: string; size: number }> = [];
    for await (const p of conn.storage.listObjects(bucket, request.prefix, { recursive: true })) keys.push(...p.objects.map((o) => ({ key: o.key, size: o.size })));
    expect(keys).toHaveLength(2);
    for (const k of keys) {
      expect(k.key).toMatch(new RegExp(`^${request.prefix}[0-9a-f]{24}\\.enc$`));
      const stored = await bytesOf(k.key);
      expect(stored.includes(Buffer.from('salary'))).toBe(false);
      for (let at = 0; at + 16 <= secret.length; at += 4093) expect(stored.includes(secret.subarray(at, at + 16))).toBe(false);
    }
    // Ferry reads the names its senders gave.
    const listed = (await core.listRequests()).find((r) => r.prefix === request.prefix)!;
    expect(listed.received.map((f) => f.name).sort()).toEqual(['salary 2026.pdf', 'small.txt']);
    const env = cliEnv(dataDir);
    const ls = await ferry(['requests', '--account', account], { env });
    expect(ls.stdout).toContain('Tax papers (private)');
    expect(ls.stdout).toContain('salary 2026.pdf');
    const into = await tempDir();
    const got = await ferry(['requests', 'get', `s3://${bucket}/${request.prefix}`, into, '--account', account], { env });
    expect(got.code, got.stderr).toBe(0);
    expect((await readFile(join(into, 'salary 2026.pdf'))).equals(secret)).toBe(true);
    expect(await readFile(join(into, 'small.txt'), 'utf8')).toBe('a small one\n');
    // Into a folder on another disk than Ferry's data (here tmpfs): copied, never hard-linked across.
    const { mkdtemp, rm } = await import('node:fs/promises');
    const other = await mkdtemp('/dev/shm/ferry-private-');
    try {
      const there = await ferry(['requests', 'get', `s3://${bucket}/${request.prefix}`, other, '--account', account], { env });
      expect(there.code, there.stderr).toBe(0);
      expect((await readFile(join(other, 'salary 2026.pdf'))).equals(secret)).toBe(true);
    } finally {
      await rm(other, { recursive: true, force: true });
    }

    // A byte changed on the server, and a plain file a hostile sender posted with the policy: each refused, nothing written.
    const big = keys.find((k) => k.size > 300 * KiB)!.key;
    const stored = await bytesOf(big);
    await conn.storage.put(bucket, big, Buffer.from(stored).fill(stored[100_000]! ^ 1, 100_000, 100_001));
    await conn.storage.put(bucket, `${request.prefix}plain.bin`, Buffer.from('not encrypted at all'));
    const into2 = await tempDir();
    const bad = await ferry(['requests', 'get', `s3://${bucket}/${request.prefix}`, into2, '--account', account], { env });
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toMatch(/changed or damaged/);
    expect(bad.stderr).toMatch(/plain\.bin was not downloaded: This is not a file Ferry encrypted/);
    const { readdir } = await import('node:fs/promises');
    expect((await readdir(into2)).sort()).toEqual(['small.txt']);
  });

  it("one of a link's own objects copied over another is refused (they share the key; each object's salt is in the link)", async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'secret.txt'), 'the one they wanted\n');
    await writeFile(join(dir, 'decoy.txt'), 'the one put in its place\n');
    const made = await core.privateLinks.share(conn, { files: [join(dir, 'secret.txt'), join(dir, 'decoy.txt')], bucket, prefix: 'pair/', expiresIn: 3600 }, async (sealed, key) => {
      await conn.upload({ file: sealed, bucket, key });
    });
    const [first, second] = (await core.links.privateLink(made.id))!.private!.objects as [string, string];
    await conn.storage.put(bucket, first, await bytesOf(second));
    await page.goto(made.url);
    await expect.poll(() => page.locator('#status').textContent(), { timeout: 20_000 }).toMatch(/1 of 2 files cannot be opened/);
    // The substituted one is refused; the other still opens, alone.
    await expect(page.locator('#list li').first().textContent()).resolves.toMatch(/^File 1 of 2.*changed or damaged/);
    await expect(page.locator('#list li .name').allTextContents()).resolves.toEqual(['File 1 of 2', 'decoy.txt']);
    await expect(page.locator('#list li button').count()).resolves.toBe(1);
  });

  it('requests get of an ordinary request: a key a sender chose with ../ lands inside DIR, nowhere else', async () => {
    const { request } = await conn.requestFiles({ bucket, title: 'Plain', expiresIn: 3600, maxBytes: 64 * KiB });
    await conn.storage.put(bucket, `${request.prefix}../../../escape.txt`, Buffer.from('caught'));
    await conn.storage.put(bucket, `${request.prefix}a/b.txt`, Buffer.from('kept in its folder'));
    const root = await tempDir();
    const into = join(root, 'deep', 'into');
    const got = await ferry(['requests', 'get', `s3://${bucket}/${request.prefix}`, into, '--account', account], { env: cliEnv(dataDir) });
    expect(got.code, got.stderr).toBe(0);
    const { readdir } = await import('node:fs/promises');
    // Each ".." became a plain folder named "file" inside DIR.
    expect((await readdir(into, { recursive: true })).sort()).toEqual(['a', 'a/b.txt', 'file', 'file/file', 'file/file/file', 'file/file/file/escape.txt']);
    expect((await readdir(root)).sort()).toEqual(['deep']);
    expect((await readdir(join(root, 'deep'))).sort()).toEqual(['into']);
  });
});
