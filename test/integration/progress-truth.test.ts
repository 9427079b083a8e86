import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createAppCore, type AppCore } from '../../main/app/handlers';
import { Ferry } from '../../main/core/ferry';
import { KeychainSecretStore, MemorySecretStore } from '../../main/core/secrets/secrets';
import { MiB } from '../../main/core/transfers/plan';
import type { TransferView } from '../../preload/contract';
import { CLI, cliEnv, gateway, randomFile, sha256Stream, tempDir, uniqueName } from '../support/helpers';
import { socketQueues, startSlowLink, type SlowLink } from '../support/slow-link';

/** The case: 40 MiB through a 6 MiB/s uplink, long enough to outlast the socket buffers (megabytes on loopback). */
const RATE = 6 * MiB;
const SIZE = 40 * MiB;
/** What the issue allows beyond the socket buffers: the figure may trail the link, never lead it. */
const SLACK = 2 * MiB;

/** Where every byte Ferry may have counted as sent is now: passed on, in the proxy, or in the kernel. */
function reachable(link: SlowLink): number {
  const q = socketQueues(link.port);
  return link.passed() + link.held() + q.sendQueues + q.receiveQueues;
}

interface Sample {
  at: number;
  shown: number;
  /** Bytes that may have left Ferry, measured just after the figure was read. */
  upper: number;
  /** Bytes the link had passed on just before the figure was read. */
  lower: number;
  bytesPerSecond: number;
  etaSeconds?: number;
  finished: boolean;
}

/** Checks figures against the link: never ahead of it, never far behind, no burst rate, no stale "1s left". */
function expectTruthful(samples: Sample[]) {
  if (process.env.FERRY_DEBUG_PROGRESS) console.log(samples.map((s) => `${Math.round(s.at)} ${(s.shown / MiB).toFixed(2)} [${(s.lower / MiB).toFixed(2)}, ${(s.upper / MiB).toFixed(2)}] ${(s.bytesPerSecond / MiB).toFixed(2)} ${s.etaSeconds}`).join('\n'));
  expect(samples.length).toBeGreaterThan(10);
  for (const s of samples) {
    expect(s.shown, `shown ${s.shown} while at most ${s.upper} could have left Ferry`).toBeLessThanOrEqual(s.upper + 64 * 1024);
    if (!s.finished) expect(s.shown, `shown ${s.shown} while ${s.lower} had passed the link`).toBeGreaterThanOrEqual(s.lower - SLACK);
    // The socket buffers filling at the start is not speed.
    expect(s.bytesPerSecond).toBeLessThan(1.5 * RATE);
  }
  // "About a second left" gives way to finishing or done within a second or two.
  const firstShort = samples.find((s) => s.etaSeconds !== undefined && s.etaSeconds <= 1);
  if (firstShort) {
    const gone = samples.find((s) => s.at > firstShort.at && (s.etaSeconds === undefined || s.finished));
    expect(gone, 'the last second never ended').toBeTruthy();
    expect(gone!.at - firstShort.at).toBeLessThan(2500);
  }
  // Somewhere mid-way the figure said how long was left, and about right.
  expect(samples.some((s) => s.etaSeconds !== undefined && s.etaSeconds > 1)).toBe(true);
}

