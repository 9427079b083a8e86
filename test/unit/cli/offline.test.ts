import { describe, expect, it } from 'vitest';
import { MemorySecretStore } from '../../../main/core/secrets/secrets';
import { tempDir } from '../../support/helpers-fs';
import { OFFLINE_AWS, cli } from './harness';

const URL_OF = /^http:\/\/127\.0\.0\.1:9\/bucket\/k\?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Content-Sha256=UNSIGNED-PAYLOAD&X-Amz-Credential=AKIDEXAMPLE%2F\d{8}%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date=\d{8}T\d{6}Z&X-Amz-Expires=(\d+)&X-Amz-Signature=[0-9a-f]{64}&X-Amz-SignedHeaders=host&response-content-disposition=attachment%3B%20filename%3D%22(.+?)%22&response-content-type=([^&]+)&x-id=GetObject$/;

describe('commands that need no server', () => {
  it('presign prints only the link on stdout; its expiry goes to stderr on a terminal', async () => {
    const r = await cli(['presign', 's3://bucket/k'], { env: OFFLINE_AWS });
    expect(r).toMatchObject({ code: 0, stderr: '' });
    expect(r.stdout).toMatch(/\n$/);
    expect(URL_OF.exec(r.stdout.trim())?.slice(1)).toEqual(['3600', 'k', 'application%2Foctet-stream']);
    const tty = await cli(['presign', 's3://bucket/k', '--filename', 'x.txt', '--expires-in', '7d'], { env: OFFLINE_AWS, stderrTTY: true });
    expect(URL_OF.exec(tty.stdout.trim())?.slice(1)).toEqual(['604800', 'x.txt', 'text%2Fplain%3B%20charset%3Dutf-8']);
    // In this machine's time (TZ), as ferry links shows times.
    expect(tty.stderr).toMatch(/^Expires \d{4}-\d\d-\d\d \d\d:\d\d, in 7 days\.\n$/);
    const before = Date.now();
    const tokyo = await cli(['presign', 's3://bucket/k', '--expires-in', '1h'], { env: { ...OFFLINE_AWS, TZ: 'Asia/Tokyo' }, stderrTTY: true });
    const inTokyo = (ms: number) => new Date(ms + 9 * 3600_000).toISOString().slice(0, 16).replace('T', ' ');
    expect([inTokyo(before + 3600_000), inTokyo(Date.now() + 3600_000)]).toContain(/^Expires (\S+ \S+), in 1 hour\.\n$/.exec(tokyo.stderr)?.[1]);
  });

  it('presign --json is the link record, and links lists what was signed', async () => {
    const dataDir = await tempDir();
    const r = await cli(['presign', 's3://bucket/k', '--json', '--expires-in', '90s'], { env: OFFLINE_AWS, dataDir });
    expect(r.code).toBe(0);
    const link = JSON.parse(r.stdout) as Record<string, unknown>;
    expect(Object.keys(link)).toEqual(['url', 'bucket', 'key', 'createdAt', 'expiresAt', 'lifetimeSeconds', 'limitedBy', 'temporaryCredentials']);
    expect(link).toMatchObject({ bucket: 'bucket', key: 'k', lifetimeSeconds: 90, limitedBy: 'expiry', temporaryCredentials: false });
    const listed = await cli(['links'], { env: OFFLINE_AWS, dataDir });
    expect(listed.code).toBe(0);
    expect(listed.stdout).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d {2}expires in (1 minute )?\d+ seconds {2}s3:\/\/bucket\/k\n$/);
    // Nothing answers there: the link is listed unmarked, and that is said once.
    expect(listed.stderr).toBe("ferry: could not check whether 1 link's files are still there: offline (Cannot reach http://127.0.0.1:9 (ECONNREFUSED)). It is listed unmarked.\n");
    const json = JSON.parse((await cli(['links', '--json'], { env: OFFLINE_AWS, dataDir })).stdout) as Array<Record<string, unknown>>;
    expect(json).toHaveLength(1);
    expect(json[0]).toMatchObject({ bucket: 'bucket', key: 'k', expired: false });
    expect(json[0]).not.toHaveProperty('objectGone');
  });

  it('empty histories', async () => {
    expect(await cli(['links'])).toEqual({ code: 0, stdout: 'No share links yet. Make one with: ferry share FILE s3://bucket/ (or ferry presign s3://bucket/key for an object already there)\n', stderr: '' });
    expect(await cli(['links', '--json'])).toEqual({ code: 0, stdout: '[]\n', stderr: '' });
    const unknown = await cli(['links', '--account', 'nope']);
    expect(unknown).toMatchObject({ code: 1, stdout: '' });
    expect(unknown.stderr).toMatch(/nope/);
    expect(await cli(['requests'])).toEqual({
      code: 0,
      stdout: 'No file requests yet. Make one with: ferry request s3://bucket/incoming/name/ --expires-in 3d --max-size 2GiB [--accept image/*] [--note TEXT] [--title TEXT]\n',
      stderr: '',
    });
    expect(await cli(['requests', '--json'])).toEqual({ code: 0, stdout: '[]\n', stderr: '' });
    expect(await cli(['accounts', 'list'])).toEqual({ code: 0, stdout: 'No accounts yet. Add one with: ferry accounts add NAME --provider storj\n', stderr: '' });
    expect(await cli(['accounts', 'list', '--json'])).toEqual({ code: 0, stdout: '[]\n', stderr: '' });
  });

  it('accounts: add with keys on stdin, list, default, remove', async () => {
    const dataDir = await tempDir();
    const secrets = new MemorySecretStore();
    const add = await cli(['accounts', 'add', 'work', '--provider', 'minio', '--endpoint-url', 'http://127.0.0.1:9000', '--path-style', '--part-size', '16MiB', '--no-test'], { dataDir, secrets, input: 'AKID\nSECRET\n' });
    expect(add).toEqual({
      code: 0,
      stdout: 'Added account "work" (MinIO, http://127.0.0.1:9000) without a connection test: it is marked untested until one passes. Its keys are in the system keychain.\nTest it with: ferry accounts test work\n',
      stderr: '',
    });
    expect(await secrets.get('work')).toEqual({ accessKeyId: 'AKID', secretAccessKey: 'SECRET' });
    const second = await cli(['accounts', 'add', 'home', '--access-key-id', 'AK2', '--default', '--json', '--no-test'], { dataDir, secrets, input: 'S2\n' });
    expect(second.code).toBe(0);
    expect(JSON.parse(second.stdout)).toMatchObject({ name: 'home', provider: 'aws' });
    expect((await cli(['accounts', 'list'], { dataDir, secrets })).stdout).toBe(
      [
        '  work                 MinIO                        http://127.0.0.1:9000  us-east-1  (untested: no connection test has passed)',
        '* home                 Amazon S3                    (AWS default)  us-east-1  (untested: no connection test has passed)',
        '',
      ].join('\n'),
    );
    expect(await cli(['accounts', 'default', 'work'], { dataDir, secrets })).toEqual({ code: 0, stdout: '"work" is now the default account.\n', stderr: '' });
    expect(await cli(['accounts', 'remove', 'home', '--json'], { dataDir, secrets })).toEqual({ code: 0, stdout: '{"removed":"home"}\n', stderr: '' });
    expect(await cli(['accounts', 'remove', 'work'], { dataDir, secrets })).toEqual({ code: 0, stdout: 'Removed account "work" and its keychain entry.\n', stderr: '' });
    expect(await cli(['accounts', 'default', 'nobody'], { dataDir, secrets })).toEqual({ code: 1, stdout: '', stderr: 'ferry: There is no account named "nobody"; no accounts are set up yet. Add one with: ferry accounts add nobody\n' });
  });

  it('--debug turns an unexpected error into its stack; without it, one line', async () => {
    const broken = { ...new MemorySecretStore(), get: () => Promise.reject(new TypeError('keychain exploded')) };
    const dataDir = await tempDir();
    await cli(['accounts', 'add', 'a', '--access-key-id', 'AK', '--no-test'], { dataDir, input: 'S\n' });
    const plain = await cli(['presign', 's3://bucket/k', '--account', 'a'], { dataDir, secrets: broken as unknown as MemorySecretStore });
    expect(plain).toEqual({ code: 1, stdout: '', stderr: 'ferry: unexpected error: keychain exploded (run again with --debug for details)\n' });
    const debug = await cli(['presign', 's3://bucket/k', '--account', 'a', '--debug'], { dataDir, secrets: broken as unknown as MemorySecretStore });
    expect(debug.code).toBe(1);
    expect(debug.stderr).toMatch(/^ferry: unexpected error: keychain exploded\nTypeError: keychain exploded\n {4}at /);
  });
});
