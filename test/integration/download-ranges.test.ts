/**
 * A download's ranges, against a server that misbehaves on purpose (hostile-s3.ts): what arrives
 * of a range is kept across a pause and a lost connection, and the next request asks only for
 * the rest; a server that answers and cuts every range, again and again, is said as the server's
 * fault in a few tries rather than waited out for minutes; an answer that names another version
 * or other bytes than those asked for is never written into the file.
 */
import { randomBytes } from 'node:crypto';
import { readFile, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Connection, Ferry } from '../../main/core/ferry';
import { MiB } from '../../main/core/transfers/plan';
import { checkPlan } from '../../main/core/transfers/verify';
import type { HostileServer } from '../support/hostile-s3';
import { ferry as runFerry, tempDir, waitFor, withHostileS3 } from '../support/helpers';


/** Starts a download of hostile/KEY and pauses it once `bytes` of its partial file are on disk. */
async function pausedOnceWritten(conn: Connection, key: string, file: string, bytes: number, tuning: { partSize: number; concurrency?: number }): Promise<void> {
  const pause = new AbortController();
  const going = conn.download({ bucket: 'hostile', key, file, ...tuning, replace: true, pauseSignal: pause.signal });
  await waitFor(async () => ((await stat(`${file}.ferry-download`).catch(() => undefined))?.blocks ?? 0) * 512 >= bytes, 10_000);
  pause.abort();
  await expect(going).rejects.toMatchObject({ code: 'PAUSED' });
}

