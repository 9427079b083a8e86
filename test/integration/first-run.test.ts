/**
 * A newcomer's first steps with the CLI, against the real gateway, in-process (keys in memory):
 * an account is saved only once its connection test passes.
 */
import { readFile } from 'node:fs/promises';
import { createServer, type Socket } from 'node:net';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { run } from '../../main/cli/run';
import { MemorySecretStore } from '../../main/core/secrets/secrets';
import { gateway, tempDir, uniqueName } from '../support/helpers';
import { cli, type Ran } from '../unit/cli/harness';

const settingsOf = async (dataDir: string) =>
  JSON.parse(await readFile(join(dataDir, 'settings.json'), 'utf8').catch(() => '{"accounts":[]}')) as { accounts: Array<{ name: string; untested?: true; capabilities?: unknown }>; defaultAccount?: string };

/** A failed command: one line on stderr, no stack trace. */
function expectOneLine(r: Ran, message: RegExp): void {
  expect(r.stderr).toMatch(/^ferry: [^\n]+\n$/);
  expect(r.stderr).not.toMatch(/\bat .+:\d+:\d+/);
  expect(r.stderr).toMatch(message);
}

describe('ferry accounts add tests the connection before saving', () => {
  const g = () => gateway();
  const add = (name: string, secret: string, opts: { dataDir: string; secrets: MemorySecretStore }, extra: string[] = []) =>
    cli(['accounts', 'add', name, '--provider', 'ceph', '--endpoint-url', g().endpoint, ...extra], { ...opts, input: `${g().accessKeyId}\n${secret}\n` });

  it('right keys: saved, tested (not marked untested), and the test said so', async () => {
    const opts = { dataDir: await tempDir(), secrets: new MemorySecretStore() };
    const name = uniqueName('first');
    const r = await add(name, g().secretAccessKey, opts, ['--default']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`^Added account "${name}" \\(Ceph \\(RADOS Gateway\\), ${g().endpoint.replace(/[.]/g, '\\.')}\\): its connection test passed \\(\\d+ buckets?\\), and its keys are in the system keychain\\.\\nWhat the server supports: ferry accounts test ${name}\\n$`));
    const saved = await settingsOf(opts.dataDir);
    expect(saved.accounts.map((a) => a.name)).toEqual([name]);
    expect(saved.accounts[0]!.untested).toBeUndefined();
    expect(saved.defaultAccount).toBe(name);
    expect(await opts.secrets.get(name)).toEqual({ accessKeyId: g().accessKeyId, secretAccessKey: g().secretAccessKey });
  });

  it('a wrong secret: the report and the reason, nothing saved, status 1, and the two ways on', async () => {
    const opts = { dataDir: await tempDir(), secrets: new MemorySecretStore() };
    const name = uniqueName('wrong');
    const r = await add(name, 'not-the-secret', opts);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^Account .+ at http:\/\/127\.0\.0\.1:\d+ \(region us-east-1\)\n {2}ok {3}reachable: .*\n {2}ok {3}speaks S3: .*\n {2}FAIL credentials accepted: .*secret access key is wrong/);
    expectOneLine(r, new RegExp(`^ferry: Not saved: the connection test failed at "credentials accepted": .*the secret access key is wrong for this access key ID\\..* Fix that and run the same command again, or add --no-test to save "${name}" anyway \\(marked untested\\)\\.\\n$`));
    expect((await settingsOf(opts.dataDir)).accounts).toEqual([]);
    expect(await opts.secrets.get(name)).toBeUndefined();
    // Nothing was left to say "already exists": the same command with the right key works.
    expect((await add(name, g().secretAccessKey, opts)).code).toBe(0);
  });

  it('--no-test saves a failing account anyway, marked untested as the window’s "Save anyway" does, and list says so', async () => {
    const opts = { dataDir: await tempDir(), secrets: new MemorySecretStore() };
    const name = uniqueName('anyway');
    const r = await add(name, 'not-the-secret', opts, ['--no-test']);
    expect(r).toMatchObject({ code: 0, stderr: '' });
    expect(r.stdout).toBe(`Added account "${name}" (Ceph (RADOS Gateway), ${g().endpoint}) without a connection test: it is marked untested until one passes. Its keys are in the system keychain.\nTest it with: ferry accounts test ${name}\n`);
    expect((await settingsOf(opts.dataDir)).accounts[0]).toMatchObject({ name, untested: true });
    expect((await cli(['accounts', 'list'], opts)).stdout).toMatch(/\(untested: no connection test has passed\)\n$/);
    expect(await opts.secrets.get(name)).toEqual({ accessKeyId: g().accessKeyId, secretAccessKey: 'not-the-secret' });
  });

  it('--no-test with the right keys: marked untested until ferry accounts test passes, which clears the mark', async () => {
    const opts = { dataDir: await tempDir(), secrets: new MemorySecretStore() };
    const name = uniqueName('later');
    expect((await add(name, g().secretAccessKey, opts, ['--no-test', '--json'])).code).toBe(0);
    expect((await settingsOf(opts.dataDir)).accounts[0]).toMatchObject({ untested: true });
    expect((await cli(['accounts', 'test', name], opts)).code).toBe(0);
    expect((await settingsOf(opts.dataDir)).accounts[0]!.untested).toBeUndefined();
  });

  it('an endpoint where nothing listens: not saved, said at once', async () => {
    const opts = { dataDir: await tempDir(), secrets: new MemorySecretStore() };
    const started = Date.now();
    const r = await cli(['accounts', 'add', 'nowhere', '--provider', 'minio', '--endpoint-url', 'http://127.0.0.1:9'], { ...opts, input: 'AK\nSECRET\n' });
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/FAIL reachable: /);
    expectOneLine(r, /^ferry: Not saved: the connection test failed at "reachable": Cannot reach http:\/\/127\.0\.0\.1:9 \(ECONNREFUSED\)\..* Fix that and run the same command again, or add --no-test/);
    expect(Date.now() - started).toBeLessThan(10_000);
    expect((await settingsOf(opts.dataDir)).accounts).toEqual([]);
    expect(await opts.secrets.get('nowhere')).toBeUndefined();
  });

  it('--json: the account when saved; the report when not', async () => {
    const opts = { dataDir: await tempDir(), secrets: new MemorySecretStore() };
    const name = uniqueName('json');
    const ok = await add(name, g().secretAccessKey, opts, ['--json']);
    expect(ok.code).toBe(0);
    const account = JSON.parse(ok.stdout) as Record<string, unknown>;
    expect(account).toMatchObject({ name, provider: 'ceph', endpoint: g().endpoint });
    expect(account.untested).toBeUndefined();
    const bad = await add(uniqueName('json-bad'), 'nope', opts, ['--json']);
    expect(bad.code).toBe(1);
    expect(JSON.parse(bad.stdout)).toMatchObject({ ok: false, checks: expect.arrayContaining([expect.objectContaining({ name: 'credentials accepted', ok: false })]) as unknown });
  });

  it('Ctrl-C during the test of a server that never answers: cancelled (130), nothing saved', async () => {
    const sockets = new Set<Socket>();
    const silent = createServer((s) => {
      sockets.add(s);
      s.resume();
    });
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    try {
      const dataDir = await tempDir();
      const secrets = new MemorySecretStore();
      const controller = new AbortController();
      const stdin = new PassThrough();
      stdin.end('AK\nSECRET\n');
      let out = '';
      let err = '';
      const stdout = new PassThrough().on('data', (b: Buffer) => (out += b.toString()));
      const stderr = new PassThrough().on('data', (b: Buffer) => (err += b.toString()));
      const endpoint = `http://127.0.0.1:${(silent.address() as { port: number }).port}`;
      const started = Date.now();
      setTimeout(() => controller.abort(), 500);
      const code = await run(['accounts', 'add', 'silent', '--provider', 'minio', '--endpoint-url', endpoint], { stdout, stderr, stdin, env: { FERRY_DATA_DIR: dataDir }, secrets, signal: controller.signal });
      expect(Date.now() - started).toBeLessThan(5_000);
      expect(code).toBe(130);
      expect(err).toBe('ferry: Cancelled: "silent" was not saved.\n');
      expect(out).toBe('');
      expect((await settingsOf(dataDir)).accounts).toEqual([]);
      expect(await secrets.get('silent')).toBeUndefined();
    } finally {
      for (const s of sockets) s.destroy();
      silent.close();
    }
  });
});
