import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { describe, expect, it } from 'vitest';
import { servedAs } from '../../main/core/links/served';
import { FastPresigner } from '../../main/core/links/sigv4';

const creds = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY' };
const at = new Date('2026-11-29T12:34:56Z');

const cases = [
  { name: 'path-style endpoint (Ceph, MinIO, Storj)', endpoint: 'http://127.0.0.1:7480', region: 'us-east-1', pathStyle: true, checksums: false },
  { name: 'path-style endpoint with a base path', endpoint: 'https://storage.example.com/s3', region: 'eu-1', pathStyle: true, checksums: false },
  { name: 'virtual-hosted endpoint (R2, B2, Wasabi)', endpoint: 'https://acc123.r2.cloudflarestorage.com', region: 'auto', pathStyle: false, checksums: false },
  { name: 'virtual-hosted style asked of an IP endpoint (the SDK falls back to the path)', endpoint: 'http://127.0.0.1:7480', region: 'us-east-1', pathStyle: false, checksums: false },
  { name: 'AWS itself, us-east-1', endpoint: undefined, region: 'us-east-1', pathStyle: false, checksums: true },
  { name: 'AWS itself, eu-west-1', endpoint: undefined, region: 'eu-west-1', pathStyle: false, checksums: true },
];
/** Names the SDK puts in the host, and names it puts in the path even on a virtual-hosted endpoint (dots, capitals). */
const buckets = ['demo-bucket', 'my.dotted.bucket', 'Upper_Case', 'a--b'];
const keys = ['my-file.txt', 'dir/sub dir/a b+c%20#?=&.txt', 'résumé 日本語 📦 مرحبا.pdf', "quotes'(and)*stars!~", 'trailing/', 'sent/<svg onload=x>.svg', 'page.HTML'];

describe('FastPresigner', () => {
  for (const c of cases) {
    it(`signs exactly the URL the AWS SDK signs: ${c.name}`, async () => {
      for (const credentials of [creds, { ...creds, sessionToken: 'FwoGZXIvYXdzEJr//////////wEaDOk+token/with=chars' }]) {
        const client = new S3Client({
          region: c.region,
          ...(c.endpoint ? { endpoint: c.endpoint } : {}),
          forcePathStyle: c.pathStyle,
          credentials,
          ...(c.checksums ? {} : { requestChecksumCalculation: 'WHEN_REQUIRED' as const, responseChecksumValidation: 'WHEN_REQUIRED' as const }),
        });
        const fast = new FastPresigner({ endpoint: c.endpoint, region: c.region, pathStyle: c.pathStyle, checksumMode: c.checksums }, credentials);
        for (const bucket of buckets) {
          expect(fast.canSign(bucket), bucket).toBe(true);
          for (const key of keys) {
            for (const filename of [undefined, 'Q4 résumé "final".pdf', 'notes.html']) {
              const served = servedAs(key, filename ? { filename } : {});
              const sdk = await getSignedUrl(
                client,
                new GetObjectCommand({ Bucket: bucket, Key: key, ResponseContentType: served.contentType, ...(served.disposition ? { ResponseContentDisposition: served.disposition } : {}) }),
                { expiresIn: 604_800, signingDate: at },
              );
              expect(fast.presignGet(bucket, key, 604_800, at, served), `${bucket} ${key}`).toBe(sdk);
            }
          }
        }
      }
    });
  }

  it('leaves to the SDK only a name it would put in a host and cannot (punycode-like labels)', () => {
    expect(FastPresigner.supports({ region: 'us-east-1', pathStyle: false, checksumMode: true }, 'xn--abc')).toBe(false);
    expect(FastPresigner.supports({ endpoint: 'http://rgw', region: 'us-east-1', pathStyle: true, checksumMode: false }, 'xn--abc')).toBe(true);
  });
});
