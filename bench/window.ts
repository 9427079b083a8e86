/* eslint-disable @typescript-eslint/no-explicit-any -- page scripts poke at window globals the stand-in defines */
/**
 * The window under load: the built renderer in Debian's Chromium, its window.ferry answered by a
 * stand-in that serves `objects` keys a page of 1,000 at a time and streams progress for
 * `uploads` queued uploads. Measures time to first rows, and frame times while scrolling and
 * while progress batches arrive (the handler table batches them every 150 ms).
 */
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { extname, join, resolve } from 'node:path';
import { chromium } from 'playwright-core';
import { methods } from '../preload/api';

export interface FrameStats {
  frames: number;
  p50: number;
  p95: number;
  max: number;
  fps: number;
}

export interface WindowResult {
  objects: number;
  uploads: number;
  firstRowsMs: number;
  allLoadedMs: number;
  queueMs: number;
  scroll: FrameStats;
  progress: FrameStats;
}

const RENDERER = resolve(__dirname, '../out/renderer');
const TYPES: Record<string, string> = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css' };

export async function benchWindow(objects: number, uploads: number): Promise<WindowResult> {
  const server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    const file = join(RENDERER, path === '/' ? 'index.html' : path);
    readFile(file).then(
      (b) => res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream' }).end(b),
      () => res.writeHead(404).end(),
    );
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const addr = server.address();
  const url = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}/`;
  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-sync'],
  });
  try {
    const page = await (await browser.newContext({ viewport: { width: 1280, height: 800 } })).newPage();
    // tsx compiles with esbuild's keepNames, which wraps functions in a __name() helper that
    // functions serialized into the page need too.
    await page.addInitScript({ content: 'window.__name = (f) => f;' });
    await page.addInitScript(
      ({ methods, objects }) => {
        const listeners = new Map<string, Set<(p: unknown) => void>>();
        const ok = (value: unknown) => Promise.resolve({ ok: true, value });
        const answers: Record<string, (r: any) => unknown> = {
          'app:info': () => ({ name: 'Ferry', version: 'bench', platform: 'linux' }),
          'presets:list': () => [],
          'accounts:list': () => [{ name: 'bench', provider: 'ceph', endpoint: 'http://gateway', region: 'us-east-1', pathStyle: true, isDefault: true }],
          'buckets:list': () => [{ name: 'big' }],
          'prefs:get': () => ({ copyLinkOnUpload: false, defaultExpirySeconds: 86_400 }),
          'links:history': () => [],
          'transfers:list': () => [],
          'objects:list': (r: { token?: string }) => {
            const start = Number(r.token ?? 0);
            const end = Math.min(objects, start + 1000);
            const page = [];
            for (let i = start; i < end; i++) page.push({ key: `photos/2026/img-${String(i).padStart(6, '0')}.jpg`, size: 1_000_000 + i, lastModified: '2026-11-29T12:00:00.000Z' });
            return { folders: [], objects: page, ...(end < objects ? { nextToken: String(end) } : {}) };
          },
        };
        const api: Record<string, unknown> = {};
        for (const [method, channel] of Object.entries(methods)) api[method] = (r: unknown) => ok((answers[channel] ?? (() => null))(r));
        api.on = (e: string, l: (p: unknown) => void) => {
          if (!listeners.has(e)) listeners.set(e, new Set());
          listeners.get(e)!.add(l);
          return () => listeners.get(e)!.delete(l);
        };
        api.pathForFile = () => '';
        (window as any).ferry = api;
        (window as any).__emit = (e: string, p: unknown) => listeners.get(e)?.forEach((l) => l(p));
      },
      { methods, objects },
    );
    await page.goto(url);
    await page.getByRole('button', { name: 'big' }).waitFor();
    const t0 = Date.now();
    await page.getByRole('button', { name: 'big' }).click();
    await page.locator('.row.object').first().waitFor();
    const firstRowsMs = Date.now() - t0;

    // Scroll to the end at a steady pace, loading pages as the list nears its end.
    const scroll = await page.evaluate(async (total) => {
      const list = document.querySelector('[role=grid]') as HTMLElement;
      const frames: number[] = [];
      const start = performance.now();
      let last = start;
      let allLoaded = 0;
      await new Promise<void>((done) => {
        const step = (t: number) => {
          frames.push(t - last);
          last = t;
          list.scrollTop += 3000;
          const loaded = list.scrollHeight >= total * 34;
          if (loaded && !allLoaded) allLoaded = performance.now() - start;
          if ((loaded && list.scrollTop + list.clientHeight >= list.scrollHeight - 2) || t - start > 60_000) return done();
          requestAnimationFrame(step);
        };
        requestAnimationFrame(step);
      });
      return { frames: frames.slice(1), seconds: (performance.now() - start) / 1000, allLoaded };
    }, objects);

    // Queue the uploads, then stream progress batches for a few seconds.
    const queueMs = await page.evaluate((n) => {
      const t = performance.now();
      const batch = [];
      for (let i = 0; i < n; i++) batch.push({ id: `t${i}`, direction: 'upload', account: 'bench', bucket: 'big', key: `drop/file-${i}.bin`, file: `/x/file-${i}.bin`, size: 10_000_000, status: 'queued', bytesDone: 0, bytesPerSecond: 0 });
      (window as any).__emit('transfers:changed', batch);
      return new Promise<number>((r) => requestAnimationFrame(() => requestAnimationFrame(() => r(performance.now() - t))));
    }, uploads);
    const progress = await page.evaluate(async (n) => {
      const frames: number[] = [];
      const start = performance.now();
      let last = start;
      let round = 0;
      const timer = setInterval(() => {
        round++;
        const batch = [];
        for (let k = 0; k < Math.min(1000, n); k++) {
          const i = (round * 1000 + k) % n;
          batch.push({ id: `t${i}`, direction: 'upload', account: 'bench', bucket: 'big', key: `drop/file-${i}.bin`, file: `/x/file-${i}.bin`, size: 10_000_000, status: 'running', bytesDone: (round * 250_000) % 10_000_000, bytesPerSecond: 5_000_000, etaSeconds: 2 });
        }
        (window as any).__emit('transfers:changed', batch);
      }, 150);
      await new Promise<void>((done) => {
        const step = (t: number) => {
          frames.push(t - last);
          last = t;
          if (t - start > 4000) return done();
          requestAnimationFrame(step);
        };
        requestAnimationFrame(step);
      });
      clearInterval(timer);
      return { frames: frames.slice(1), seconds: (performance.now() - start) / 1000 };
    }, uploads);

    const stats = (f: { frames: number[]; seconds: number }): FrameStats => {
      const s = [...f.frames].sort((a, b) => a - b);
      const q = (p: number) => s[Math.min(s.length - 1, Math.floor(p * s.length))] ?? 0;
      return { frames: s.length, p50: q(0.5), p95: q(0.95), max: s.at(-1) ?? 0, fps: s.length / f.seconds };
    };
    return { objects, uploads, firstRowsMs, allLoadedMs: scroll.allLoaded, queueMs, scroll: stats(scroll), progress: stats(progress) };
  } finally {
    await browser.close();
    server.close();
  }
}
