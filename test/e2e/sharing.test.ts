import { PutObjectCommand } from '@aws-sdk/client-s3';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Connection, Ferry } from '../../main/core/ferry';
import { renderIndexPage, renderRequestPage } from '../../main/core/sharing/pages';
import { cliEnv, coreWithAccount, ferry, servers, sha256Stream, tempDir, uniqueName } from '../support/helpers';

const SHOTS = resolve(__dirname, '../../test-output/screenshots');
const KiB = 1024;

/** The policy a file request link carries in its fragment, and where its page posts, as the page reads them. */
async function formOf(url: string): Promise<{ url: string; fields: Record<string, string> }> {
  const hash = new URL(url).hash.slice(1).replace(/-/g, '+').replace(/_/g, '/');
  const { fields } = JSON.parse(Buffer.from(hash, 'base64').toString('utf8')) as { fields: Record<string, string> };
  const html = await (await fetch(url)).text();
  const data = JSON.parse(/<script type="application\/json" id="ferry-data">([^<]*)<\/script>/.exec(html)![1]!) as { postUrl: string };
  return { url: data.postUrl, fields };
}
async function postDirect(form: { url: string; fields: Record<string, string> }, key: string, body: Buffer, type = 'application/octet-stream'): Promise<{ status: number; text: string }> {
  const data = new FormData();
  for (const [k, v] of Object.entries(form.fields)) data.append(k, v);
  data.append('key', key);
  data.append('Content-Type', type);
  data.append('file', new Blob([new Uint8Array(body)]), 'file');
  const res = await fetch(form.url, { method: 'POST', body: data });
  return { status: res.status, text: await res.text() };
}

