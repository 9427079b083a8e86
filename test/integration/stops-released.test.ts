/**
 * Every stop Ferry combines (a command's Ctrl-C with a transfer's cancel and pause, a transfer's
 * with each request's own) is given back when its operation ends. A long-lived stop (the CLI's,
 * the app's) otherwise keeps an entry for every file, part and request ever sent: 10,000 small
 * files kept ~60,000 such entries and took `ferry cp --recursive` past its memory limit
 * (AbortSignal.any, nodejs/node#55351; issue 21). Whatever combines stops, the long-lived ones
 * must be left as they were found: no listener, no dependant.
 */
import { getEventListeners } from 'node:events';
import { readFile, writeFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run } from '../../main/cli/run';
import { Ferry, type Connection } from '../../main/core/ferry';
import { MemorySecretStore } from '../../main/core/secrets/secrets';
import { MiB } from '../../main/core/transfers/plan';
import { gateway, randomFile, tempDir, uniqueName } from '../support/helpers';

/** What a signal still holds of the operations that used it: abort listeners, and composites (AbortSignal.any) following it. */
function held(signal: AbortSignal): { listeners: number; dependants: number } {
  const key = Object.getOwnPropertySymbols(signal).find((s) => s.description === 'kDependantSignals');
  const dependants = key ? ((signal as unknown as Record<symbol, Set<unknown> | undefined>)[key]?.size ?? 0) : 0;
  return { listeners: getEventListeners(signal, 'abort').length, dependants };
}

describe('combined stops are given back when their operation ends', () => {
  const bucket = uniqueName('stops');
  let dataDir: string;
  let conn: Connection;
  const env = () => {
    const g = gateway();
    return { AWS_ACCESS_KEY_ID: g.accessKeyId, AWS_SECRET_ACCESS_KEY: g.secretAccessKey, AWS_ENDPOINT_URL: g.endpoint, AWS_REGION: 'us-east-1', FERRY_DATA_DIR: dataDir };
  };

  beforeAll(async () => {
    dataDir = await tempDir();
    conn = await new Ferry({ dataDir, secrets: new MemorySecretStore(), env: env(), network: { backoffMs: 50 } }).connect({}, {});
    await conn.storage.createBucket(bucket);
  });
  afterAll(() => conn?.close());

  it('uploads, multipart uploads, downloads and listings leave a long-lived cancel and pause as they were', async () => {
    const cancel = new AbortController();
    const pause = new AbortController();
    const dir = await tempDir();
    const small = await Promise.all(Array.from({ length: 30 }, (_, i) => randomFile(dir, `s${i}.bin`, 1000 + i)));
    for (const f of small) await conn.upload({ file: f.path, bucket, key: `small/${f.path.split('/').pop()}`, signal: cancel.signal, pauseSignal: pause.signal });
    const big = await randomFile(dir, 'big.bin', 12 * MiB);
    await conn.upload({ file: big.path, bucket, key: 'big.bin', partSize: 5 * MiB, signal: cancel.signal, pauseSignal: pause.signal });
    // One that fails (a missing file) and one cancelled of its own accord give theirs back too.
    await expect(conn.upload({ file: join(dir, 'missing.bin'), bucket, key: 'missing.bin', signal: cancel.signal, pauseSignal: pause.signal })).rejects.toThrow();
    const own = new AbortController();
    const cancelled = conn.upload({ file: big.path, bucket, key: 'big2.bin', partSize: 5 * MiB, signal: own.signal, pauseSignal: pause.signal });
    setTimeout(() => own.abort(), 5);
    await cancelled.catch(() => {});
    for (const key of ['big.bin', 'small/s0.bin']) {
      await conn.download({ bucket, key, file: join(dir, `down-${key.replace('/', '-')}`), partSize: 5 * MiB, replace: true, signal: cancel.signal, pauseSignal: pause.signal });
    }
    expect((await readFile(join(dir, 'down-big.bin'))).equals(await readFile(big.path))).toBe(true);
    let listed = 0;
    for await (const page of conn.storage.listObjects(bucket, 'small/', { signal: cancel.signal, pageSize: 7 })) listed += page.objects.length;
    expect(listed).toBe(30);
    expect(held(cancel.signal)).toEqual({ listeners: 0, dependants: 0 });
    expect(held(pause.signal)).toEqual({ listeners: 0, dependants: 0 });
  });

  it('a `ferry cp --recursive` run in-process leaves the caller’s Ctrl-C signal as it was', async () => {
    const folder = join(await tempDir(), 'many');
    await mkdir(folder);
    for (let i = 0; i < 40; i++) await writeFile(join(folder, `f${i}.txt`), `file ${i}\n`);
    const ctrlC = new AbortController();
    const out = new PassThrough();
    const err = new PassThrough();
    let said = '';
    err.on('data', (b: Buffer) => (said += b.toString()));
    out.resume();
    const code = await run(['cp', folder, `s3://${bucket}/many/`, '--recursive'], { stdout: out, stderr: err, stdin: new PassThrough(), env: { ...process.env, ...env() }, secrets: new MemorySecretStore(), signal: ctrlC.signal });
    expect([code, said]).toEqual([0, expect.any(String)]);
    expect(held(ctrlC.signal)).toEqual({ listeners: 0, dependants: 0 });
  });
});
