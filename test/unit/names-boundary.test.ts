import { describe, expect, it } from 'vitest';
import { presignGet } from '../../main/core/links/presign';
import { FastPresigner } from '../../main/core/links/sigv4';
import { createS3Client } from '../../main/core/s3/client';
import { SdkClient } from '../../main/core/s3/sdk';
import { Storage } from '../../main/core/s3/storage';
import { requests } from '../../preload/contract';

const creds = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY' };
const clock = { now: () => Date.parse('2026-11-30T12:00:00Z') };
const hostile = ['evil.example/', 'evil.example:443', 'user@evil.example', 'a/b', 'ok?x=1', 'ok#frag', 'sp ace', 'ab', 'x'.repeat(256)];

/** Names enter through the IPC contract, the CLI and the core; each door checks them before any URL is built. */
describe('bucket names and keys at every door', () => {
  it('the IPC contract refuses bucket names with /, :, @ and other characters no bucket has', () => {
    for (const bucket of hostile) {
      expect(requests['links:create'].safeParse({ account: 'a', bucket, key: 'k', expiresIn: 60 }).success, bucket).toBe(false);
      expect(requests['uploads:add'].safeParse({ account: 'a', bucket, prefix: '', paths: ['/x'] }).success, bucket).toBe(false);
    }
    expect(requests['links:create'].safeParse({ account: 'a', bucket: 'Legacy_Bucket.1', key: 'k', expiresIn: 60 }).success).toBe(true);
  });

  it('keys are limited to 1,024 bytes of UTF-8, not characters', () => {
    const ok = 'é'.repeat(512); // 1,024 bytes
    const tooLong = 'é'.repeat(513); // 513 characters, 1,026 bytes
    expect(requests['links:create'].safeParse({ account: 'a', bucket: 'bucket', key: ok, expiresIn: 60 }).success).toBe(true);
    const r = requests['links:create'].safeParse({ account: 'a', bucket: 'bucket', key: tooLong, expiresIn: 60 });
    expect(r.success).toBe(false);
    expect(r.error?.issues[0]?.message).toBe('Object names can be at most 1,024 bytes long.');
  });

  for (const pathStyle of [false, true]) {
    it(`the presigner never lets a bucket name change the host (${pathStyle ? 'path-style' : 'virtual-hosted'})`, async () => {
      const target = { endpoint: 'https://acc123.r2.cloudflarestorage.com', region: 'auto', pathStyle, checksumMode: false };
      const fast = new FastPresigner(target, creds);
      const client = createS3Client({ name: 'x', provider: 'r2', endpoint: target.endpoint, region: 'auto', pathStyle, checksums: 'when-required', credentials: creds });
      for (const bucket of hostile) {
        expect(() => fast.presignGet(bucket, 'k', 60, new Date()), bucket).toThrow(/bucket name/);
        await expect(presignGet(() => client, creds, { bucket, key: 'k', expiresIn: 60 }, clock, fast), bucket).rejects.toMatchObject({ code: 'BAD_BUCKET_NAME' });
      }
      // A legal but not DNS-safe legacy name goes in the path, never into the host.
      const legacy = new URL((await presignGet(() => client, creds, { bucket: 'Legacy_Bucket', key: 'k', expiresIn: 60 }, clock, fast)).url);
      expect(legacy.host).toBe('acc123.r2.cloudflarestorage.com');
      const good = new URL((await presignGet(() => client, creds, { bucket: 'photos', key: 'k', expiresIn: 60 }, clock, fast)).url);
      expect(good.host).toBe(pathStyle ? 'acc123.r2.cloudflarestorage.com' : 'photos.acc123.r2.cloudflarestorage.com');
      await expect(presignGet(() => client, creds, { bucket: 'photos', key: 'é'.repeat(513), expiresIn: 60 }, clock, fast)).rejects.toThrow(/at most 1024 bytes|at most 1,024 bytes/);
      client.destroy();
    });
  }

  it('every storage operation checks the bucket before a request is built', async () => {
    const profile = { name: 'x', provider: 'r2' as const, endpoint: 'https://acc123.r2.cloudflarestorage.com', region: 'auto', pathStyle: false, checksums: 'when-required' as const, credentials: creds };
    const storage = new Storage(new SdkClient(profile), profile);
    await expect(storage.listPage('evil.example/')).rejects.toMatchObject({ code: 'BAD_BUCKET_NAME' });
    await expect(storage.head('user@evil', 'k')).rejects.toMatchObject({ code: 'BAD_BUCKET_NAME' });
    await expect(storage.delete('photos', 'é'.repeat(513))).rejects.toMatchObject({ code: 'BAD_S3_URL' });
    await expect(storage.abortMultipartUpload('a:b', 'k', 'id')).rejects.toMatchObject({ code: 'BAD_BUCKET_NAME' });
    storage.client.destroy();
  });
});