describe('progress through a link that takes bytes at a fixed rate (issue 20, truthful progress)', () => {
  let link: SlowLink;
  let dir: string;
  const g = gateway();
  const bucket = uniqueName('truth');

  beforeAll(async () => {
    Object.assign(process.env, inject('keyring'));
    link = await startSlowLink(g.endpoint, RATE);
    dir = await tempDir();
    const env = { AWS_ACCESS_KEY_ID: g.accessKeyId, AWS_SECRET_ACCESS_KEY: g.secretAccessKey, AWS_ENDPOINT_URL: g.endpoint };
    const conn = await new Ferry({ dataDir: await tempDir(), secrets: new MemorySecretStore(), env }).connect();
    await conn.storage.createBucket(bucket);
    conn.close();
  });
  afterAll(() => link.close());

  it("the window's figures stay with the bytes the link has passed on", async () => {
    const dataDir = await tempDir();
    const core: AppCore = createAppCore({
      ferry: new Ferry({ dataDir, secrets: new KeychainSecretStore(), env: {} }),
      dataDir,
      platform: { copyText: () => {}, notify: () => {}, openExternal: () => {}, confirm: async () => true, pickFiles: async () => [] },
      emit: () => {},
      appInfo: { name: 'Ferry', version: 'test', platform: 'linux' },
    });
    const ok = async <T,>(channel: string, payload?: unknown): Promise<T> => {
      const r = await core.handle(channel, payload);
      if (!r.ok) throw new Error(`${channel}: ${r.error.code} ${r.error.message}`);
      return r.value as T;
    };
    try {
      const account = uniqueName('truth');
      await ok('accounts:add', { name: account, provider: 'ceph', endpoint: link.endpoint, accessKeyId: g.accessKeyId, secretAccessKey: g.secretAccessKey });
      // The window acts only on names the server listed.
      await ok('buckets:list', { account });
      const src = await randomFile(dir, 'window.bin', SIZE);
      const before = link.passed();
      await ok('files:grant', { paths: [src.path] });
      const [added] = await ok<TransferView[]>('uploads:add', { account, bucket, prefix: '', paths: [src.path] });
      const samples: Sample[] = [];
      const start = performance.now();
      for (;;) {
        const lower = link.passed() - before;
        const t = (await ok<TransferView[]>('transfers:list')).find((v) => v.id === added!.id)!;
        const upper = reachable(link) - before;
        const finished = t.status !== 'running' && t.status !== 'queued';
        samples.push({ at: performance.now() - start, shown: finished ? t.size : t.bytesDone, upper, lower, bytesPerSecond: t.bytesPerSecond, ...(t.etaSeconds !== undefined ? { etaSeconds: t.etaSeconds } : {}), finished });
        if (finished) {
          expect(t.status, t.error).toBe('done');
          break;
        }
        expect(performance.now() - start, 'the upload did not finish').toBeLessThan(60_000);
        await new Promise((r) => setTimeout(r, 100));
      }
      expectTruthful(samples);
      const conn = await new Ferry({ dataDir: await tempDir(), secrets: new MemorySecretStore(), env: { AWS_ACCESS_KEY_ID: g.accessKeyId, AWS_SECRET_ACCESS_KEY: g.secretAccessKey, AWS_ENDPOINT_URL: g.endpoint } }).connect();
      const { GetObjectCommand } = await import('@aws-sdk/client-s3');
      const body = (await conn.storage.client.send(new GetObjectCommand({ Bucket: bucket, Key: 'window.bin' }))).Body as NodeJS.ReadableStream;
      expect((await sha256Stream(body as never)).sha256).toBe(src.sha256);
      conn.close();
    } finally {
      core.dispose();
    }
  }, 90_000);

  it("the CLI's bar stays with the bytes the link has passed on", async () => {
    const src = await randomFile(dir, 'cli.bin', SIZE);
    const env = cliEnv(await tempDir(), { AWS_ACCESS_KEY_ID: g.accessKeyId, AWS_SECRET_ACCESS_KEY: g.secretAccessKey, AWS_ENDPOINT_URL: link.endpoint });
    const before = link.passed();
    const child = spawn('python3', [resolve(__dirname, '../support/pty_stream.py'), '--', process.execPath, CLI, 'cp', src.path, `s3://${bucket}/cli.bin`], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    const samples: Sample[] = [];
    const start = performance.now();
    let screen = '';
    let lower = 0;
    const UNIT: Record<string, number> = { B: 1, KiB: 1024, MiB: MiB, GiB: 1024 * MiB };
    child.stdout.on('data', (b: Buffer) => {
      screen += b.toString();
      // The bar redraws in place: the newest line after the last carriage return.
      const line = screen.slice(screen.lastIndexOf('\r') + 1);
      const m = /(\d+)%\s+([\d.]+) (B|KiB|MiB|GiB) of [\d.]+ \w+\s+(?:([\d.]+) (B|KiB|MiB|GiB)\/s(?:, (\d+) seconds? left)?|finishing…|measuring speed…)/.exec(line);
      if (!m) return;
      const upper = reachable(link) - before;
      const shown = Number(m[2]) * UNIT[m[3]!]!;
      // The bar prints to two decimals: its figure is the shown number's whole interval.
      samples.push({ at: performance.now() - start, shown: shown - 0.01 * UNIT[m[3]!]!, upper, lower, bytesPerSecond: m[4] ? Number(m[4]) * UNIT[m[5]!]! : 0, ...(m[6] ? { etaSeconds: Number(m[6]) } : {}), finished: false });
      // What had passed before the next line was drawn.
      lower = link.passed() - before;
    });
    const code = await new Promise<number | null>((r) => child.on('close', r));
    expect(code, screen).toBe(0);
    expect(screen).toContain(`upload: ${src.path} to s3://${bucket}/cli.bin`);
    expectTruthful(samples);
  }, 90_000);
});
