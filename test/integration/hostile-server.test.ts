import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Ferry } from '../../main/core/ferry';
import { objectsUnder } from '../../main/core/s3/collect';
import { deleteObjects } from '../../main/core/s3/manage';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { PassThrough, Writable } from 'node:stream';
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CLI, ferry as runFerry, tempDir, withHostileS3 } from '../support/helpers';
import type { HostileServer } from '../support/hostile-s3';

const MiB = 1024 * 1024;

/** A server that lies, drips and floods: Ferry stops, says why, and keeps its memory. */
describe('bounds on everything a server sends', () => {
  let s3: HostileServer;
  let core: Ferry;
  let env: NodeJS.ProcessEnv;

  beforeAll(async () => {
    ({ s3, core, env } = await withHostileS3({ requestTimeoutMs: 1000 }));
    for (const k of ['dl/a.txt', 'dl/b.txt']) s3.objects.set(`hostile/${k}`, { body: Buffer.from(k) });
  });
  afterAll(() => s3?.close());

  const reset = () => {
    s3.listing = undefined;
    s3.sent = 0;
    s3.listings = 0;
  };

  it('a continuation token that repeats, or cycles, ends ls and rm --recursive with a message, not a loop', async () => {
    for (const tokens of [['same'], ['a', 'b', 'c']]) {
      reset();
      s3.listing = { tokens };
      const ls = await runFerry(['ls', 's3://hostile/dl/', '--recursive'], { env });
      expect(ls.code).toBe(1);
      expect(ls.stderr).toMatch(/sent a page .* it had sent before .* stopped rather than run forever/);
      expect(s3.listings).toBeLessThanOrEqual(tokens.length + 1);
      const rm = await runFerry(['rm', 's3://hostile/dl/', '--recursive'], { env });
      expect(rm.code).toBe(1);
      expect(rm.stderr).toMatch(/stopped rather than run forever/);
      // Nothing was deleted on the strength of a listing that never ended.
      expect(s3.objects.has('hostile/dl/a.txt')).toBe(true);
    }
  });

  it('fresh tokens that bring the same keys again stop too', async () => {
    reset();
    s3.listing = { freshTokensSameKeys: true };
    const conn = await core.connect();
    await expect(objectsUnder(conn.storage, 'hostile', 'dl/')).rejects.toThrow(/nothing new in them, so the listing stopped/);
    await expect(deleteObjects(conn.storage, 'hostile', ['dl/'])).rejects.toThrow(/stopped/);
    // About a hundred pages each for the listing and the delete, then a stop.
    expect(s3.listings).toBeLessThan(240);
    conn.close();
  });

  it('a listing without end is refused once it passes the limit of what Ferry holds, not collected until memory runs out', async () => {
    reset();
    s3.listing = { endless: 1000 };
    const conn = await core.connect();
    await expect(objectsUnder(conn.storage, 'hostile', 'dl/', undefined, 5000)).rejects.toMatchObject({ code: 'TOO_MANY', message: expect.stringContaining('holds more than 5,000 entries (or the server keeps listing new ones)') });
    // Six pages read, and at most one more asked for ahead (its token was read before the limit hit).
    expect(s3.listings).toBeLessThanOrEqual(7);
    conn.close();
  });

  it('a 400 MB listing page is refused after 16 MiB; one nested 100,000 deep is refused too', async () => {
    reset();
    s3.listing = { hugePage: 400 * MiB };
    const conn = await core.connect();
    const before = process.memoryUsage().rss;
    await expect(conn.storage.listPage('hostile', '')).rejects.toMatchObject({ code: 'S3_ERROR', message: expect.stringMatching(/far too large, or nested far too deep/) });
    // The server was stopped well short of 400 MB (each of three tries reads at most 16 MiB).
    expect(s3.sent).toBeLessThan(3 * 24 * MiB);
    expect(process.memoryUsage().rss - before).toBeLessThan(300 * MiB);
    reset();
    s3.listing = { deep: 100_000 };
    await expect(conn.storage.listPage('hostile', '')).rejects.toThrow(/far too large, or nested far too deep/);
    // Text that looks like the end of an empty element ("/>" after a tag) does not hide the depth.
    reset();
    s3.listing = { deep: 1000, disguised: true };
    await expect(conn.storage.listPage('hostile', '')).rejects.toThrow(/far too large, or nested far too deep/);
    conn.close();
  });

  it('a listing that drips a byte at a time times out instead of hanging', async () => {
    reset();
    s3.listing = { dripMs: 300 };
    const conn = await core.connect();
    const started = Date.now();
    await expect(conn.storage.listPage('hostile', 'dl/')).rejects.toMatchObject({ code: 'ENDPOINT_UNREACHABLE' });
    expect(Date.now() - started).toBeLessThan(20_000);
    conn.close();
  });

  it('declarations before the answer (which the SDK parser spends square time on) are refused at once', async () => {
    reset();
    s3.listing = { doctypes: 170_000 };
    const conn = await core.connect();
    const started = Date.now();
    await expect(conn.storage.listPage('hostile', 'dl/')).rejects.toThrow(/far too large, or nested far too deep/);
    expect(Date.now() - started).toBeLessThan(5000);
    conn.close();
  });

  it('continuation tokens of megabytes are refused, not kept page after page', async () => {
    reset();
    s3.listing = { bigTokens: 1024 * 1024 };
    const r = await runFerry(['ls', 's3://hostile/dl/'], { env });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/sent a continuation marker .* of 1048576 bytes/);
    expect(s3.listings).toBeLessThanOrEqual(2);
  });

  it('headers dripped a byte at a time, and an answer trickled just above the stall rate, both end in time', async () => {
    const conn = await core.connect();
    for (const trick of [{ dripHeadersMs: 200 }, { trickle: { bytes: 1100, everyMs: 900 } }] as const) {
      reset();
      s3.listing = trick;
      const started = Date.now();
      await expect(conn.storage.listPage('hostile', 'dl/'), JSON.stringify(trick)).rejects.toMatchObject({ code: 'ENDPOINT_UNREACHABLE' });
      // Two timeout periods per try (1 s here), three tries.
      expect(Date.now() - started).toBeLessThan(15_000);
    }
    conn.close();
  });

  it('a name that is not valid URL encoding ends the listing with a message, not a crash', async () => {
    reset();
    s3.listing = { badEncoding: true };
    const r = await runFerry(['ls', 's3://hostile/', '--recursive'], { env });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^ferry: The server listed a name that is not valid URL encoding/);
  });

  it('a parts list that never ends, numbered past 10,000, stops ferry uploads ls with a message', async () => {
    reset();
    s3.partsForever = true;
    const started = Date.now();
    const r = await runFerry(['uploads', 'ls', 's3://hostile/'], { env });
    s3.partsForever = false;
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/listed a part numbered 10001; S3 numbers parts 1 to 10,000/);
    expect(Date.now() - started).toBeLessThan(20_000);
  });

  it('a HEAD that overstates the size fails the download at once and leaves nothing behind', async () => {
    reset();
    s3.objects.set('hostile/over.bin', { body: Buffer.alloc(1000, 1), headSize: 100 * MiB });
    const dir = await tempDir();
    const conn = await core.connect();
    const started = Date.now();
    await expect(conn.download({ bucket: 'hostile', key: 'over.bin', file: join(dir, 'over.bin'), replace: true })).rejects.toThrow(/does not serve the object its own listing describes/);
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(await readdir(dir)).toEqual([]);
    conn.close();
  });

  it('ferry ls | head -1: a reader that goes away ends the command quietly, with status 0', async () => {
    reset();
    for (let i = 0; i < 3000; i++) s3.objects.set(`hostile/pipe/file-${String(i).padStart(5, '0')}-${'x'.repeat(40)}.txt`, { body: Buffer.from('x') });
    const dir = await tempDir();
    // A real pipe into head, as a shell makes it (the server answers from this process: no spawnSync).
    const child = spawn('bash', ['-c', `"${process.execPath}" "${CLI}" ls s3://hostile/pipe/ --recursive 2>"${dir}/err" | head -1; echo "status=\${PIPESTATUS[0]}"`], { env });
    let out = '';
    child.stdout.on('data', (b: Buffer) => (out += b.toString()));
    await new Promise((r) => child.on('close', r));
    const [first, status] = out.trim().split('\n');
    expect(first).toMatch(/file-00000-x+\.txt$/);
    expect(status).toBe('status=0');
    expect(readFileSync(join(dir, 'err'), 'utf8')).toBe('');
    for (const k of [...s3.objects.keys()]) if (k.startsWith('hostile/pipe/')) s3.objects.delete(k);
  });

  it('output that cannot be written (a full disk behind > file) is one line on stderr and status 1, not a stack', async () => {
    reset();
    const { run } = await import('../../main/cli/run');
    // A file on a full disk, as Node's stdout for a file reports it: the write fails with ENOSPC.
    const stdout = new Writable({ write: (_chunk, _enc, done) => done(Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' })) });
    const stderr = new PassThrough();
    let said = '';
    stderr.on('data', (b: Buffer) => (said += b.toString()));
    const code = await run(['ls', 's3://hostile/dl/'], { stdout, stderr, stdin: new PassThrough(), env });
    expect(code).toBe(1);
    expect(said.trim().split('\n')).toEqual([expect.stringMatching(/^ferry: cannot write the output \(ENOSPC\)/)]);
  });

  it('a transfer is not cut short by a closed pipe: ferry cp --recursive | head -1 still sends every file', async () => {
    reset();
    const dir = await tempDir();
    const src = join(dir, 'many');
    await mkdir(src);
    for (let i = 0; i < 400; i++) await writeFile(join(src, `f${i}.txt`), `file ${i}`);
    const child = spawn('bash', ['-c', `"${process.execPath}" "${CLI}" cp "${src}" s3://hostile/piped/ --recursive 2>"${dir}/err" | head -1 >/dev/null; echo "status=\${PIPESTATUS[0]}"`], { env });
    let out = '';
    child.stdout.on('data', (b: Buffer) => (out += b.toString()));
    await new Promise((r) => child.on('close', r));
    expect(out.trim()).toBe('status=0');
    expect([...s3.objects.keys()].filter((k) => k.startsWith('hostile/piped/'))).toHaveLength(400);
    expect(readFileSync(join(dir, 'err'), 'utf8')).toBe('');
  });

  it('a terminal that reports no width (a 0x0 pty) still gets its upload and its link', async () => {
    const { run } = await import('../../main/cli/run');
    const file = join(await tempDir(), 'tty.txt');
    await writeFile(file, 'tty');
    const stdout = new PassThrough();
    const stderr = Object.assign(new PassThrough(), { isTTY: true, columns: 0 });
    let printed = '';
    stdout.on('data', (b: Buffer) => (printed += b.toString()));
    stderr.resume();
    const code = await run(['share', file, 's3://hostile/tty/'], { stdout, stderr, stdin: new PassThrough(), env });
    expect(code).toBe(0);
    expect(printed).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/hostile\/tty\/tty\.txt\?/);
  });

  it('quick look reads at most what it asked for, whatever the server says or sends', async () => {
    reset();
    s3.objects.set('hostile/liar.txt', { body: Buffer.from('0123456789'), headSize: 10, flood: 800 * MiB });
    const conn = await core.connect();
    const bytes = await conn.storage.getBytes('hostile', 'liar.txt', 10);
    expect(bytes.length).toBe(10);
    await new Promise((r) => setTimeout(r, 200));
    expect(s3.sent).toBeLessThan(64 * MiB);
    conn.close();
  });
});