describe('download ranges against a server that cuts, holds and lies', () => {
  let s3: HostileServer;
  let core: Ferry;
  let env: NodeJS.ProcessEnv;

  beforeAll(async () => {
    ({ s3, core, env } = await withHostileS3({ requestTimeoutMs: 2000 }));
  });
  afterAll(() => s3?.close());

  it('a pause mid-range keeps what arrived of it; the next run asks only for the rest, at the part size it began with', async () => {
    const body = randomBytes(24 * MiB);
    s3.objects.set('hostile/held.bin', { body, holdAfter: 5 * MiB });
    const dir = await tempDir();
    const file = join(dir, 'held.bin');
    const conn = await core.connect();
    // The first range holds after 5 MiB: paused once most of it is on disk.
    await pausedOnceWritten(conn, 'held.bin', file, 4 * MiB, { partSize: 8 * MiB, concurrency: 1 });
    const saved = JSON.parse(await readFile(`${file}.ferry-download.json`, 'utf8')) as { done: number[]; begun?: Array<[number, number]>; partSize: number };
    expect(saved.done).toEqual([]);
    const kept = saved.begun?.[0]?.[1] ?? 0;
    expect(saved.begun?.map(([p]) => p)).toEqual([1]);
    expect(kept).toBeGreaterThanOrEqual(4 * MiB);
    expect(kept).toBeLessThanOrEqual(5 * MiB);
    // Asked again with another part size: the ranges it began with stand, and range 1 goes on from where it stopped.
    s3.objects.set('hostile/held.bin', { body });
    s3.ranges.length = 0;
    const r = await conn.download({ bucket: 'hostile', key: 'held.bin', file, partSize: 16 * MiB, concurrency: 1, replace: true });
    expect(r.resumedBytes).toBe(kept);
    expect(r.verified).toBe('md5');
    expect(s3.ranges[0]).toBe(`bytes=${kept}-${8 * MiB - 1}`);
    expect((await readFile(file)).equals(body)).toBe(true);
    expect(await readdir(dir)).toEqual(['held.bin']);
    conn.close();
  });

  it('a connection reset mid-range that still brings a good share each time is waited out: the download finishes, nothing fetched twice', async () => {
    const body = randomBytes(12 * MiB);
    s3.objects.set('hostile/flaky.bin', { body, cutAfter: 2 * MiB });
    const dir = await tempDir();
    const conn = await core.connect();
    s3.ranges.length = 0;
    const sentBefore = s3.sent;
    const r = await conn.download({ bucket: 'hostile', key: 'flaky.bin', file: join(dir, 'flaky.bin'), partSize: 12 * MiB, concurrency: 1, replace: true });
    expect(r.verified).toBe('md5');
    expect((await readFile(join(dir, 'flaky.bin'))).equals(body)).toBe(true);
    // Each request went on from where the last was cut: six of 2 MiB, nothing sent twice.
    expect(s3.ranges).toEqual([0, 2, 4, 6, 8, 10].map((m) => `bytes=${m * MiB}-${12 * MiB - 1}`));
    expect(s3.sent - sentBefore).toBe(12 * MiB);
    conn.close();
  });

  it('a server that answers every range and resets it at once, every time, is said as at fault within a few tries; what arrived is kept for the next run', async () => {
    const body = randomBytes(12 * MiB);
    s3.objects.set('hostile/cut.bin', { body, cutAfter: 1000 });
    const dir = await tempDir();
    const conn = await core.connect();
    s3.ranges.length = 0;
    await expect(conn.download({ bucket: 'hostile', key: 'cut.bin', file: join(dir, 'cut.bin'), partSize: 12 * MiB, concurrency: 1, replace: true })).rejects.toThrow(
      /keeps ending cut\.bin early \(5 times in a row.*The 4\.88 KiB that arrived before are kept beside .*cut\.bin: run the same command again to continue/,
    );
    expect(s3.ranges.length).toBe(5);
    expect((await readdir(dir)).sort()).toEqual(['cut.bin.ferry-download', 'cut.bin.ferry-download.json']);
    // The server mended: the next run goes on from the 5,000 bytes kept.
    s3.objects.set('hostile/cut.bin', { body });
    const r = await conn.download({ bucket: 'hostile', key: 'cut.bin', file: join(dir, 'cut.bin'), replace: true });
    expect([r.resumedBytes, r.verified]).toEqual([5000, 'md5']);
    expect((await readFile(join(dir, 'cut.bin'))).equals(body)).toBe(true);
    conn.close();
  });

  it('an answer that names another version (ETag) or other bytes (Content-Range) is refused, even where only the size can be checked', async () => {
    const body = randomBytes(12 * MiB);
    const dir = await tempDir();
    const conn = await core.connect();
    // An ETag that is no MD5: only the size could judge the bytes, so the answer's own words must.
    s3.objects.set('hostile/other.bin', { body, etag: '"not-an-md5"', rangeEtag: '"another-version"' });
    await expect(conn.download({ bucket: 'hostile', key: 'other.bin', file: join(dir, 'other.bin'), partSize: 4 * MiB, replace: true })).rejects.toThrow(/changed on the server while it was being downloaded/);
    expect(await readdir(dir)).toEqual([]);
    // Other bytes than those asked for (a range shifted by one, a range that names none) are never written in.
    for (const lie of [{ contentRange: (start: number, end: number, size: number) => `bytes ${start + 1}-${end + 1}/${size}` }, { contentRange: () => 'bytes */12582912' }]) {
      s3.objects.set('hostile/other.bin', { body, etag: '"not-an-md5"', ...lie });
      await expect(conn.download({ bucket: 'hostile', key: 'other.bin', file: join(dir, 'other.bin'), partSize: 4 * MiB, concurrency: 1, replace: true })).rejects.toThrow(/not the bytes asked for|names no range/);
      expect(await readdir(dir)).toEqual([]);
    }
    // The unit in capitals and a size "*" are S3's ranges still (RFC 9110).
    s3.objects.set('hostile/other.bin', { body, etag: '"not-an-md5"', contentRange: (start, end) => `Bytes ${start}-${end}/*` });
    expect((await conn.download({ bucket: 'hostile', key: 'other.bin', file: join(dir, 'other.bin'), partSize: 4 * MiB, replace: true })).verified).toBe('size');
    expect((await readFile(join(dir, 'other.bin'))).equals(body)).toBe(true);
    // Answered honestly, the same object downloads (and says only its size was checked).
    s3.objects.set('hostile/other.bin', { body, etag: '"not-an-md5"' });
    const r = await conn.download({ bucket: 'hostile', key: 'other.bin', file: join(dir, 'other.bin'), partSize: 4 * MiB, replace: true });
    expect(r.verified).toBe('size');
    expect((await readFile(join(dir, 'other.bin'))).equals(body)).toBe(true);
    conn.close();
  });

  it('a multipart ETag claiming more parts than S3 allows is no part check (a hostile count would hold a digest per part)', async () => {
    expect(checkPlan(`"${'a'.repeat(32)}-3145728"`, 3 * MiB, { partSize: 1 })).toEqual({ kind: 'size', why: 'not-md5' });
    expect(checkPlan(`"${'a'.repeat(32)}-10001"`, 10001 * 5 * MiB, { partSize: 5 * MiB })).toEqual({ kind: 'size', why: 'not-md5' });
    expect(checkPlan(`"${'a'.repeat(32)}-10000"`, 10000 * 5 * MiB, { partSize: 5 * MiB })).toMatchObject({ kind: 'parts', count: 10000 });
    // Through a download: fast, and said as a size check.
    const body = randomBytes(3 * MiB);
    s3.objects.set('hostile/many.bin', { body, etag: `"${'b'.repeat(32)}-3145728"`, headers: { 'x-amz-meta-ferry-part-size': '1' } });
    const dir = await tempDir();
    const conn = await core.connect();
    const r = await conn.download({ bucket: 'hostile', key: 'many.bin', file: join(dir, 'many.bin'), replace: true });
    expect(r.verified).toBe('size');
    conn.close();
  });

  it('ferry cp says when only the size could be checked, and --debug says which check every download passed', async () => {
    s3.objects.set('hostile/plain.bin', { body: randomBytes(MiB) });
    s3.objects.set('hostile/odd.bin', { body: randomBytes(MiB), etag: '"not-an-md5"' });
    const dir = await tempDir();
    const odd = await runFerry(['cp', 's3://hostile/odd.bin', join(dir, 'odd.bin')], { env });
    expect(odd.code, odd.stderr).toBe(0);
    expect(odd.stderr).toMatch(/^ferry: note: only the size of s3:\/\/hostile\/odd\.bin could be checked, not its bytes: the server.s ETag for it is no MD5 of its bytes\.$/m);
    const plain = await runFerry(['cp', 's3://hostile/plain.bin', join(dir, 'plain.bin')], { env });
    expect([plain.code, plain.stderr]).toEqual([0, '']);
    const debug = await runFerry(['cp', 's3://hostile/plain.bin', join(dir, 'plain.bin'), '--debug'], { env });
    expect(debug.stderr).toMatch(/s3:\/\/hostile\/plain\.bin: every byte checked against its MD5 \(ETag\)/);
  });

  it('--no-resume starts a kept download afresh, and a folder with nothing under it is said, with no folder made', async () => {
    const body = randomBytes(12 * MiB);
    s3.objects.set('hostile/fresh.bin', { body, holdAfter: 3 * MiB });
    const dir = await tempDir();
    const file = join(dir, 'fresh.bin');
    const conn = await core.connect();
    await pausedOnceWritten(conn, 'fresh.bin', file, 2 * MiB, { partSize: 12 * MiB });
    conn.close();
    s3.objects.set('hostile/fresh.bin', { body });
    s3.ranges.length = 0;
    const again = await runFerry(['cp', 's3://hostile/fresh.bin', file, '--no-resume', '--json'], { env });
    expect(again.code, again.stderr).toBe(0);
    expect((JSON.parse(again.stdout) as { resumedBytes: number }).resumedBytes).toBe(0);
    expect(s3.ranges[0]).toMatch(/^bytes=0-/);
    expect((await readFile(file)).equals(body)).toBe(true);
    const none = await runFerry(['cp', 's3://hostile/no-such-folder/', join(dir, 'made'), '--recursive'], { env });
    expect(none.code, none.stderr).toBe(0);
    expect(none.stderr).toMatch(/^ferry: nothing under s3:\/\/hostile\/no-such-folder\/ to download; no folder was made\./);
    expect(await readdir(dir)).toEqual(['fresh.bin']);
  });
});
