import { spawnSync } from 'node:child_process';
import { chmod, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startKeyring, type Keyring } from '../support/keyring';
import { freePort } from '../support/rgw';
import { addGatewayAccount, cliEnv, ferry, gateway, tempDir, uniqueName, type CliResult } from '../support/helpers';

/** A user's mistake gets exit code 1 and one line on stderr that says what to do; nothing on stdout, no stack trace. */
function expectOneLineError(r: CliResult, message: RegExp): void {
  expect(r.stdout).toBe('');
  expect(r.stderr).toMatch(/^ferry: [^\n]+\n$/);
  expect(r.stderr).not.toMatch(/\bat .+:\d+:\d+/);
  expect(r.stderr).toMatch(message);
  expect(r.code).toBe(1);
}

describe('errors a user can cause', () => {
  let dataDir: string;
  let env: NodeJS.ProcessEnv;
  let account: string;
  let work: string;
  let file: string;
  const bucket = uniqueName('errors');

  beforeAll(async () => {
    dataDir = await tempDir();
    env = cliEnv(dataDir);
    account = uniqueName('errs');
    expect((await addGatewayAccount(dataDir, account)).code).toBe(0);
    expect((await ferry(['mb', `s3://${bucket}`], { env })).code).toBe(0);
    work = await tempDir();
    file = join(work, 'file.txt');
    await writeFile(file, 'data');
  });

  it('a missing file', async () => {
    expectOneLineError(await ferry(['cp', join(work, 'nope.txt'), `s3://${bucket}/x`], { env }), /There is no file at .*nope\.txt\. Check the path/);
  });

  it('a folder where a file is expected: it needs --recursive, as with aws s3 cp', async () => {
    expect(await ferry(['cp', work, `s3://${bucket}/x`], { env })).toEqual({ code: 2, stdout: '', stderr: `ferry: ${work} is a folder; uploading a folder and everything in it needs --recursive. See: ferry --help\n` });
  });

  it('a file without read permission', async () => {
    const secret = join(work, 'private.txt');
    await writeFile(secret, 'private');
    await chmod(secret, 0o000);
    const r = await ferry(['cp', secret, `s3://${bucket}/private.txt`], { env, withoutRootFileAccess: true });
    expectOneLineError(r, /Cannot read .*private\.txt: permission denied/);
    // Nothing was uploaded.
    // Nothing was uploaded: ls of the key finds nothing, and fails as aws s3 ls does.
    expect(await ferry(['ls', `s3://${bucket}/private.txt`], { env })).toEqual({ code: 1, stdout: '', stderr: `ferry: Nothing in s3://${bucket} starts with "private.txt".\n` });
    // An empty bucket is only empty.
    const empty = uniqueName('empty');
    expect((await ferry(['mb', `s3://${empty}`], { env })).code).toBe(0);
    expect(await ferry(['ls', `s3://${empty}`], { env })).toEqual({ code: 0, stdout: '', stderr: '' });
  });

  it('aborting an upload by an ID that is not there says so, instead of "Nothing to abort"', async () => {
    expect(await ferry(['uploads', 'abort', `s3://${bucket}`, '--upload-id', 'bogus'], { env })).toEqual({
      code: 1,
      stdout: '',
      stderr: `ferry: No unfinished upload in s3://${bucket}/ has the ID bogus. See them with: ferry uploads ls s3://${bucket}/\n`,
    });
  });

  it('a bucket that does not exist', async () => {
    expectOneLineError(await ferry(['cp', file, 's3://no-such-bucket-here/x'], { env }), /bucket "no-such-bucket-here" does not exist.*ferry mb s3:\/\/no-such-bucket-here/);
    expectOneLineError(await ferry(['ls', 's3://no-such-bucket-here'], { env }), /does not exist/);
  });

  it('an object that does not exist', async () => {
    expectOneLineError(await ferry(['rm', `s3://${bucket}/missing.txt`], { env }), /There is no object s3:\/\/.*missing\.txt/);
  });

  it('a wrong access key ID, and a wrong secret key', async () => {
    const g = gateway();
    const badKey = cliEnv(dataDir, { AWS_ACCESS_KEY_ID: 'NOSUCHKEY0000000000', AWS_SECRET_ACCESS_KEY: g.secretAccessKey, AWS_ENDPOINT_URL: g.endpoint });
    // Keys from AWS_* variables are no account: the advice is the variables, never ferry accounts update.
    expectOneLineError(await ferry(['ls'], { env: badKey }), /does not know this access key ID\. Check AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY: this command took its keys from them\.\n$/);
    const badSecret = cliEnv(dataDir, { AWS_ACCESS_KEY_ID: g.accessKeyId, AWS_SECRET_ACCESS_KEY: 'wrong-secret', AWS_ENDPOINT_URL: g.endpoint });
    const r = await ferry(['cp', file, `s3://${bucket}/x`], { env: badSecret });
    expectOneLineError(r, /secret access key is wrong.*Check AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY/);
    expect(r.stderr).not.toMatch(/accounts update|<account>/);
    expect(r.stderr).not.toContain('wrong-secret');
  });

  describe('endpoints', () => {
    let web: Server;
    let webUrl: string;
    beforeAll(async () => {
      web = createServer((_req, res) => {
        res.writeHead(200, { 'content-type': 'text/html' });
        res.end('<!doctype html><html><body><h1>Welcome to nginx!</h1></body></html>');
      });
      await new Promise<void>((r) => web.listen(0, '127.0.0.1', r));
      const addr = web.address();
      webUrl = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
    });
    afterAll(() => new Promise<void>((r) => web.close(() => r())));

    it('an endpoint nobody answers at', async () => {
      const port = await freePort();
      expectOneLineError(await ferry(['ls', '--endpoint-url', `http://127.0.0.1:${port}`], { env }), /Cannot reach http:\/\/127\.0\.0\.1:\d+ \(ECONNREFUSED\)/);
    });

    it('an endpoint that is a web server, not S3', async () => {
      expectOneLineError(await ferry(['ls', '--endpoint-url', webUrl], { env }), /answered, but not like an S3 service/);
      const test = await ferry(['accounts', 'test', '--endpoint-url', webUrl], { env });
      expect(test.code).toBe(1);
      expect(test.stdout).toMatch(/ok\s+reachable/);
      expect(test.stdout).toMatch(/FAIL speaks S3/);
    });
  });

  it('an unknown account name', async () => {
    expectOneLineError(await ferry(['ls', '--account', 'nobody'], { env }), new RegExp(`no account named "nobody". Known accounts: ${account}`));
  });

  it('--debug adds the stack trace', async () => {
    const r = await ferry(['ls', 's3://no-such-bucket-here', '--debug'], { env });
    expect(r.code).toBe(1);
    expect(r.stderr.split('\n').length).toBeGreaterThan(3);
    expect(r.stderr).toMatch(/NoSuchBucket/);
  });

  describe('the keychain', () => {
    it('unavailable: says so and stores nothing anywhere', async () => {
      const dir = await tempDir();
      const g = gateway();
      const noBus = cliEnv(dir, { DBUS_SESSION_BUS_ADDRESS: 'unix:path=/nonexistent/bus' });
      const r = await ferry(['accounts', 'add', 'nokeychain', '--provider', 'ceph', '--endpoint-url', g.endpoint], { env: noBus, input: `${g.accessKeyId}\n${g.secretAccessKey}\n` });
      expectOneLineError(r, /keychain is not available.*never falls back to a plain-text file/);
      expect(spawnSync('ls', ['-A', dir], { encoding: 'utf8' }).stdout).toBe('');
    });

    describe('locked', () => {
      let keyring: Keyring;
      let lockedEnv: NodeJS.ProcessEnv;
      beforeAll(async () => {
        keyring = await startKeyring();
        const dir = await tempDir();
        lockedEnv = cliEnv(dir, keyring.env);
        const g = gateway();
        const added = await ferry(['accounts', 'add', 'before-lock', '--provider', 'ceph', '--endpoint-url', g.endpoint], { env: lockedEnv, input: `${g.accessKeyId}\n${g.secretAccessKey}\n` });
        expect(added.code).toBe(0);
        const lock = spawnSync(
          'dbus-send',
          ['--session', '--print-reply', '--dest=org.freedesktop.secrets', '/org/freedesktop/secrets', 'org.freedesktop.Secret.Service.Lock', 'array:objpath:/org/freedesktop/secrets/collection/login'],
          { env: { ...process.env, ...keyring.env }, encoding: 'utf8' },
        );
        expect(lock.status).toBe(0);
      });
      afterAll(() => keyring.stop());

      it('adding an account says to unlock it and writes no settings', async () => {
        const g = gateway();
        const r = await ferry(['accounts', 'add', 'after-lock', '--provider', 'ceph', '--endpoint-url', g.endpoint], { env: lockedEnv, input: `${g.accessKeyId}\n${g.secretAccessKey}\n` });
        expectOneLineError(r, /keychain is locked\. Unlock it/);
        const list = await ferry(['accounts', 'list', '--json'], { env: lockedEnv });
        expect((JSON.parse(list.stdout) as Array<{ name: string }>).map((a) => a.name)).toEqual(['before-lock']);
      });

      it('using an account says its keys cannot be read and mentions the lock', async () => {
        expectOneLineError(await ferry(['ls', '--account', 'before-lock'], { env: lockedEnv }), /keychain has no credentials for account "before-lock" \(a locked keychain also hides them\)/);
      });
    });
  });
});
