/**
 * The lean request path forms each request as the AWS SDK forms it: the same method, scheme,
 * host, port, path and query, the same headers (less the SDK's own bookkeeping, and the CRC32 it
 * adds beside Content-MD5 on AWS), and the Authorization the SDK's signer computes. The SDK's
 * request is caught at its HTTP handler, so the oracle is the client Ferry uses for everything else.
 */
import { GetObjectCommand, HeadObjectCommand, PutObjectCommand, S3Client, UploadPartCommand } from '@aws-sdk/client-s3';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { presetEndpoint, PRESETS, type Provider } from '../../main/core/accounts/presets';
import type { Profile } from '../../main/core/s3/client';
import { getObjectRequest, headObjectRequest, putObjectRequest, uploadPartRequest, Wire, type WireRequest } from '../../main/core/s3/wire';
import { sdkSign } from '../support/sdk-sign';

interface Caught {
  method: string;
  protocol: string;
  hostname: string;
  port?: number;
  path: string;
  query: Record<string, string | string[] | null>;
  headers: Record<string, string>;
}

/** The SDK's headers that are its own bookkeeping, and the CRC32 it adds on AWS (Ferry sends Content-MD5, which every server checks). */
const SDK_ONLY = new Set(['user-agent', 'x-amz-user-agent', 'amz-sdk-invocation-id', 'amz-sdk-request', 'authorization', 'x-amz-sdk-checksum-algorithm', 'x-amz-checksum-crc32', 'x-amz-checksum-mode']);

function sdkClient(profile: Profile, caught: Caught[]) {
  const handler = {
    handle: async (req: Caught) => {
      caught.push(req);
      // An answer that ends the request without a body to read.
      throw Object.assign(new Error('caught'), { name: 'Caught' });
    },
    updateHttpClientConfig() {},
    httpHandlerConfigs: () => ({}),
  };
  return new S3Client({
    region: profile.region,
    forcePathStyle: profile.pathStyle,
    credentials: profile.credentials,
    maxAttempts: 1,
    logger: { trace() {}, debug() {}, info() {}, warn() {}, error() {} },
    requestHandler: handler as never,
    ...(profile.endpoint ? { endpoint: profile.endpoint } : {}),
    ...(profile.checksums === 'when-required' ? { requestChecksumCalculation: 'WHEN_REQUIRED' as const, responseChecksumValidation: 'WHEN_REQUIRED' as const } : {}),
  });
}

const pairs = (q: Record<string, string | string[] | null>) =>
  Object.entries(q)
    .flatMap(([k, v]) => (Array.isArray(v) ? v.map((x) => `${k}=${x}`) : [`${k}=${v ?? ''}`]))
    .sort();
const dateOf = (amz: string) => new Date(`${amz.slice(0, 4)}-${amz.slice(4, 6)}-${amz.slice(6, 8)}T${amz.slice(9, 11)}:${amz.slice(11, 13)}:${amz.slice(13, 15)}Z`);
const lower = (h: Record<string, string>) => Object.fromEntries(Object.entries(h).map(([k, v]) => [k.toLowerCase(), v]));

const KEYS = ['photo.jpg', 'a b/c+d=e.txt', 'ünïcödé/日本語.png', "it's (1) [x] !*~.txt", 'a//b/', '%41%2F', 'dir/.hidden', '../up', 'q?x#y&z;=@$,'];
const BUCKETS = ['photos', 'my-bucket-2026', 'a.b.c', 'Upper_Case', 'a--b', 'x'.repeat(63), 'photos.', '-dash', 'xn--abc', '192.168.1.1'];
const BODY = Buffer.from('hello, world\n');
const MD5 = 'kHfx5WcGkAnJNQJSDQdnzw==';

const ENDPOINTS: Array<[string, Provider, string | undefined, string]> = [
  ['AWS, us-east-1', 'aws', undefined, 'us-east-1'],
  ['AWS, eu-central-1', 'aws', undefined, 'eu-central-1'],
  ['Storj preset', 'storj', presetEndpoint('storj', 'us-1'), 'us-1'],
  ['MinIO on a port', 'minio', 'http://localhost:9000', 'us-east-1'],
  ['Cloudflare R2', 'r2', 'https://0123456789abcdef.r2.cloudflarestorage.com', 'auto'],
  ['Backblaze B2 preset', 'b2', presetEndpoint('b2', 'us-west-004'), 'us-west-004'],
  ['Wasabi preset', 'wasabi', presetEndpoint('wasabi', 'eu-central-2'), 'eu-central-2'],
  ['Ceph by IP', 'ceph', 'http://127.0.0.1:7480', 'us-east-1'],
  ['Ceph by IPv6', 'ceph', 'http://[::1]:7480', 'us-east-1'],
  ['MinIO under a path', 'minio', 'https://storage.example.org/s3', 'us-east-1'],
  ['Other, https on a port', 'other', 'https://s3.example.net:8443', 'us-east-1'],
];

