import { createServer as createHttpServer } from 'node:http';
import { createServer, type Server } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accountFromInput } from '../../main/core/accounts/accounts';
import { Ferry } from '../../main/core/ferry';
import { MemorySecretStore } from '../../main/core/secrets/secrets';
import { gateway, tempDir } from '../support/helpers';

const keys = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY' };
const listen = (server: Server | ReturnType<typeof createHttpServer>) =>
  new Promise<string>((resolve) =>
    server.listen(0, '127.0.0.1', () => {
      const a = server.address();
      resolve(`http://127.0.0.1:${typeof a === 'object' && a ? a.port : 0}`);
    }),
  );

/** Where an account's keys are sent is decided only by someone who knows the keys. */
describe('account endpoints and the connection test', () => {
  let ssh: Server;
  let plain: ReturnType<typeof createHttpServer>;
  let sshUrl: string;
  let plainUrl: string;

  beforeAll(async () => {
    ssh = createServer((s) => s.end('SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3\r\n'));
    plain = createHttpServer((_req, res) => res.writeHead(200, { 'content-type': 'text/plain' }).end('hello'));
    [sshUrl, plainUrl] = await Promise.all([listen(ssh), listen(plain)]);
  });
  afterAll(() => {
    ssh.close();
    plain.close();
  });

  it('changing an endpoint without typing the keys again is refused; with them it works', async () => {
    const f = new Ferry({ dataDir: await tempDir(), secrets: new MemorySecretStore(), env: {} });
    await f.addAccount({ name: 'work', provider: 'ceph', endpoint: gateway().endpoint }, keys);
    await expect(f.updateAccount('work', { endpoint: 'https://attacker.example' })).rejects.toMatchObject({ code: 'BAD_CREDENTIALS', message: expect.stringMatching(/needs its access key ID and secret access key again/) });
    expect((await f.accounts.get('work')).endpoint).toBe(gateway().endpoint);
    // Region and addressing do not move the keys elsewhere.
    await f.updateAccount('work', { region: 'eu-1', pathStyle: true, endpoint: `${gateway().endpoint}/` });
    const moved = await f.updateAccount('work', { endpoint: 'https://s3.other.example' }, { accessKeyId: 'AKIDNEW', secretAccessKey: 'new-secret' });
    expect(moved.endpoint).toBe('https://s3.other.example');
  });

  it('link-local and cloud metadata addresses are refused as endpoints unless explicitly allowed', () => {
    const now = new Date();
    for (const endpoint of ['http://169.254.169.254', 'http://169.254.170.2:80/', 'http://[fe80::1]:9000', 'http://metadata.google.internal', 'http://[fd00:ec2::254]', 'http://100.100.100.200']) {
      expect(() => accountFromInput({ name: 'x', provider: 'minio', endpoint }, now), endpoint).toThrow(/link-local or cloud metadata address/);
    }
    expect(accountFromInput({ name: 'x', provider: 'minio', endpoint: 'http://169.254.10.10:9000', allowLinkLocal: true }, now).endpoint).toBe('http://169.254.10.10:9000');
    // Loopback and private addresses are where MinIO and Ceph usually run: allowed.
    expect(accountFromInput({ name: 'x', provider: 'minio', endpoint: 'http://127.0.0.1:9000' }, now).endpoint).toBe('http://127.0.0.1:9000');
  });

  it('"Test connection" passes a check only on evidence: an SSH banner is not S3 and accepts no keys', async () => {
    for (const [url, failing] of [
      [sshUrl, 'reachable'],
      [plainUrl, 'speaks S3'],
    ] as const) {
      const f = new Ferry({ dataDir: await tempDir(), secrets: new MemorySecretStore(), env: { AWS_ACCESS_KEY_ID: 'a', AWS_SECRET_ACCESS_KEY: 'b', AWS_ENDPOINT_URL: url } });
      const report = await f.testConnection();
      expect(report.ok, url).toBe(false);
      const failed = report.checks.find((c) => !c.ok);
      expect(failed?.name, JSON.stringify(report.checks)).toBe(failing);
      expect(report.checks.filter((c) => c.ok && (c.name === 'credentials accepted' || c.name === 'speaks S3'))).toEqual([]);
    }
  });

  it('"Test connection" on the real gateway: every check passes, and a wrong secret fails only the keys', async () => {
    const g = gateway();
    const good = new Ferry({ dataDir: await tempDir(), secrets: new MemorySecretStore(), env: { AWS_ACCESS_KEY_ID: g.accessKeyId, AWS_SECRET_ACCESS_KEY: g.secretAccessKey, AWS_ENDPOINT_URL: g.endpoint } });
    expect((await good.testConnection()).checks.map((c) => [c.name, c.ok])).toEqual([
      ['reachable', true],
      ['speaks S3', true],
      ['credentials accepted', true],
      ['can list buckets', true],
    ]);
    const bad = new Ferry({ dataDir: await tempDir(), secrets: new MemorySecretStore(), env: { AWS_ACCESS_KEY_ID: g.accessKeyId, AWS_SECRET_ACCESS_KEY: 'wrong', AWS_ENDPOINT_URL: g.endpoint } });
    expect((await bad.testConnection()).checks.map((c) => [c.name, c.ok])).toEqual([
      ['reachable', true],
      ['speaks S3', true],
      ['credentials accepted', false],
    ]);
  });
});
