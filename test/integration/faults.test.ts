import { GetObjectCommand } from '@aws-sdk/client-s3';
import type { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Ferry, type Connection } from '../../main/core/ferry';
import { MemorySecretStore } from '../../main/core/secrets/secrets';
import { MiB } from '../../main/core/transfers/plan';
import { startFaultProxy, type FaultProxy } from '../support/fault-proxy';
import { gateway, randomFile, sha256Stream, tempDir, uniqueName } from '../support/helpers';
import { startRgwInstance } from '../support/rgw';

/** Uploads through a misbehaving network, and through a gateway that goes away and comes back. */
describe('transfers that survive faults', () => {
  let proxy: FaultProxy;
  let direct: Connection;
  let dataDir: string;
  const bucket = uniqueName('faults');

  const connect = async (endpoint: string, network: ConstructorParameters<typeof Ferry>[0]['network'] = {}) => {
    const g = gateway();
    const f = new Ferry({
      dataDir,
      secrets: new MemorySecretStore(),
      env: { AWS_ACCESS_KEY_ID: g.accessKeyId, AWS_SECRET_ACCESS_KEY: g.secretAccessKey, AWS_ENDPOINT_URL: endpoint },
      network: { backoffMs: 100, requestTimeoutMs: 3000, ...network },
    });
    return f.connect({}, { concurrency: 4 });
  };
  const contentOf = async (key: string) => sha256Stream((await direct.storage.client.send(new GetObjectCommand({ Bucket: bucket, Key: key }))).Body as Readable);

  beforeAll(async () => {
    dataDir = await tempDir();
    proxy = await startFaultProxy(gateway().endpoint);
    direct = await connect(gateway().endpoint);
    await direct.storage.createBucket(bucket);
  });
  afterAll(async () => {
    direct.close();
    await proxy.close();
  });

  it('connections reset mid-part: the parts are sent again and the object is identical', async () => {
    const src = await randomFile(await tempDir(), 'reset.bin', 96 * MiB);
    const conn = await connect(proxy.endpoint);
    const before = proxy.connections();
    proxy.resetNext(6, 2 * MiB);
    const r = await conn.upload({ file: src.path, bucket, key: 'reset.bin', partSize: 8 * MiB });
    conn.close();
    expect(r.size).toBe(96 * MiB);
    expect(proxy.connections() - before).toBeGreaterThan(6);
    expect(await contentOf('reset.bin')).toEqual({ sha256: src.sha256, size: 96 * MiB });
  });

  it('bytes damaged on the way are refused by the server (Content-MD5) and sent again', async () => {
    const src = await randomFile(await tempDir(), 'damaged.bin', 40 * MiB);
    const conn = await connect(proxy.endpoint);
    proxy.corruptNext(3, 3 * MiB);
    const r = await conn.upload({ file: src.path, bucket, key: 'damaged.bin', partSize: 8 * MiB });
    conn.close();
    expect(r.etag).toMatch(/-5"?$/);
    expect(await contentOf('damaged.bin')).toEqual({ sha256: src.sha256, size: 40 * MiB });
  });

  it('a server that stops answering mid-part times out, and the part is retried', async () => {
    const src = await randomFile(await tempDir(), 'stall.bin', 48 * MiB);
    const conn = await connect(proxy.endpoint, { requestTimeoutMs: 1500 });
    proxy.stallNext(2, 1 * MiB);
    const started = Date.now();
    await conn.upload({ file: src.path, bucket, key: 'stall.bin', partSize: 8 * MiB });
    conn.close();
    expect(Date.now() - started).toBeGreaterThan(1500);
    expect(await contentOf('stall.bin')).toEqual({ sha256: src.sha256, size: 48 * MiB });
  });

  it('the endpoint disappears mid-upload: the upload waits, says so, and continues when it is back', async () => {
    const src = await randomFile(await tempDir(), 'outage.bin', 128 * MiB);
    const conn = await connect(proxy.endpoint, { networkWaitMs: 60_000 });
    const waiting: boolean[] = [];
    let wentDown = false;
    const upload = conn.upload({
      file: src.path,
      bucket,
      key: 'outage.bin',
      partSize: 8 * MiB,
      concurrency: 2,
      onWaiting: (w) => {
        waiting.push(w);
        if (w) setTimeout(() => void proxy.up(), 2000);
      },
      onProgress: (p) => {
        if (!wentDown && p.bytesDone > 24 * MiB) {
          wentDown = true;
          void proxy.down();
        }
      },
    });
    const r = await upload;
    conn.close();
    expect(wentDown).toBe(true);
    expect(waiting[0]).toBe(true);
    expect(waiting.at(-1)).toBe(false);
    expect(r.size).toBe(128 * MiB);
    expect(await contentOf('outage.bin')).toEqual({ sha256: src.sha256, size: 128 * MiB });
  });

  it('gives up after the wait with a clear message, keeps the finished parts, and the next try continues', async () => {
    const src = await randomFile(await tempDir(), 'giveup.bin', 96 * MiB);
    const conn = await connect(proxy.endpoint, { networkWaitMs: 1500 });
    let wentDown = false;
    await expect(
      conn.upload({
        file: src.path,
        bucket,
        key: 'giveup.bin',
        partSize: 8 * MiB,
        concurrency: 1,
        onProgress: (p) => {
          if (!wentDown && p.bytesDone > 30 * MiB) {
            wentDown = true;
            void proxy.down();
          }
        },
      }),
    ).rejects.toMatchObject({ code: 'ENDPOINT_UNREACHABLE', message: expect.stringMatching(/finished parts are kept: run the same upload again/) });
    expect((await conn.saved(src.path, bucket, 'giveup.bin'))?.parts.length).toBeGreaterThanOrEqual(2);
    await proxy.up();
    const resumed: number[] = [];
    await conn.upload({ file: src.path, bucket, key: 'giveup.bin', onResume: (i) => resumed.push(i.partsOnServer) });
    conn.close();
    expect(resumed[0]).toBeGreaterThanOrEqual(2);
    expect(await contentOf('giveup.bin')).toEqual({ sha256: src.sha256, size: 96 * MiB });
  });

  it('the gateway is stopped mid-upload and started again: the upload finishes', async () => {
    const rgw = await startRgwInstance(gateway().conf, uniqueName('rgw').replace('-', ''));
    try {
      const src = await randomFile(await tempDir(), 'restart.bin', 128 * MiB);
      const conn = await connect(rgw.endpoint, { networkWaitMs: 120_000 });
      let stopped = false;
      const waiting: boolean[] = [];
      const r = await conn.upload({
        file: src.path,
        bucket,
        key: 'restart.bin',
        partSize: 8 * MiB,
        concurrency: 2,
        onWaiting: (w) => waiting.push(w),
        onProgress: (p) => {
          if (!stopped && p.bytesDone > 32 * MiB) {
            stopped = true;
            void rgw.stop().then(() => new Promise((res) => setTimeout(res, 1000))).then(() => rgw.start());
          }
        },
      });
      conn.close();
      expect(stopped).toBe(true);
      expect(waiting).toContain(true);
      expect(r.size).toBe(128 * MiB);
      expect(await contentOf('restart.bin')).toEqual({ sha256: src.sha256, size: 128 * MiB });
    } finally {
      await rgw.stop();
    }
  }, 180_000);
});
