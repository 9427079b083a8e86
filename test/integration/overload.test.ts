/**
 * A server that serves so many requests at once and refuses the rest with 503 SlowDown (as AWS,
 * R2 and B2 do under load): Ferry's adapting lanes (adaptive.ts) come down to what it serves, so
 * every file of a folder arrives, where a fixed number kept being refused until files ran out of
 * retries. Found by the fault injector: 101 of 400 files lost.
 */
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliEnv, ferry, gateway, tempDir, uniqueName } from '../support/helpers';
import { s3Error, startStubProxy, type StubProxy } from '../support/stub-proxy';

describe('a server that says SlowDown above 4 requests at once', () => {
  let proxy: StubProxy;
  let refused = 0;
  const bucket = uniqueName('overload');
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
  beforeAll(async () => {
    proxy = await startStubProxy(gateway().endpoint, (req) => {
      // Its refusals take a while to come, as a busy server's do.
      const transfer = req.method === 'PUT' || (req.method === 'GET' && !req.url.searchParams.has('list-type'));
      if (transfer && proxy.inFlight() > 4) {
        refused++;
        return { hold: sleep(200), then: { respond: { status: 503, body: s3Error('SlowDown', 'Please reduce your request rate.') } } };
      }
      return undefined;
    });
  });
  afterAll(() => proxy.close());

  it('a folder of 300 files all arrive, up and down: the files at once come down to what it serves', async () => {
    const g = gateway();
    const env = cliEnv(await tempDir(), { AWS_ACCESS_KEY_ID: g.accessKeyId, AWS_SECRET_ACCESS_KEY: g.secretAccessKey, AWS_ENDPOINT_URL: proxy.endpoint });
    expect((await ferry(['mb', `s3://${bucket}`], { env })).code).toBe(0);
    const dir = join(await tempDir(), 'many');
    await mkdir(dir);
    for (let i = 0; i < 300; i++) await writeFile(join(dir, `f${i}.bin`), Buffer.alloc(20_000, i % 251));
    const up = await ferry(['cp', dir, `s3://${bucket}/many/`, '--recursive', '--no-progress', '--debug'], { env });
    expect(up.stderr).not.toMatch(/not uploaded|SlowDown/);
    expect(up.code).toBe(0);
    // --debug says how it came down.
    expect(up.stderr).toMatch(/^ferry: files in flight \(a large file counts 4\): 16 to start, then (8|4) at \d+\.\d s/m);
    // It was pushed back, and came down: far fewer refusals than files.
    expect(refused).toBeGreaterThan(0);
    expect(refused).toBeLessThan(300);
    const ls = await ferry(['ls', `s3://${bucket}/many/`], { env });
    expect(ls.stdout.trim().split('\n')).toHaveLength(300);
    // And back down: every file, whole.
    refused = 0;
    const back = join(await tempDir(), 'back');
    const down = await ferry(['cp', `s3://${bucket}/many/`, back, '--recursive', '--no-progress'], { env });
    expect(down.stderr).not.toMatch(/not downloaded|SlowDown/);
    expect(down.code).toBe(0);
    expect(refused).toBeLessThan(300);
    for (const i of [0, 150, 299]) expect(await readFile(join(back, `f${i}.bin`))).toEqual(Buffer.alloc(20_000, i % 251));
    expect(await readdir(back)).toHaveLength(300);
  });
});
