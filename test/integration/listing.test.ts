import { CreateBucketCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Connection } from '../../main/core/ferry';
import { cliEnv, coreWithAccount, ferry, uniqueName } from '../support/helpers';

describe('listing a bucket with more keys than one page holds', () => {
  let conn: Connection;
  let env: NodeJS.ProcessEnv;
  let account: string;
  const bucket = uniqueName('many');
  const total = 1_150;

  beforeAll(async () => {
    const core = await coreWithAccount();
    account = core.account;
    env = cliEnv(core.dataDir);
    conn = await core.ferry.connect({ account });
    await conn.storage.client.send(new CreateBucketCommand({ Bucket: bucket }));
    const keys = Array.from({ length: total }, (_, i) => (i < 1_100 ? `flat/key-${String(i).padStart(5, '0')}` : `nested/d${i % 5}/k${i}`));
    for (let i = 0; i < keys.length; i += 32) {
      await Promise.all(keys.slice(i, i + 32).map((Key) => conn.storage.client.send(new PutObjectCommand({ Bucket: bucket, Key, Body: 'x' }))));
    }
    return () => conn.close();
  }, 180_000);

  it('follows continuation tokens to the end, one page in memory at a time', async () => {
    const pageSizes: number[] = [];
    const seen = new Set<string>();
    for await (const page of conn.storage.listObjects(bucket, 'flat/', { recursive: true, pageSize: 400 })) {
      pageSizes.push(page.objects.length);
      for (const o of page.objects) seen.add(o.key);
    }
    expect(pageSizes).toEqual([400, 400, 300]);
    expect(seen.size).toBe(1_100);
  });

  it('pages past 1,000 keys with the server default page size', async () => {
    let count = 0;
    let pages = 0;
    for await (const page of conn.storage.listObjects(bucket, '', { recursive: true })) {
      pages++;
      count += page.objects.length;
    }
    expect(pages).toBe(2);
    expect(count).toBe(total);
  });

  it('shows folders as prefixes one level at a time', async () => {
    const folders: string[] = [];
    for await (const page of conn.storage.listObjects(bucket, 'nested/')) folders.push(...page.folders);
    expect(folders).toEqual(['nested/d0/', 'nested/d1/', 'nested/d2/', 'nested/d3/', 'nested/d4/']);
  });

  it('ferry ls --recursive prints every key', async () => {
    const r = await ferry(['ls', `s3://${bucket}`, '--recursive', '--account', account], { env });
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines).toHaveLength(total);
    expect(lines[0]).toMatch(/\s1 flat\/key-00000$/);
  });
});