/** File requests and one-link shares, used as a recipient would: in Chromium, against the gateway. */
describe('sharing beyond one link, in a browser', () => {
  let core: Ferry;
  let conn: Connection;
  let browser: Browser;
  let page: Page;
  let dataDir: string;
  let account: string;
  const bucket = uniqueName('share');
  const errors: string[] = [];
  const content = async (key: string) => sha256Stream((await conn.storage.client.send(new (await import('@aws-sdk/client-s3')).GetObjectCommand({ Bucket: bucket, Key: key }))).Body as AsyncIterable<Uint8Array>);
  const list = async (prefix: string) => {
    const keys: Array<{ key: string; size: number }> = [];
    for await (const p of conn.storage.listObjects(bucket, prefix, { recursive: true })) keys.push(...p.objects.map((o) => ({ key: o.key, size: o.size })));
    return keys;
  };

  beforeAll(async () => {
    if (!existsSync('/usr/bin/chromium')) throw new Error('The browser tests need Chromium: apt-get install -y chromium');
    ({ ferry: core, dataDir, account } = await coreWithAccount());
    conn = await core.connect({ account });
    await conn.storage.createBucket(bucket);
    await mkdir(SHOTS, { recursive: true });
    browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-sync'] });
    page = await (await browser.newContext({ viewport: { width: 390, height: 844 } })).newPage();
    page.on('pageerror', (e) => errors.push(e.message));
    return async () => {
      await browser.close();
      conn.close();
      expect(errors).toEqual([]);
    };
  });

  it('a sender with only a browser uploads two files with the picker and one by drop; they land under the prefix, whole', async () => {
    const { url, request } = await conn.requestFiles({ bucket, title: 'Holiday photos', expiresIn: 3600, maxBytes: 256 * KiB, note: 'Send me the ones from the beach. Thanks!' });
    // A new folder of its own, with a suffix no sender of another request can guess.
    expect(request.prefix).toMatch(/^incoming\/holiday-photos-[0-9a-f]{8}\/$/);
    expect(request.pageKey.startsWith(request.prefix)).toBe(false);
    await page.goto(url);
    await expect(page.locator('h1').textContent()).resolves.toBe('Holiday photos');
    await expect(page.locator('#note').textContent()).resolves.toBe('Send me the ones from the beach. Thanks!');
    const dir = await tempDir();
    const a = Buffer.alloc(100 * KiB, 1);
    const b = Buffer.alloc(3 * KiB, 2);
    await writeFile(join(dir, 'photo.jpg'), a);
    await writeFile(join(dir, 'notes.txt'), b);
    await page.setInputFiles('#files', [join(dir, 'photo.jpg'), join(dir, 'notes.txt')]);
    // A second sender drops a file with the same name: it must not replace the first.
    await page.evaluate(() => {
      const dt = new DataTransfer();
      dt.items.add(new File([new Uint8Array(5000).fill(3)], 'photo.jpg', { type: 'image/jpeg' }));
      document.getElementById('drop')!.dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }));
    });
    await page.waitForFunction(() => document.querySelectorAll('#list .ok').length === 3, undefined, { timeout: 30_000 });
    await page.screenshot({ path: `${SHOTS}/request-page.png`, fullPage: true });
    const got = await list(request.prefix);
    expect(got.map((o) => o.key.split('/').pop()).sort()).toEqual(['notes.txt', 'photo.jpg', 'photo.jpg']);
    expect(got.map((o) => o.size).sort((x, y) => x - y)).toEqual([3 * KiB, 5000, 100 * KiB]);
    const big = got.find((o) => o.size === 100 * KiB)!;
    expect((await content(big.key)).size).toBe(100 * KiB);
    // The requester sees them.
    const [status] = (await core.listRequests()).filter((r) => r.pageKey === request.pageKey);
    expect(status).toMatchObject({ state: 'open' });
    expect(status!.received).toHaveLength(3);
  });

  it('too large and wrong type are refused by the page and by the server itself', async () => {
    const { url, request } = await conn.requestFiles({ bucket, title: 'Scans', expiresIn: 3600, maxBytes: 10 * KiB, accept: 'image/*' });
    await page.goto(url);
    const dir = await tempDir();
    await writeFile(join(dir, 'huge.png'), Buffer.alloc(20 * KiB));
    await writeFile(join(dir, 'doc.txt'), 'not an image');
    await page.setInputFiles('#files', [join(dir, 'huge.png'), join(dir, 'doc.txt')]);
    await page.waitForFunction(() => document.querySelectorAll('#list .bad').length === 2);
    const states = await page.locator('#list .bad').allTextContents();
    expect(states[0]).toMatch(/too large/);
    expect(states[1]).toMatch(/not accepted: only image files/);
    // The server enforces the same, whatever a page or a script sends.
    const form = await formOf(url);
    const tooBig = await postDirect(form, `${request.prefix}x/huge.png`, Buffer.alloc(20 * KiB), 'image/png');
    expect(tooBig.status).toBe(400);
    expect(tooBig.text).toContain('EntityTooLarge');
    expect((await postDirect(form, `${request.prefix}x/doc.txt`, Buffer.from('text'), 'text/plain')).status).toBe(403);
    expect((await postDirect(form, `${request.prefix}x/ok.png`, Buffer.alloc(100), 'image/png')).status).toBe(201);
    expect((await list(request.prefix)).map((o) => o.key)).toEqual([`${request.prefix}x/ok.png`]);
  });

  it('a key outside the prefix is refused; after expiry the page is 403 and so is the old policy', async () => {
    const { url, request } = await conn.requestFiles({ bucket, title: 'Short', expiresIn: 3, maxBytes: 10 * KiB });
    const form = await formOf(url);
    expect((await postDirect(form, 'elsewhere/evil.txt', Buffer.from('x'))).status).toBe(403);
    expect((await postDirect(form, request.pageKey, Buffer.from('<h1>defaced</h1>'), 'text/html')).status).toBe(403);
    expect((await fetch(url)).status).toBe(200);
    await new Promise((r) => setTimeout(r, 4500));
    expect((await fetch(url)).status).toBe(403);
    expect((await postDirect(form, `${request.prefix}late/x.txt`, Buffer.from('x'))).status).toBe(403);
    expect(await list('elsewhere/')).toEqual([]);
    expect((await core.listRequests()).find((r) => r.pageKey === request.pageKey)?.state).toBe('expired');
  });

  it('one link for many files: the page lists each, downloads have the exact bytes and names, and all expire together', async () => {
    const hostile = 'pics/<img src=x onerror=alert(1)>.png';
    const bodies: Record<string, Buffer> = { 'pics/a.jpg': Buffer.alloc(2000, 7), 'pics/b report.pdf': Buffer.alloc(3000, 8), [hostile]: Buffer.alloc(10, 9) };
    for (const [Key, Body] of Object.entries(bodies)) await conn.storage.client.send(new PutObjectCommand({ Bucket: bucket, Key, Body }));
    const link = await conn.shareMany({ bucket, keys: Object.keys(bodies), expiresIn: 6, title: 'Trip <b>files</b>', prefix: 'pics/' });
    // The link history holds it as what it shares, and copies the same link again, byte for byte, shown as the page.
    const [record] = await core.links.list(1);
    expect(record).toMatchObject({ bucket, key: link.key, share: { prefix: 'pics/', title: 'Trip <b>files</b>', files: 3 } });
    const again = await conn.presignAgain(record!);
    expect(again.url).toBe(link.url);
    expect((await fetch(again.url)).headers.get('content-type')).toMatch(/^text\/html/);
    await page.goto(link.url);
    await expect(page.locator('h1').textContent()).resolves.toBe('Trip <b>files</b>');
    // Named as inside the folder shared: the recipient sees the files, not the sender's key.
    const names = await page.locator('#list .name').allTextContents();
    expect(names).toEqual(Object.keys(bodies).map((k) => k.slice('pics/'.length)));
    expect(await page.locator('img, b').count()).toBe(0);
    await page.screenshot({ path: `${SHOTS}/many-files-page.png`, fullPage: true });
    const hrefs = await page.locator('#list a').evaluateAll((as) => as.map((a) => (a as HTMLAnchorElement).href));
    for (const [i, href] of hrefs.entries()) {
      const res = await fetch(href);
      expect(res.status).toBe(200);
      expect(Buffer.from(await res.arrayBuffer())).toEqual(Object.values(bodies)[i]);
      expect(res.headers.get('content-disposition')).toContain(Object.keys(bodies)[i]!.split('/').pop()!.replace(/[<>=]/g, '') ? 'attachment' : '');
    }
    expect((await fetch(hrefs[1]!)).headers.get('content-disposition')).toContain('b report.pdf');
    await new Promise((r) => setTimeout(r, Date.parse(link.expiresAt) - Date.now() + 1500));
    expect((await fetch(link.url)).status).toBe(403);
    for (const href of hrefs) expect((await fetch(href)).status).toBe(403);
  });

  it('both pages pass axe-core in light and dark themes, and fit a phone screen', async () => {
    const { url } = await conn.requestFiles({ bucket, title: 'Accessibility', expiresIn: 600, maxBytes: 10 * KiB, note: 'A note.' });
    await conn.storage.client.send(new PutObjectCommand({ Bucket: bucket, Key: 'a11y/one.txt', Body: 'x' }));
    const many = await conn.shareMany({ bucket, keys: ['a11y/one.txt'], expiresIn: 600 });
    for (const scheme of ['light', 'dark'] as const) {
      await page.emulateMedia({ colorScheme: scheme });
      for (const link of [url, many.url]) {
        await page.goto(link);
        // The pages' own CSP forbids injected script tags (as it should); evaluate is not one.
        await page.evaluate(readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8'));
        const violations = await page.evaluate(async () => {
          const r = await (window as unknown as { axe: { run(): Promise<{ violations: Array<{ id: string; nodes: unknown[] }> }> } }).axe.run();
          return r.violations.map((v) => `${v.id} (${v.nodes.length})`);
        });
        expect(violations, `${scheme} ${link.includes('#') ? 'request' : 'many-files'} page`).toEqual([]);
        expect(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth)).toBe(true);
      }
    }
    await page.emulateMedia({ colorScheme: 'light' });
  });

  it('both page templates show hostile names as text', () => {
    const evil = '<img src=x onerror=alert(1)></script><script>alert(2)</script>';
    for (const html of [
      renderIndexPage({ title: evil, expiresAt: new Date().toISOString(), files: [{ name: evil, key: evil, size: 1, url: 'https://x/"><script>alert(3)</script>' }] }),
      renderRequestPage({ postUrl: 'https://s3.example.com/bucket', title: evil, note: evil, prefix: 'incoming/</script>/', maxBytes: 1, expiresAt: new Date().toISOString() }),
    ]) {
      expect(html).not.toContain('<img src=x');
      expect(html).not.toContain('</script><script>alert');
      expect(html).not.toContain('"><script>');
      expect(html.match(/<script/g)).toHaveLength(2);
    }
  });

  it('the CLI: ferry request, ferry requests, ferry share --one-link, and their errors', async () => {
    const env = cliEnv(dataDir);
    const dir = await tempDir();
    await writeFile(join(dir, 'one.txt'), 'one');
    await writeFile(join(dir, 'two.txt'), 'two');
    const req = await ferry(['request', `s3://${bucket}/incoming/cli/`, '--expires-in', '3d', '--max-size', '2MiB', '--note', 'hi', '--account', account], { env });
    expect(req.code, req.stderr).toBe(0);
    expect(req.stdout.trim()).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/.*\.html\?.*#[A-Za-z0-9_-]+$/);
    expect(req.stderr).toMatch(new RegExp(`land in s3://${bucket}/incoming/cli-[0-9a-f]{8}/, at most 2 MiB each`));
    const reqs = await ferry(['requests', '--account', account], { env });
    expect(reqs.stdout).toMatch(new RegExp(`open\\s+cli\\s+s3://${bucket}/incoming/cli-[0-9a-f]{8}/`));
    // Made with AWS_* variables only, and listed with them.
    const g = servers().find((s) => s.name === 'ceph')!;
    const awsEnv = cliEnv(await tempDir(), { AWS_ACCESS_KEY_ID: g.accessKeyId, AWS_SECRET_ACCESS_KEY: g.secretAccessKey, AWS_ENDPOINT_URL: g.endpoint });
    expect((await ferry(['request', `s3://${bucket}/incoming/env/`, '--max-size', '1MiB'], { env: awsEnv })).code).toBe(0);
    expect((await ferry(['requests'], { env: awsEnv })).stdout).toMatch(new RegExp(`open\\s+env\\s+s3://${bucket}/incoming/env-[0-9a-f]{8}/`));
    const one = await ferry(['share', join(dir, 'one.txt'), join(dir, 'two.txt'), `s3://${bucket}/batch/`, '--one-link', '--expires-in', '1h', '--account', account], { env });
    expect(one.code, one.stderr).toBe(0);
    // Only the link goes to stdout (scripts capture it); what was uploaded is said on stderr.
    expect(one.stdout.trim().split('\n')).toHaveLength(1);
    expect(one.stderr).toContain('upload: ');
    const html = await (await fetch(one.stdout.trim())).text();
    expect(html).toContain('batch/one.txt');
    const folder = await ferry(['share', `s3://${bucket}/batch/`, '--one-link', '--account', account], { env });
    expect(folder.code, folder.stderr).toBe(0);
    expect(folder.stderr).toContain('One page for 2 files');
    // ferry links says what a one-link share shares, not the page Ferry wrote for it.
    const links = await ferry(['links'], { env });
    expect(links.stdout).toMatch(new RegExp(`expires in [^\\n]+  s3://${bucket}/batch/ as one link \\(2 files\\)\n`));
    expect(links.stdout).not.toContain('.ferry/');
    // The whole bucket: Ferry's own pages under .ferry/ (request pages among them) are not offered.
    const whole = await ferry(['share', `s3://${bucket}/`, '--one-link', '--json', '--account', account], { env });
    const page = await (await fetch((JSON.parse(whole.stdout) as { url: string }).url)).text();
    expect(page).toContain('batch/one.txt');
    expect(page).not.toContain('.ferry/');
    for (const [args, message] of [
      [['request', `s3://${bucket}/incoming/x/`, '--expires-in', '8d', '--max-size', '1MiB'], /outside that/],
      [['request', `s3://${bucket}/incoming/x/`, '--max-size', '6GiB'], /at most 5 GiB/],
      [['request', `s3://${bucket}/incoming/x/`], /--max-size/],
      [['request', `s3://${uniqueName('nobucket')}/incoming/x/`, '--max-size', '1MiB'], /does not exist/],
    ] as const) {
      const r = await ferry([...args, '--account', account], { env });
      expect(r.code).not.toBe(0);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(message);
    }
    // A server without browser-form uploads (Swift's s3api): refused with the reason, no link.
    const swift = servers().find((s) => s.name === 'swift')!;
    const senv = cliEnv(await tempDir(), { AWS_ACCESS_KEY_ID: swift.accessKeyId, AWS_SECRET_ACCESS_KEY: swift.secretAccessKey, AWS_ENDPOINT_URL: swift.endpoint });
    const sb = uniqueName('nopost');
    expect((await ferry(['mb', `s3://${sb}`], { env: senv })).code).toBe(0);
    const nopost = await ferry(['request', `s3://${sb}/incoming/x/`, '--max-size', '1MiB'], { env: senv });
    expect(nopost.code).toBe(1);
    expect(nopost.stdout).toBe('');
    expect(nopost.stderr).toMatch(/does not accept browser uploads \(POST with a signed policy\)/);
  });
});
