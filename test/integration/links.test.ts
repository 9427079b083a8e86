import { CreateBucketCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Connection } from '../../main/core/ferry';
import { coreWithAccount, uniqueName } from '../support/helpers';

describe('share links against the real gateway', () => {
  let conn: Connection;
  const bucket = uniqueName('links');
  const body = Buffer.from(Array.from({ length: 70_000 }, (_, i) => i % 251));

  beforeAll(async () => {
    const { ferry, account } = await coreWithAccount();
    conn = await ferry.connect({ account });
    await conn.storage.client.send(new CreateBucketCommand({ Bucket: bucket }));
    await conn.storage.client.send(new PutObjectCommand({ Bucket: bucket, Key: 'data.bin', Body: body }));
    return () => conn.close();
  });

  it('serves exactly the uploaded bytes over plain HTTP', async () => {
    const link = await conn.share({ bucket, key: 'data.bin', expiresIn: 600 });
    const res = await fetch(link.url);
    expect(res.status).toBe(200);
    expect(Buffer.from(await res.arrayBuffer()).equals(body)).toBe(true);
  });

  it('gets 403 when the signature is tampered with', async () => {
    const link = await conn.share({ bucket, key: 'data.bin', expiresIn: 600 });
    const url = new URL(link.url);
    const sig = url.searchParams.get('X-Amz-Signature')!;
    url.searchParams.set('X-Amz-Signature', `${sig[0] === 'a' ? 'b' : 'a'}${sig.slice(1)}`);
    expect((await fetch(url)).status).toBe(403);
    // Asking for a different object with the same signature fails too.
    const other = new URL(link.url);
    other.pathname = other.pathname.replace('data.bin', 'other.bin');
    expect((await fetch(other)).status).toBe(403);
  });

  it('gets 403 once the link has expired', async () => {
    const link = await conn.share({ bucket, key: 'data.bin', expiresIn: 1 });
    expect(link.lifetimeSeconds).toBe(1);
    await new Promise((r) => setTimeout(r, Math.max(0, Date.parse(link.expiresAt) - Date.now()) + 1500));
    const res = await fetch(link.url);
    expect(res.status).toBe(403);
    expect(await res.text()).toMatch(/AccessDenied|expired/i);
  });

  it.each([
    'with spaces and + plus.txt',
    'percent%20and%2Fslash.txt',
    'hash#and?question=1&x.txt',
    'unicode/résumé-日本語-📦.txt',
    'rtl/مرحبا بالعالم.txt',
  ])('opens the same object for the key %j', async (key) => {
    const content = `content of ${key}`;
    await conn.storage.client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: content }));
    const link = await conn.share({ bucket, key, expiresIn: 60 });
    const res = await fetch(link.url);
    expect(res.status).toBe(200);
    expect(await res.text()).toBe(content);
  });
});
