/**
 * A listing names every key once, in order, or stops in words: pages a server repeats, a page
 * that says "more" without a token, names out of order (answered by script; the
 * real Storage and its lean requests read them from a server in the test).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Profile } from '../../main/core/s3/client';
import { SdkClient } from '../../main/core/s3/sdk';
import { Storage } from '../../main/core/s3/storage';
import { Wire } from '../../main/core/s3/wire';

type Page = { keys: string[]; next?: string; truncated?: boolean };

describe('a listing names every key once, in order, or stops in words (issue 21 review)', () => {
  let server: Server;
  let pages: Record<string, Page>;
  let storage: Storage;
  let wire: Wire;
  beforeAll(async () => {
    server = createServer((req, res) => {
      const token = new URL(req.url!, 'http://x').searchParams.get('continuation-token') ?? '';
      const p = pages[token]!;
      const truncated = p.truncated ?? p.next !== undefined;
      res.writeHead(200, { 'content-type': 'application/xml' });
      res.end(`<?xml version="1.0"?><ListBucketResult><Name>bkt</Name><IsTruncated>${truncated}</IsTruncated>${p.next ? `<NextContinuationToken>${p.next}</NextContinuationToken>` : ''}${p.keys.map((k) => `<Contents><Key>${k}</Key><Size>1</Size><ETag>"e"</ETag></Contents>`).join('')}</ListBucketResult>`);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const profile: Profile = { name: 't', provider: 'ceph', endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, region: 'us-east-1', pathStyle: true, checksums: 'when-required', credentials: { accessKeyId: 'AK', secretAccessKey: 'SK' } };
    wire = new Wire(profile);
    storage = new Storage(new SdkClient(profile), profile, wire);
  });
  afterAll(async () => {
    wire.destroy();
    storage.client.destroy();
    await new Promise<void>((r) => server.close(() => r()));
  });
  const listAll = async () => {
    const keys: string[] = [];
    for await (const page of storage.listObjects('bkt', '', { recursive: true })) keys.push(...page.objects.map((o) => o.key));
    return keys;
  };

  it('names a later page repeats are listed once', async () => {
    pages = { '': { keys: ['a', 'b', 'c'], next: 't1' }, t1: { keys: ['b', 'c', 'd'], next: 't2' }, t2: { keys: ['c', 'd', 'e'] } };
    expect(await listAll()).toEqual(['a', 'b', 'c', 'd', 'e']);
  });

  it('a name out of order stops the listing rather than skip it', async () => {
    pages = { '': { keys: ['a', 'm'], next: 't1' }, t1: { keys: ['b', 'z'] } };
    await expect(listAll()).rejects.toMatchObject({ code: 'S3_ERROR', message: expect.stringContaining('listed s3://bkt/b out of order') });
  });

  it('"more to come" without a token stops the listing rather than end it early', async () => {
    pages = { '': { keys: ['a', 'b'], truncated: true } };
    await expect(listAll()).rejects.toMatchObject({ code: 'S3_ERROR', message: expect.stringContaining('goes on but gave no token') });
  });

  it('an honest listing of many pages is whole', async () => {
    const all = Array.from({ length: 50 }, (_, i) => `k${String(i).padStart(3, '0')}`);
    pages = Object.fromEntries(Array.from({ length: 10 }, (_, p) => [p === 0 ? '' : `t${p}`, { keys: all.slice(p * 5, p * 5 + 5), ...(p < 9 ? { next: `t${p + 1}` } : {}) }]));
    expect(await listAll()).toEqual(all);
  });
});