describe('the lean request path forms requests as the SDK does (issue 21)', () => {
  for (const [label, provider, endpoint, region] of ENDPOINTS) {
    for (const pathStyle of [PRESETS[provider].pathStyle, !PRESETS[provider].pathStyle]) {
      for (const sessionToken of [undefined, 'FwoGZXIvYXdzE//////////token+with/slashes==']) {
        const profile: Profile = {
          name: 't',
          provider,
          ...(endpoint ? { endpoint } : {}),
          region,
          pathStyle,
          checksums: PRESETS[provider].checksums,
          credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY', ...(sessionToken ? { sessionToken } : {}) },
        };
        it(`${label}, ${pathStyle ? 'path' : 'virtual-hosted'} style${sessionToken ? ', session token' : ''}: PutObject, UploadPart (held and streamed), ranged GetObject and HeadObject (of the object and of a part)`, async () => {
          const wire = new Wire(profile);
          const caught: Caught[] = [];
          const sdk = sdkClient(profile, caught);
          let compared = 0;
          for (const bucket of BUCKETS) {
            expect(wire.supports(bucket), bucket).toBe(pathStyle || !bucket.startsWith('xn--'));
            if (!wire.supports(bucket)) continue;
            for (const key of KEYS) {
              const cases: Array<[string, () => Promise<unknown>, WireRequest]> = [
                [
                  'PutObject',
                  () => sdk.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: BODY, ContentLength: BODY.length, ContentMD5: MD5, ContentType: 'text/plain', IfNoneMatch: '*' })),
                  putObjectRequest({ Bucket: bucket, Key: key, Body: BODY, ContentLength: BODY.length, ContentMD5: MD5, ContentType: 'text/plain', IfNoneMatch: '*' }),
                ],
                [
                  'UploadPart, held',
                  () => sdk.send(new UploadPartCommand({ Bucket: bucket, Key: key, UploadId: '2~abc+/=DEF', PartNumber: 7, Body: BODY, ContentLength: BODY.length, ContentMD5: MD5 })),
                  uploadPartRequest({ Bucket: bucket, Key: key, UploadId: '2~abc+/=DEF', PartNumber: 7, Body: BODY, ContentLength: BODY.length, ContentMD5: MD5 }),
                ],
                [
                  'UploadPart, streamed',
                  () => sdk.send(new UploadPartCommand({ Bucket: bucket, Key: key, UploadId: 'u1', PartNumber: 10000, Body: Readable.from([BODY]), ContentLength: BODY.length, ContentMD5: MD5 })),
                  uploadPartRequest({ Bucket: bucket, Key: key, UploadId: 'u1', PartNumber: 10000, Body: Readable.from([BODY]), ContentLength: BODY.length, ContentMD5: MD5 }),
                ],
                ['GetObject', () => sdk.send(new GetObjectCommand({ Bucket: bucket, Key: key, Range: 'bytes=1048576-2097151', IfMatch: '"0123-4"' })), getObjectRequest({ Bucket: bucket, Key: key, Range: 'bytes=1048576-2097151', IfMatch: '"0123-4"' })],
                ['HeadObject', () => sdk.send(new HeadObjectCommand({ Bucket: bucket, Key: key })), headObjectRequest({ Bucket: bucket, Key: key })],
                ['HeadObject, one part', () => sdk.send(new HeadObjectCommand({ Bucket: bucket, Key: key, PartNumber: 1 })), headObjectRequest({ Bucket: bucket, Key: key, PartNumber: 1 })],
              ];
              for (const [op, viaSdk, lean] of cases) {
                const name = `${op} s3://${bucket}/${key}`;
                await viaSdk().catch((e: { name?: string }) => {
                  if (e.name !== 'Caught') throw e;
                });
                const theirs = caught.pop()!;
                if (op === 'UploadPart, streamed' && profile.checksums === 'when-supported') {
                  // On AWS the SDK frames a streamed body as aws-chunked to carry its CRC32 trailer;
                  // Ferry sends the body as it is, with the Content-MD5 S3 checks.
                  expect(theirs.headers['content-encoding'], name).toBe('aws-chunked');
                  continue;
                }
                const at = dateOf(theirs.headers['x-amz-date']!);
                const mine = wire.form(lean, at);
                expect({ protocol: mine.address.protocol, hostname: mine.address.hostname, port: mine.address.port, method: lean.method, path: mine.address.path }, name).toEqual({
                  protocol: theirs.protocol,
                  hostname: theirs.hostname,
                  port: theirs.port ?? (theirs.protocol === 'https:' ? 443 : 80),
                  method: theirs.method,
                  path: theirs.path,
                });
                expect(mine.query.map(([k, v]) => `${k}=${v}`).sort(), name).toEqual(pairs(theirs.query));
                const sdkHeaders = Object.fromEntries(Object.entries(lower(theirs.headers)).filter(([k]) => !SDK_ONLY.has(k)));
                const { authorization, ...rest } = lower(mine.headers);
                expect(rest, name).toEqual(sdkHeaders);
                // Signed as the SDK's signer signs this very request.
                const oracle = await sdkSign({ method: lean.method, host: mine.address.host, path: mine.address.path, query: mine.query, headers: lean.headers, payloadHash: lean.payloadHash }, profile.credentials, region, at);
                expect(authorization, name).toBe(oracle.authorization);
                compared++;
              }
            }
          }
          expect(compared).toBeGreaterThanOrEqual(2 * KEYS.length * 3);
          wire.destroy();
        });
      }
    }
  }
});
