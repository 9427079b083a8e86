/**
 * A newcomer's first steps with the CLI, against the real gateway, in-process (keys in memory):
 * an account is saved only once its connection test passes.
 */
import { readFile } from 'node:fs/promises';
import { silentServer } from '../support/silent-server';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { run } from '../../main/cli/run';
import { FerryError } from '../../main/core/errors';
import { MemorySecretStore, type Credentials } from '../../main/core/secrets/secrets';
import { gateway, tempDir, uniqueName } from '../support/helpers';
import { startStubProxy } from '../support/stub-proxy';
import { cli, type Ran } from '../unit/cli/harness';

const settingsOf = async (dataDir: string) =>
  JSON.parse(await readFile(join(dataDir, 'settings.json'), 'utf8').catch(() => '{"accounts":[]}')) as { accounts: Array<{ name: string; untested?: true; capabilities?: unknown }>; defaultAccount?: string };

/** A failed command: one line on stderr, no stack trace. */
function expectOneLine(r: Ran, message: RegExp): void {
  expect(r.stderr).toMatch(/^ferry: [^\n]+\n$/);
  expect(r.stderr).not.toMatch(/\bat .+:\d+:\d+/);
  expect(r.stderr).toMatch(message);
}

/** The CLI with keys piped on stdin, and what of them it left unread. */
async function unread(argv: string[], dataDir: string, secrets: MemorySecretStore): Promise<Ran & { left: string }> {
  const stdin = new PassThrough();
  stdin.end('AKID\nSECRET\n');
  let out = '';
  let err = '';
  const stdout = new PassThrough().on('data', (b: Buffer) => (out += b.toString()));
  const stderr = new PassThrough().on('data', (b: Buffer) => (err += b.toString()));
  const code = await run(argv, { stdout, stderr, stdin, env: { FERRY_DATA_DIR: dataDir }, secrets });
  return { code, stdout: out, stderr: err, left: String((stdin.read() as Buffer | null) ?? '') };
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
    expectOneLine(r, new RegExp(`^ferry: Not saved: the connection test failed at "credentials accepted": .*the secret access key is wrong for this access key ID\\. Run the same command again with the right keys, or add --no-test to save "${name}" anyway \\(marked untested\\)\\.\\n$`));
    // No advice to update an account that was not saved.
    expect(r.stdout + r.stderr).not.toMatch(/accounts update|<account>/);
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

  it('a provider that needs an endpoint, without --endpoint-url: said before any key is read (status 2), nothing saved', async () => {
    const cases: Array<[string, string]> = [
      ['minio', 'http://localhost:9000'],
      ['ceph', 'http://rgw.example.com:7480'],
      ['r2', 'https://<ACCOUNT_ID>.r2.cloudflarestorage.com'],
      ['other', 'https://s3.example.com'],
    ];
    for (const [provider, example] of cases) {
      const dataDir = await tempDir();
      const secrets = new MemorySecretStore();
      const r = await unread(['accounts', 'add', 'box', '--provider', provider], dataDir, secrets);
      expect(r.code, provider).toBe(2);
      expect(r.stderr).toMatch(/^ferry: [^\n]+ needs an endpoint URL \([^\n]+\), given before the keys: /);
      expect(r.stderr).toContain(`ferry accounts add box --provider ${provider} --endpoint-url ${example}. No key was read and nothing was saved.`);
      expect(r.stdout).toBe('');
      // The keys piped in are still there, unread.
      expect(r.left).toBe('AKID\nSECRET\n');
      expect((await settingsOf(dataDir)).accounts).toEqual([]);
      expect(await secrets.get('box')).toBeUndefined();
    }
    // The same command with the endpoint reads them (so "unread" above means something).
    const control = await unread(['accounts', 'add', 'box', '--provider', 'minio', '--endpoint-url', 'http://127.0.0.1:9', '--no-test'], await tempDir(), new MemorySecretStore());
    expect(control).toMatchObject({ code: 0, left: '' });
  });

  it('other mistakes in accounts add are said before any key is read too: a name taken, a bad name, region or endpoint, an unknown provider', async () => {
    const opts = { dataDir: await tempDir(), secrets: new MemorySecretStore() };
    const name = uniqueName('taken');
    expect((await add(name, g().secretAccessKey, opts)).code).toBe(0);
    const before = await readFile(join(opts.dataDir, 'settings.json'), 'utf8');
    const cases: Array<[string[], number, RegExp]> = [
      [['accounts', 'add', name, '--provider', 'ceph', '--endpoint-url', g().endpoint], 1, new RegExp(`^ferry: An account named "${name}" already exists\\. Choose another name, or change that account with: ferry accounts update ${name} --keys`)],
      [['accounts', 'add', 'no spaces', '--provider', 'ceph', '--endpoint-url', g().endpoint], 1, /cannot be an account name/],
      [['accounts', 'add', 'box', '--provider', 'ceph', '--endpoint-url', g().endpoint, '--region', 'bad region!'], 1, /"bad region!" is not a region/],
      [['accounts', 'add', 'box', '--provider', 'minio', '--endpoint-url', 'ftp://x'], 1, /must start with https:\/\/ or http:\/\//],
      [['accounts', 'add', 'box', '--provider', 'nimbus'], 1, /Unknown provider "nimbus"/],
    ];
    for (const [argv, code, message] of cases) {
      const r = await unread(argv, opts.dataDir, opts.secrets);
      expect(r.code, argv.join(' ')).toBe(code);
      expectOneLine(r, message);
      expect(r.left, argv.join(' ')).toBe('AKID\nSECRET\n');
    }
    expect(await readFile(join(opts.dataDir, 'settings.json'), 'utf8')).toBe(before);
    expect(await opts.secrets.get('box')).toBeUndefined();
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
    const silent = await silentServer();
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
      const { endpoint } = silent;
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
      silent.close();
    }
  });
});

