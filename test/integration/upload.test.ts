import { GetObjectCommand, HeadObjectCommand, CreateBucketCommand, ListMultipartUploadsCommand } from '@aws-sdk/client-s3';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Connection } from '../../main/core/ferry';
import { MiB } from '../../main/core/transfers/plan';
import type { Progress } from '../../main/core/transfers/progress';
import { cliEnv, coreWithAccount, ferry, randomFile, sha256Stream, tempDir, uniqueName } from '../support/helpers';

describe('uploads against the real gateway', () => {
  let conn: Connection;
  let dir: string;
  const bucket = uniqueName('uploads');

  beforeAll(async () => {
    const { ferry, account } = await coreWithAccount();
    conn = await ferry.connect({ account }, { concurrency: 4 });
    dir = await tempDir();
    await conn.storage.client.send(new CreateBucketCommand({ Bucket: bucket }));
    return () => conn.close();
  });

  async function download(key: string) {
    const out = await conn.storage.client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    return sha256Stream(out.Body as Readable);
  }

  it('uploads a several-hundred-MiB file in parts, streamed, and the object has the same bytes', async () => {
    const size = 300 * MiB + 12_345;
    const src = await randomFile(dir, 'big.bin', size);
    const seen: Progress[] = [];
    const result = await conn.upload({ file: src.path, bucket, key: 'big.bin', partSize: 16 * MiB, onProgress: (p) => seen.push(p) });
    expect(result).toMatchObject({ size, parts: 19, partSize: 16 * MiB });
    expect(result.etag).toMatch(/-19"$/);
    expect(await download('big.bin')).toEqual({ sha256: src.sha256, size });
    // Progress is throttled, rises steadily and ends exactly at the file size.
    expect(seen.length).toBeGreaterThan(2);
    expect(seen.length).toBeLessThan(size / (256 * 1024));
    for (let i = 1; i < seen.length; i++) expect(seen[i]!.bytesDone).toBeGreaterThanOrEqual(seen[i - 1]!.bytesDone);
    expect(seen.at(-1)).toMatchObject({ bytesDone: size, totalBytes: size, done: true });
    await conn.storage.delete(bucket, 'big.bin');
  });

  it('cancelling aborts the multipart upload on the server: no parts stay behind', async () => {
    const src = await randomFile(dir, 'cancel.bin', 120 * MiB);
    const controller = new AbortController();
    let started = false;
    const upload = conn.upload({
      file: src.path,
      bucket,
      key: 'cancel.bin',
      partSize: 8 * MiB,
      signal: controller.signal,
      onProgress: (p) => {
        if (!started && p.bytesDone > 20 * MiB) {
          started = true;
          controller.abort();
        }
      },
    });
    await expect(upload).rejects.toMatchObject({ code: 'CANCELLED' });
    expect(started).toBe(true);
    const uploads = await conn.storage.client.send(new ListMultipartUploadsCommand({ Bucket: bucket }));
    expect(uploads.Uploads ?? []).toEqual([]);
    await expect(conn.storage.head(bucket, 'cancel.bin')).rejects.toMatchObject({ code: 'NO_SUCH_KEY' });
  });

  it('sends small and empty files as one PUT with a Content-Type from the extension', async () => {
    const empty = join(dir, 'empty.json');
    await writeFile(empty, '');
    const r = await conn.upload({ file: empty, bucket, key: 'empty.json' });
    expect(r).toMatchObject({ size: 0, parts: 1, contentType: 'application/json' });
    const head = await conn.storage.client.send(new HeadObjectCommand({ Bucket: bucket, Key: 'empty.json' }));
    expect(head.ContentLength).toBe(0);
    expect(head.ContentType).toBe('application/json');

    const src = await randomFile(dir, 'photo.png', 3 * MiB);
    await conn.upload({ file: src.path, bucket, key: 'photo.png' });
    expect((await conn.storage.head(bucket, 'photo.png')).contentType).toBe('image/png');
    expect(await download('photo.png')).toEqual({ sha256: src.sha256, size: 3 * MiB });
  });

  it('uses the account preset part size (Storj-style 64 MiB parts stay streamed)', async () => {
    const src = await randomFile(dir, 'preset.bin', 130 * MiB);
    const plans: Array<{ partSize: number; partCount: number }> = [];
    const r = await conn.upload({ file: src.path, bucket, key: 'preset.bin', partSize: 64 * MiB, onPlan: (p) => plans.push(p) });
    expect(plans).toEqual([expect.objectContaining({ multipart: true, partSize: 64 * MiB, partCount: 3 })]);
    expect(r.etag).toMatch(/-3"$/);
    expect(await download('preset.bin')).toEqual({ sha256: src.sha256, size: 130 * MiB });
    await conn.storage.delete(bucket, 'preset.bin');
  });
});

describe('ferry cp interrupted with Ctrl-C', () => {
  it('aborts the multipart upload on the server and exits 130 with one line', async () => {
    const { ferry: core, dataDir, account } = await coreWithAccount();
    const conn = await core.connect({ account });
    const bucket = uniqueName('sigint');
    await conn.storage.createBucket(bucket);
    const src = await randomFile(await tempDir(), 'big.bin', 400 * MiB);
    let sawUpload = false;
    const result = await ferry(['cp', src.path, `s3://${bucket}/big.bin`, '--concurrency', '1', '--part-size', '8MiB'], {
      env: cliEnv(dataDir),
      onSpawn: (child) => {
        const poll = setInterval(() => {
          void conn.storage.listMultipartUploads(bucket).then((uploads) => {
            if (uploads.length && !sawUpload) {
              sawUpload = true;
              clearInterval(poll);
              child.kill('SIGINT');
            }
          });
        }, 50);
        child.once('exit', () => clearInterval(poll));
      },
    });
    expect(sawUpload).toBe(true);
    expect(result.code).toBe(130);
    expect(result.stderr).toBe('ferry: Upload cancelled.\n');
    expect(await conn.storage.listMultipartUploads(bucket)).toEqual([]);
    await expect(conn.storage.head(bucket, 'big.bin')).rejects.toMatchObject({ code: 'NO_SUCH_KEY' });
    conn.close();
  });
});
