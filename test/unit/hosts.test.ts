import type { LookupAddress } from 'node:dns';
import { createServer } from 'node:http';
import { describe, expect, it } from 'vitest';
import { accountFromInput } from '../../main/core/accounts/accounts';
import { Ferry } from '../../main/core/ferry';
import { FastPresigner } from '../../main/core/links/sigv4';
import { createS3Client } from '../../main/core/s3/client';
import { checkRegion, forbiddenAddress, forbiddenHost } from '../../main/core/s3/hosts';
import { MemorySecretStore } from '../../main/core/secrets/secrets';
import { tempDir } from '../support/helpers-fs';

const keys = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY' };
const now = new Date();

/** A resolver that answers from a table, as a hostile or rebinding DNS would. */
function fakeDns(table: Record<string, string[]>) {
  return ((host: string, opts: unknown, cb: (err: NodeJS.ErrnoException | null, addresses: LookupAddress[]) => void) => {
    const found = table[host];
    if (!found) return cb(Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: 'ENOTFOUND' }), []);
    cb(null, found.map((address) => ({ address, family: address.includes(':') ? 6 : 4 })));
  }) as unknown as typeof import('node:dns').lookup;
}

describe('regions are host names', () => {
  it('a region that is not a DNS name is refused before any URL is built, at every door', () => {
    for (const region of ['evil.example/collect#', 'us-east-1/', 'a b', 'x?y', 'eu@1', '', 'a..b', '-lead', 'x'.repeat(65)]) {
      expect(() => checkRegion(region), region).toThrow(/is not a region/);
      expect(() => accountFromInput({ name: 'x', provider: 'aws', region }, now), region).toThrow(/region/);
      expect(() => new FastPresigner({ region, pathStyle: false, checksumMode: true }, keys), region).toThrow(/is not a region/);
      expect(() => createS3Client({ name: 'x', provider: 'aws', region, pathStyle: false, checksums: 'when-supported', credentials: keys }), region).toThrow(/is not a region/);
    }
    for (const region of ['us-east-1', 'auto', 'us-west-004', 'eu-central-2', 'US-1', 'rgw.zone-a']) expect(() => checkRegion(region), region).not.toThrow();
  });

  it('a region from the environment, the command line or hand-edited settings is checked too', async () => {
    const env = new Ferry({ dataDir: await tempDir(), secrets: new MemorySecretStore(), env: { AWS_ACCESS_KEY_ID: 'a', AWS_SECRET_ACCESS_KEY: 'b', AWS_REGION: 'evil.example/collect#' } });
    await expect(env.share({}, { bucket: 'bucket', key: 'k', expiresIn: 60 })).rejects.toThrow(/is not a region/);
    const f = new Ferry({ dataDir: await tempDir(), secrets: new MemorySecretStore(), env: {} });
    await f.addAccount({ name: 'a', provider: 'aws' }, keys);
    await expect(f.share({ account: 'a', region: 'x.evil/' }, { bucket: 'bucket', key: 'k', expiresIn: 60 })).rejects.toThrow(/is not a region/);
    await expect(f.updateAccount('a', { region: 'evil.example/collect#' })).rejects.toThrow(/is not a region/);
  });
});

describe('link-local and metadata endpoints are judged by address, not spelling', () => {
  it('every spelling of the metadata address is refused', () => {
    const forbidden = [
      '169.254.169.254',
      '[::ffff:169.254.169.254]',
      '[::ffff:a9fe:a9fe]',
      '[::ffff:0:a9fe:a9fe]',
      '[::169.254.169.254]',
      '[64:ff9b::a9fe:a9fe]',
      '[64:ff9b::169.254.169.254]',
      '[64:ff9b:1::a9fe:a9fe]',
      '[2002:a9fe:a9fe::1]',
      '[fe80::1]',
      '[FE80::abcd]',
      '[fd00:ec2::254]',
      '100.100.100.200',
      'metadata.google.internal',
      'metadata.google.internal.',
      'METADATA.GOOGLE.INTERNAL..',
    ];
    for (const host of forbidden) expect(forbiddenHost(new URL(`http://${host}/`).hostname), host).toMatch(/link-local or cloud metadata address/);
    // What new URL() makes of other spellings of the same address.
    for (const url of ['http://0xa9.0xfe.0xa9.0xfe/', 'http://2852039166/', 'http://0251.0376.0251.0376/', 'http://169.254.169.254.:80/']) {
      expect(() => accountFromInput({ name: 'x', provider: 'minio', endpoint: url }, now), url).toThrow(/link-local or cloud metadata address/);
    }
    for (const ok of ['127.0.0.1', '[::1]', '10.0.0.5', '192.168.1.20', '[2001:db8::1]', '[::ffff:10.0.0.1]', 's3.example.com']) expect(forbiddenHost(new URL(`http://${ok}/`).hostname), ok).toBeUndefined();
    expect(forbiddenAddress('::')).toBeUndefined();
  });

  it('a name that resolves to the metadata address is refused when the account is added', async () => {
    const lookup = fakeDns({ '169.254.169.254.nip.io': ['169.254.169.254'], 'twofaced.example': ['203.0.113.7', '64:ff9b::a9fe:a9fe'], 's3.example.com': ['203.0.113.9'] });
    const f = new Ferry({ dataDir: await tempDir(), secrets: new MemorySecretStore(), env: {}, network: { lookup } });
    for (const host of ['169.254.169.254.nip.io', 'twofaced.example']) {
      await expect(f.addAccount({ name: 'x', provider: 'minio', endpoint: `http://${host}:9000` }, keys), host).rejects.toMatchObject({ code: 'BAD_ENDPOINT', message: expect.stringMatching(/resolves to .*link-local or cloud metadata address/) });
    }
    expect(await f.listAccounts()).toEqual([]);
    await f.addAccount({ name: 'ok', provider: 'minio', endpoint: 'http://s3.example.com:9000' }, keys);
    await expect(f.updateAccount('ok', { endpoint: 'http://169.254.169.254.nip.io' }, keys)).rejects.toThrow(/resolves to/);
  });

  it('every connection resolves afresh: a name that later points at the metadata address is refused then, before a byte is sent', async () => {
    let hits = 0;
    const server = createServer((_req, res) => {
      hits++;
      res.end();
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as { port: number }).port;
    const table: Record<string, string[]> = { 'rebind.example': ['127.0.0.1'] };
    const f = new Ferry({ dataDir: await tempDir(), secrets: new MemorySecretStore(), env: {}, network: { lookup: fakeDns(table) } });
    await f.addAccount({ name: 'r', provider: 'minio', endpoint: `http://rebind.example:${port}` }, keys);
    // Now the name points at the metadata service (mapped into IPv6, as a NAT64 resolver would).
    table['rebind.example'] = ['::ffff:169.254.169.254'];
    const conn = await f.connect({ account: 'r' });
    await expect(conn.storage.listBuckets()).rejects.toMatchObject({ code: 'BAD_ENDPOINT', message: expect.stringMatching(/rebind.example resolves to .*169.254.169.254/) });
    conn.close();
    expect(hits).toBe(0);
    server.close();
  });

  it('an account allowed a link-local endpoint (--allow-link-local-endpoint) keeps that permission', async () => {
    const f = new Ferry({ dataDir: await tempDir(), secrets: new MemorySecretStore(), env: {} });
    await f.addAccount({ name: 'imds', provider: 'minio', endpoint: 'http://169.254.10.10:9000', allowLinkLocal: true }, keys);
    expect((await f.accounts.get('imds')).allowLinkLocal).toBe(true);
    const conn = await f.connect({ account: 'imds' });
    conn.close();
  });
});