describe('ferry accounts update changes keys or settings in place, kept only when the test passes', () => {
  const g = () => gateway();
  const rightKeys = () => `${g().accessKeyId}\n${g().secretAccessKey}\n`;
  /** An account saved with a wrong secret (--no-test), as a newcomer who mistyped it has one. */
  async function mistyped() {
    const opts = { dataDir: await tempDir(), secrets: new MemorySecretStore() };
    const name = uniqueName('fix');
    const added = await cli(['accounts', 'add', name, '--provider', 'ceph', '--endpoint-url', g().endpoint, '--no-test'], { ...opts, input: `${g().accessKeyId}\nmistyped\n` });
    expect(added.code, added.stderr).toBe(0);
    return { opts, name };
  }

  it('--keys with the right keys fixes a mistyped secret: tested, kept, the untested mark gone, and the account works', async () => {
    const { opts, name } = await mistyped();
    const r = await cli(['accounts', 'update', name, '--keys'], { ...opts, input: rightKeys() });
    expect(r).toEqual({ code: 0, stdout: `Changed "${name}" (new keys): its connection test passed.\n`, stderr: '' });
    expect(await opts.secrets.get(name)).toEqual({ accessKeyId: g().accessKeyId, secretAccessKey: g().secretAccessKey });
    expect((await settingsOf(opts.dataDir)).accounts[0]!.untested).toBeUndefined();
    expect((await cli(['ls', '--account', name], opts)).code).toBe(0);
  });

  it('wrong new keys: the report and the reason, status 1, and the old keys and settings stay exactly as they were', async () => {
    const opts = { dataDir: await tempDir(), secrets: new MemorySecretStore() };
    const name = uniqueName('keep');
    expect((await cli(['accounts', 'add', name, '--provider', 'ceph', '--endpoint-url', g().endpoint], { ...opts, input: rightKeys() })).code).toBe(0);
    const before = await readFile(join(opts.dataDir, 'settings.json'), 'utf8');
    const r = await cli(['accounts', 'update', name, '--keys', '--region', 'eu-west-1'], { ...opts, input: `${g().accessKeyId}\nwrong-again\n` });
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/FAIL credentials accepted: .*secret access key is wrong/);
    expectOneLine(r, new RegExp(`^ferry: Not changed: the connection test failed at "credentials accepted": .* "${name}" keeps its old keys and settings\\. Run the same command again with the right keys, or add --no-test to save the change anyway \\(marked untested\\)\\.\\n$`));
    expect(await readFile(join(opts.dataDir, 'settings.json'), 'utf8')).toBe(before);
    expect(await opts.secrets.get(name)).toEqual({ accessKeyId: g().accessKeyId, secretAccessKey: g().secretAccessKey });
    expect((await cli(['accounts', 'test', name], opts)).code).toBe(0);
  });

  it('keys a server refuses are said with the command that fixes them, naming the account: ferry accounts update NAME --keys', async () => {
    const { opts, name } = await mistyped();
    const ls = await cli(['ls', '--account', name], opts);
    expect(ls.code).toBe(1);
    expectOneLine(ls, new RegExp(`^ferry: .*the secret access key is wrong for this access key ID\\. Give the right keys with: ferry accounts update ${name} --keys\\n$`));
    // The test's report says the same, as the account exists.
    const tested = await cli(['accounts', 'test', name], opts);
    expect(tested.code).toBe(1);
    expect(tested.stdout).toContain(`FAIL credentials accepted: `);
    expect(tested.stdout).toContain(`Give the right keys with: ferry accounts update ${name} --keys`);
    // A change of settings alone, tested with the old (wrong) keys, says to give --keys too.
    const region = await cli(['accounts', 'update', name, '--region', 'eu-west-1'], opts);
    expect(region.code).toBe(1);
    expectOneLine(region, new RegExp(`"${name}" keeps its old keys and settings\\. Run the same command again with --keys and the right keys, or add --no-test`));
    expect((await settingsOf(opts.dataDir)).accounts[0]).toMatchObject({ region: 'us-east-1' });
    // Doing what it says works.
    expect((await cli(['accounts', 'update', name, '--keys'], { ...opts, input: rightKeys() })).code).toBe(0);
    expect((await cli(['ls', '--account', name], opts)).code).toBe(0);
    for (const r of [ls, tested, region]) {
      expect(r.stdout + r.stderr).not.toMatch(/<account>|re-add|add it again/i);
      expect(r.stdout + r.stderr).not.toMatch(/\bNAME\b/);
    }
  });

  it('a new endpoint asks for the keys again; where nothing answers, nothing changes; where the server answers, it moves', async () => {
    const opts = { dataDir: await tempDir(), secrets: new MemorySecretStore() };
    const name = uniqueName('move');
    expect((await cli(['accounts', 'add', name, '--provider', 'ceph', '--endpoint-url', g().endpoint], { ...opts, input: rightKeys() })).code).toBe(0);
    // No keys piped: the move is refused before anything is sent or saved.
    const keyless = await cli(['accounts', 'update', name, '--endpoint-url', 'http://127.0.0.1:9'], opts);
    expect(keyless.code).toBe(2);
    expect(keyless.stderr).toMatch(new RegExp(`^ferry: accounts update ${name} needs an access key ID and a secret access key`));
    const nowhere = await cli(['accounts', 'update', name, '--endpoint-url', 'http://127.0.0.1:9'], { ...opts, input: rightKeys() });
    expect(nowhere.code).toBe(1);
    expectOneLine(nowhere, /failed at "reachable": Cannot reach http:\/\/127\.0\.0\.1:9/);
    expect((await settingsOf(opts.dataDir)).accounts[0]).toMatchObject({ endpoint: g().endpoint });
    const proxy = await startStubProxy(g().endpoint, () => undefined);
    try {
      const moved = await cli(['accounts', 'update', name, '--endpoint-url', `${proxy.endpoint}/`], { ...opts, input: rightKeys() });
      expect(moved).toEqual({ code: 0, stdout: `Changed "${name}" (new keys, endpoint ${g().endpoint} → ${proxy.endpoint}): its connection test passed.\n`, stderr: '' });
      expect((await settingsOf(opts.dataDir)).accounts[0]).toMatchObject({ endpoint: proxy.endpoint });
      expect(proxy.seen.length).toBeGreaterThan(0);
    } finally {
      await proxy.close();
    }
  });

  it('settings alone (addressing, region) need no keys; --no-test keeps a change untested', async () => {
    const opts = { dataDir: await tempDir(), secrets: new MemorySecretStore() };
    const name = uniqueName('style');
    expect((await cli(['accounts', 'add', name, '--provider', 'ceph', '--endpoint-url', g().endpoint], { ...opts, input: rightKeys() })).code).toBe(0);
    // The gateway on a loopback address takes no bucket label, so virtual-hosted addressing lists buckets but is not the account's.
    const region = await cli(['accounts', 'update', name, '--region', 'eu-central-1', '--json'], opts);
    expect(region.code, region.stderr).toBe(0);
    expect(JSON.parse(region.stdout)).toMatchObject({ name, region: 'eu-central-1' });
    const untested = await cli(['accounts', 'update', name, '--virtual-hosted', '--no-test'], opts);
    expect(untested).toEqual({ code: 0, stdout: `Changed "${name}" (addressing virtual-hosted) without a connection test: it is marked untested until one passes.\nTest it with: ferry accounts test ${name}\n`, stderr: '' });
    expect((await settingsOf(opts.dataDir)).accounts[0]).toMatchObject({ pathStyle: false, untested: true, region: 'eu-central-1' });
  });

  it('mistakes are said before any key is read: no such account, nothing to change, a bad region or endpoint, options update does not take', async () => {
    const { opts, name } = await mistyped();
    const before = await readFile(join(opts.dataDir, 'settings.json'), 'utf8');
    const cases: Array<[string[], number, RegExp]> = [
      [['accounts', 'update', 'nobody', '--keys'], 1, new RegExp(`^ferry: There is no account named "nobody"\\. Known accounts: ${name}\\.\\n$`)],
      [['accounts', 'update', name], 2, new RegExp(`^ferry: Say what to change: ferry accounts update ${name} --keys \\(new keys\\), --endpoint-url URL, --region R, or --path-style / --virtual-hosted\\. See: ferry --help\\n$`)],
      [['accounts', 'update', name, '--keys', '--region', 'bad region!'], 1, /^ferry: "bad region!" is not a region: /],
      [['accounts', 'update', name, '--keys', '--endpoint-url', 'ftp://x'], 1, /must start with https:\/\/ or http:\/\//],
      [['accounts', 'update', name, '--provider', 'minio'], 2, new RegExp(`^ferry: accounts update does not change --provider: add an account with it under a new name \\(ferry accounts add NEWNAME --provider …\\), then ferry accounts remove ${name}\\.`)],
      [['accounts', 'update'], 2, /^ferry: Usage: ferry accounts update NAME \[--keys\]/],
      [['accounts', 'update', name, '--path-style', '--virtual-hosted'], 2, /Choose one of --path-style and --virtual-hosted/],
    ];
    for (const [argv, code, message] of cases) {
      // Right keys on stdin, never taken: the mistake is said first.
      const r = await cli(argv, { ...opts, input: rightKeys() });
      expect(r.code, argv.join(' ')).toBe(code);
      expectOneLine(r, message);
      expect(r.stdout).toBe('');
    }
    expect(await readFile(join(opts.dataDir, 'settings.json'), 'utf8')).toBe(before);
    expect(await opts.secrets.get(name)).toMatchObject({ secretAccessKey: 'mistyped' });
  });

  it('a keychain entry Ferry cannot read is replaced by --keys (and put back as none when the test fails)', async () => {
    /** A keychain whose entry for the account is not one Ferry wrote, until new keys are set. */
    class Damaged extends MemorySecretStore {
      damaged = true;
      override async get(account: string): Promise<Credentials | undefined> {
        if (this.damaged) throw new FerryError('NO_CREDENTIALS', `The keychain entry for account "${account}" is not one Ferry wrote.`);
        return super.get(account);
      }
      override async set(account: string, credentials: Credentials): Promise<void> {
        this.damaged = false;
        return super.set(account, credentials);
      }
    }
    const { opts, name } = await mistyped();
    const secrets = new Damaged();
    const failed = await cli(['accounts', 'update', name, '--keys'], { dataDir: opts.dataDir, secrets, input: `${g().accessKeyId}\nwrong\n` });
    expect(failed.code).toBe(1);
    expect(await secrets.get(name)).toBeUndefined();
    const fixed = await cli(['accounts', 'update', name, '--keys'], { dataDir: opts.dataDir, secrets, input: rightKeys() });
    expect(fixed).toMatchObject({ code: 0, stderr: '' });
    expect(await secrets.get(name)).toEqual({ accessKeyId: g().accessKeyId, secretAccessKey: g().secretAccessKey });
  });
});
