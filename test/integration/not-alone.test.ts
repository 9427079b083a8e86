import { GetObjectCommand, ListObjectVersionsCommand, PutBucketVersioningCommand } from '@aws-sdk/client-s3';
import { readdir, rename, writeFile } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Ferry, type Connection } from '../../main/core/ferry';
import { moveObjects } from '../../main/core/s3/copy';
import { MemorySecretStore } from '../../main/core/secrets/secrets';
import { MiB } from '../../main/core/transfers/plan';
import { TransferQueue, type TransferView } from '../../main/core/transfers/queue';
import { cliEnv, ferry, gateway, randomFile, sha256File, sha256Stream, tempDir, uniqueName, waitFor } from '../support/helpers';
import { atTerminal } from '../support/terminal';
import { s3Error, startStubProxy, type StubProxy, type StubRequest } from '../support/stub-proxy';

/**
 * The engine when it is not alone: a second writer at the same key, answers the network loses,
 * a kill at the moments between a request reaching the server and Ferry hearing its answer.
 * Whatever happens, the key holds one whole object someone wrote, and no upload of Ferry's is
 * left on the server after the run that started it or the next one.
 */
describe('uploads beside another writer and through lost answers', () => {
  let direct: Connection;
  const bucket = uniqueName('alone');
  const versioned = uniqueName('alone-v');
  const stubs: StubProxy[] = [];

  const env = (endpoint: string) => {
    const g = gateway();
    return { AWS_ACCESS_KEY_ID: g.accessKeyId, AWS_SECRET_ACCESS_KEY: g.secretAccessKey, AWS_ENDPOINT_URL: endpoint };
  };
  /**
   * A Ferry of its own (its own data folder): another machine, or another user's Ferry. Its sweep
   * judges an empty upload in a lost Create's window at once (quiet time 0) unless told a quiet
   * time: the quiet time itself has its own tests below.
   */
  const machine = async (endpoint = gateway().endpoint, requestTimeoutMs = 5000, lostCreateQuietMs = 0, dataDir?: string) => {
    dataDir ??= await tempDir();
    const conn = await new Ferry({ dataDir, secrets: new MemorySecretStore(), env: env(endpoint), network: { backoffMs: 50, requestTimeoutMs, lostCreateQuietMs } }).connect({}, { concurrency: 4 });
    return { conn, dataDir };
  };
  const stub = async (rule: Parameters<typeof startStubProxy>[1]) => {
    const s = await startStubProxy(gateway().endpoint, rule);
    stubs.push(s);
    return s;
  };
  const isCreate = (r: StubRequest) => r.method === 'POST' && r.url.searchParams.has('uploads');
  const isComplete = (r: StubRequest) => r.method === 'POST' && r.url.searchParams.has('uploadId');
  const isPart = (r: StubRequest) => r.method === 'PUT' && r.url.searchParams.has('partNumber');
  const contentOf = async (b: string, key: string) => sha256Stream((await direct.storage.client.send(new GetObjectCommand({ Bucket: b, Key: key }))).Body as Readable);
  const pending = (b: string, key: string) => direct.storage.listMultipartUploads(b, key).then((list) => list.filter((u) => u.key === key));
  const saved = async (dataDir: string) => (await readdir(join(dataDir, 'transfers')).catch(() => [] as string[])).filter((n) => n.endsWith('.json'));
  const cliEnvFor = (dataDir: string, endpoint: string) => cliEnv(dataDir, env(endpoint));

  beforeAll(async () => {
    direct = (await machine()).conn;
    await direct.storage.createBucket(bucket);
    await direct.storage.createBucket(versioned);
    await direct.storage.client.send(new PutBucketVersioningCommand({ Bucket: versioned, VersioningConfiguration: { Status: 'Enabled' } }));
  });
  afterAll(async () => {
    direct.close();
    await Promise.all(stubs.map((s) => s.close()));
  });

  /**
   * Two machines upload different files to one key; the first to finish checks the key only
   * after the second has finished too, so it sees the other's object there.
   */
  const raced = async (b: string, key: string) => {
    const dir = await tempDir();
    const first = await randomFile(dir, 'first.bin', 24 * MiB);
    const second = await randomFile(dir, 'second.bin', 20 * MiB);
    let secondDone!: () => void;
    const secondFinished = new Promise<void>((r) => (secondDone = r));
    let completed = false;
    const s = await stub((r) => {
      if (isComplete(r)) completed = true;
      // The first machine's check of the key, after its Complete, waits for the second machine.
      return completed && r.method === 'HEAD' ? { hold: secondFinished } : undefined;
    });
    const one = await machine(s.endpoint);
    const two = await machine();
    const firstRun = one.conn.upload({ file: first.path, bucket: b, key, partSize: 8 * MiB }).catch((e: Error & { code?: string }) => e);
    await waitFor(async () => completed);
    await two.conn.upload({ file: second.path, bucket: b, key, partSize: 8 * MiB }).finally(secondDone);
    const outcome = await firstRun;
    one.conn.close();
    two.conn.close();
    return { outcome, first, second };
  };

  it('two uploads to one key: the later object stays whole; the earlier upload says it was replaced and deletes nothing', async () => {
    const { outcome, second } = await raced(bucket, 'backup.bin');
    expect(outcome).toMatchObject({ code: 'REPLACED', message: expect.stringContaining(`Another upload replaced s3://${bucket}/backup.bin after Ferry's finished`) });
    expect(await contentOf(bucket, 'backup.bin')).toEqual({ sha256: second.sha256, size: second.size });
    expect(await pending(bucket, 'backup.bin')).toEqual([]);
  });

  it('in a bucket that keeps versions, the replaced upload names its version, and both versions are there', async () => {
    const { outcome, first, second } = await raced(versioned, 'backup.bin');
    const versions = (await direct.storage.client.send(new ListObjectVersionsCommand({ Bucket: versioned, Prefix: 'backup.bin' }))).Versions ?? [];
    const older = versions.find((v) => !v.IsLatest);
    expect(versions.map((v) => v.Size).sort()).toEqual([second.size, first.size].sort());
    expect(outcome).toMatchObject({ code: 'REPLACED', message: expect.stringContaining(`kept as an older version (${older!.VersionId})`) });
    expect(await contentOf(versioned, 'backup.bin')).toEqual({ sha256: second.sha256, size: second.size });
  });

  it('two uploads to one key started together, many times: the key always holds one whole object, and nothing is deleted', async () => {
    for (let trial = 0; trial < 5; trial++) {
      const dir = await tempDir();
      const files = await Promise.all([randomFile(dir, 'a.bin', 16 * MiB), randomFile(dir, 'b.bin', 12 * MiB)]);
      const machines = await Promise.all([machine(), machine()]);
      const outcomes = await Promise.all(machines.map((m, i) => m.conn.upload({ file: files[i]!.path, bucket, key: 'same.bin', partSize: 5 * MiB }).then(() => 'ok', (e: { code?: string }) => e.code)));
      machines.forEach((m) => m.conn.close());
      const there = await contentOf(bucket, 'same.bin');
      expect(files.map((f) => ({ sha256: f.sha256, size: f.size }))).toContainEqual(there);
      for (const o of outcomes) expect(['ok', 'REPLACED']).toContain(o);
      expect(outcomes).toContain('ok');
    }
    expect(await pending(bucket, 'same.bin')).toEqual([]);
  });

  for (const [how, action] of [
    ['lost', { dropAnswer: true }],
    ['cut short', { cutAnswer: 40 }],
  ] as const) {
    it(`a ${how} CreateMultipartUpload answer: Ferry sends Create again itself, and aborts the upload the lost one started`, async () => {
      const src = await randomFile(await tempDir(), 'create.bin', 24 * MiB);
      let creates = 0;
      const s = await stub((r) => (isCreate(r) && ++creates === 1 ? action : undefined));
      const m = await machine(s.endpoint);
      const key = `create-${how.replace(' ', '-')}.bin`;
      const done = await m.conn.upload({ file: src.path, bucket, key, partSize: 8 * MiB });
      m.conn.close();
      expect(done.emptyUploadLeft).toBeUndefined();
      expect(creates).toBe(2);
      expect(await contentOf(bucket, key)).toEqual({ sha256: src.sha256, size: src.size });
      expect(await pending(bucket, key)).toEqual([]);
      expect(await saved(m.dataDir)).toEqual([]);
    });
  }

  it("the sweep after a lost Create never aborts another writer's upload of the same key that holds parts", async () => {
    const { CreateMultipartUploadCommand, UploadPartCommand } = await import('@aws-sdk/client-s3');
    const src = await randomFile(await tempDir(), 'swept.bin', 24 * MiB);
    // Another machine is uploading to the key at this very moment.
    const theirs = await direct.storage.client.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: 'shared.bin' }));
    await direct.storage.client.send(new UploadPartCommand({ Bucket: bucket, Key: 'shared.bin', UploadId: theirs.UploadId, PartNumber: 1, Body: Buffer.alloc(5 * MiB, 1) }));
    let creates = 0;
    const s = await stub((r) => (isCreate(r) && ++creates === 1 ? { dropAnswer: true } : undefined));
    const m = await machine(s.endpoint);
    await m.conn.upload({ file: src.path, bucket, key: 'shared.bin', partSize: 8 * MiB });
    m.conn.close();
    expect(creates).toBe(2);
    // Ferry's own lost upload is gone; theirs is still there, parts and all.
    expect((await pending(bucket, 'shared.bin')).map((u) => u.uploadId)).toEqual([theirs.UploadId]);
    await direct.storage.abortMultipartUpload(bucket, 'shared.bin', theirs.UploadId!);
  });

  it("an empty upload another writer began in the seconds of a lost Create is left alone; the lost one goes once it has stayed empty for the quiet time", async () => {
    const { CreateMultipartUploadCommand, UploadPartCommand, CompleteMultipartUploadCommand } = await import('@aws-sdk/client-s3');
    const src = await randomFile(await tempDir(), 'young.bin', 24 * MiB);
    const quiet = 4000;
    let creates = 0;
    let theirs: string | undefined;
    const s = await stub((r) => {
      if (!isCreate(r) || ++creates !== 1) return undefined;
      // While Ferry's first Create is on its way, another machine starts its own upload of the key
      // (aws s3 cp, a second backup): empty until its first part, which has not arrived yet.
      return {
        dropAnswer: true,
        onAnswer: () => void direct.storage.client.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: 'young.bin' })).then((o) => (theirs = o.UploadId)),
      };
    });
    const m = await machine(s.endpoint, 5000, quiet);
    const done = await m.conn.upload({ file: src.path, bucket, key: 'young.bin', partSize: 8 * MiB });
    // Said, not left without a word.
    expect(done.emptyUploadLeft).toBe(true);
    await waitFor(async () => theirs !== undefined);
    expect(creates).toBe(2);
    // Neither empty upload could be told apart yet: both stay, and the window stays saved.
    const both = (await pending(bucket, 'young.bin')).map((u) => u.uploadId);
    expect(both).toHaveLength(2);
    expect(both).toContain(theirs);
    expect(await saved(m.dataDir)).toHaveLength(1);
    // The other writer goes on: its part arrives, and the quiet time passes.
    const part = await direct.storage.client.send(new UploadPartCommand({ Bucket: bucket, Key: 'young.bin', UploadId: theirs, PartNumber: 1, Body: Buffer.from('theirs') }));
    await new Promise((r) => setTimeout(r, quiet + 1000));
    // The window starting again (what a later run of this upload also does) removes only the lost one.
    await m.conn.abandon(src.path, bucket, 'young.bin');
    m.conn.close();
    expect((await pending(bucket, 'young.bin')).map((u) => u.uploadId)).toEqual([theirs]);
    expect(await saved(m.dataDir)).toEqual([]);
    // The other writer's upload was never touched: it completes.
    await direct.storage.client.send(new CompleteMultipartUploadCommand({ Bucket: bucket, Key: 'young.bin', UploadId: theirs, MultipartUpload: { Parts: [{ PartNumber: 1, ETag: part.ETag }] } }));
    expect((await direct.storage.getBytes(bucket, 'young.bin', 100)).toString()).toBe('theirs');
  });

  it('Ctrl-C while the Create answer is lost, with the default quiet time: acts at once, and says the empty upload stays for now and how it goes', async () => {
    const src = await randomFile(await tempDir(), 'later.bin', 24 * MiB);
    const cancel = new AbortController();
    const s = await stub((r) => (isCreate(r) ? { dropAnswer: true, keepOpen: true, onAnswer: () => cancel.abort() } : undefined));
    const dataDir = await tempDir();
    const m = await new Ferry({ dataDir, secrets: new MemorySecretStore(), env: env(s.endpoint), network: { backoffMs: 50, requestTimeoutMs: 60_000 } }).connect({});
    const err = await m.upload({ file: src.path, bucket, key: 'later.bin', partSize: 8 * MiB, signal: cancel.signal }).catch((e: Error & { code?: string }) => e);
    m.close();
    expect(err).toMatchObject({ code: 'CANCELLED', message: expect.stringContaining('empty upload') });
    const { message } = err as Error;
    expect(message).toContain('after it has stayed empty for 15 minutes');
    // Never a bare abort of the key, which would take another writer's upload with it.
    expect(message).toContain(`ferry uploads abort s3://${bucket}/later.bin --upload-id ID`);
    expect(await pending(bucket, 'later.bin')).toHaveLength(1);
    expect(await saved(dataDir)).toHaveLength(1);
    // Once the quiet time has passed (here: a Ferry told a quiet time of 0), the next run removes it.
    const again = await machine(s.endpoint, 5000, 0, dataDir);
    await again.conn.abandon(src.path, bucket, 'later.bin');
    again.conn.close();
    expect(await pending(bucket, 'later.bin')).toEqual([]);
    expect(await saved(dataDir)).toEqual([]);
  });

  it('a lost Complete answer, and another writer meanwhile: the server refuses the repeat as "already in progress", and Ferry says it was replaced', async () => {
    const src = await randomFile(await tempDir(), 'busy.bin', 24 * MiB);
    let completes = 0;
    let theirs: Promise<unknown> = Promise.resolve();
    const s = await stub((r) => {
      if (!isComplete(r)) return undefined;
      // The first Complete is carried out, its answer lost; then another writer puts its object.
      if (++completes === 1) return { dropAnswer: true, onAnswer: () => (theirs = direct.storage.put(bucket, 'busy.bin', Buffer.from('theirs'))) };
      // Asked again once theirs is in, RGW itself says "already in progress", for good: the object that Complete made is gone.
      return { hold: theirs };
    });
    const m = await machine(s.endpoint);
    const err = await m.conn.upload({ file: src.path, bucket, key: 'busy.bin', partSize: 8 * MiB }).catch((e: Error & { code?: string }) => e);
    m.conn.close();
    expect(completes).toBeGreaterThan(1);
    expect(err).toMatchObject({ code: 'REPLACED', message: expect.stringContaining(`Another upload replaced s3://${bucket}/busy.bin after Ferry's finished`) });
    expect((await direct.storage.getBytes(bucket, 'busy.bin', 100)).toString()).toBe('theirs');
    expect(await pending(bucket, 'busy.bin')).toEqual([]);
  });

  it('Ctrl-C while the Complete answer is lost acts at once, keeps the state, and the rerun finds the object whole', async () => {
    const src = await randomFile(await tempDir(), 'finishing.bin', 24 * MiB);
    const cancel = new AbortController();
    let healed = false;
    const s = await stub((r) => (!healed && isComplete(r) ? { dropAnswer: true, keepOpen: true, onAnswer: () => cancel.abort() } : undefined));
    const m = await machine(s.endpoint, 60_000);
    const err = await m.conn.upload({ file: src.path, bucket, key: 'finishing.bin', partSize: 8 * MiB, signal: cancel.signal }).catch((e: Error & { code?: string }) => e);
    expect(err).toMatchObject({ code: 'CANCELLED', message: expect.stringContaining('may already hold the whole file') });
    healed = true;
    const again = await m.conn.upload({ file: src.path, bucket, key: 'finishing.bin', partSize: 8 * MiB });
    m.conn.close();
    expect(again.alreadyUploaded).toBe(true);
    expect(await contentOf(bucket, 'finishing.bin')).toEqual({ sha256: src.sha256, size: src.size });
    expect(await saved(m.dataDir)).toEqual([]);
  });

  it('Ctrl-C while the check after Complete has no answer acts at once and says the object is stored', async () => {
    const src = await randomFile(await tempDir(), 'checked.bin', 24 * MiB);
    const cancel = new AbortController();
    let completed = false;
    const s = await stub((r) => {
      if (isComplete(r)) completed = true;
      else if (completed && r.method === 'HEAD') return { dropAnswer: true, keepOpen: true, onAnswer: () => cancel.abort() };
      return undefined;
    });
    const m = await machine(s.endpoint, 60_000);
    const err = await m.conn.upload({ file: src.path, bucket, key: 'checked.bin', partSize: 8 * MiB, signal: cancel.signal }).catch((e: Error & { code?: string }) => e);
    m.conn.close();
    expect(err).toMatchObject({ code: 'CANCELLED', message: expect.stringContaining(`s3://${bucket}/checked.bin was stored whole`) });
    expect(await contentOf(bucket, 'checked.bin')).toEqual({ sha256: src.sha256, size: src.size });
  });

  it('a Create the server carries out after Ferry gave up on it is found and aborted before the upload completes', async () => {
    const src = await randomFile(await tempDir(), 'late.bin', 24 * MiB);
    let creates = 0;
    let partArrived!: () => void;
    const firstPart = new Promise<void>((r) => (partArrived = r));
    const s = await stub((r) => {
      if (isPart(r)) partArrived();
      // The first Create reaches the server only once Ferry, long past its timeout, sends parts.
      return isCreate(r) && ++creates === 1 ? { hold: firstPart } : undefined;
    });
    const m = await machine(s.endpoint, 1500);
    await m.conn.upload({ file: src.path, bucket, key: 'late.bin', partSize: 8 * MiB });
    m.conn.close();
    expect(creates).toBe(2);
    expect(await pending(bucket, 'late.bin')).toEqual([]);
    expect(await contentOf(bucket, 'late.bin')).toEqual({ sha256: src.sha256, size: src.size });
  });

  it('Ctrl-C while the Create answer is lost acts at once and removes the upload the server started', async () => {
    const src = await randomFile(await tempDir(), 'cancel.bin', 24 * MiB);
    const cancel = new AbortController();
    let cancelledAt = 0;
    const s = await stub((r) =>
      isCreate(r) ? { dropAnswer: true, keepOpen: true, onAnswer: () => ((cancelledAt = Date.now()), cancel.abort()) } : undefined,
    );
    const m = await machine(s.endpoint, 60_000);
    const err = await m.conn.upload({ file: src.path, bucket, key: 'cancel.bin', partSize: 8 * MiB, signal: cancel.signal }).catch((e: Error & { code?: string }) => e);
    const took = Date.now() - cancelledAt;
    m.conn.close();
    expect(err).toMatchObject({ code: 'CANCELLED', message: 'Upload cancelled.' });
    // Not the minute the lost answer would have been waited for (a loose bound: this is not a benchmark).
    expect(took).toBeLessThan(5000);
    expect(await pending(bucket, 'cancel.bin')).toEqual([]);
    expect(await saved(m.dataDir)).toEqual([]);
  });

  it('Ctrl-C or pause while a Create is on its way: an answer within the grace names the upload, so nothing is left to a later sweep (default quiet time)', async () => {
    const src = await randomFile(await tempDir(), 'on-its-way.bin', 24 * MiB);
    for (const how of ['cancel', 'pause'] as const) {
      const stop = new AbortController();
      // The Create reaches the server 300 ms after the user stopped: it starts an upload, and answers.
      const s = await stub((r) => (isCreate(r) ? (stop.abort(), { hold: new Promise((ok) => setTimeout(ok, 300)) }) : undefined));
      const dataDir = await tempDir();
      const m = await new Ferry({ dataDir, secrets: new MemorySecretStore(), env: env(s.endpoint), network: { backoffMs: 50, requestTimeoutMs: 60_000 } }).connect({});
      const stopping = how === 'cancel' ? { signal: stop.signal } : { pauseSignal: stop.signal };
      const err = await m.upload({ file: src.path, bucket, key: 'on-its-way.bin', partSize: 8 * MiB, ...stopping }).catch((e: Error & { code?: string }) => e);
      if (how === 'cancel') {
        // Not "may hold an empty upload … for 15 minutes": the upload is known, and gone.
        expect(err, how).toMatchObject({ code: 'CANCELLED', message: 'Upload cancelled.' });
        expect(await pending(bucket, 'on-its-way.bin'), how).toEqual([]);
        expect(await saved(dataDir), how).toEqual([]);
      } else {
        expect(err, how).toMatchObject({ code: 'PAUSED' });
        // Paused before any part: nothing to continue, so no empty upload stays on the server for
        // another writer's sweep to take for a lost Create's. The pause itself is kept.
        expect(await pending(bucket, 'on-its-way.bin'), how).toEqual([]);
        expect(await saved(dataDir), how).toHaveLength(1);
        const done = await m.upload({ file: src.path, bucket, key: 'on-its-way.bin', partSize: 8 * MiB });
        expect(done.size, how).toBe(24 * MiB);
        expect(await pending(bucket, 'on-its-way.bin'), how).toEqual([]);
        expect(await saved(dataDir), how).toEqual([]);
      }
      m.close();
    }
  });

  it('a Create the server carries out seconds after a cancel gave up on it: the cancel says so, and the upload it started is removed by a later run', async () => {
    const src = await randomFile(await tempDir(), 'late.bin', 24 * MiB);
    const g = new URL(gateway().endpoint);
    let seen = false;
    // The Create is held and never answered; 4.5 s later the same signed request reaches the
    // server (a proxy or a busy server that kept it), after Ferry stopped waiting at 3 s.
    const s = await stub((r) => {
      if (!isCreate(r) || seen) return undefined;
      seen = true;
      setTimeout(() => httpRequest({ host: g.hostname, port: Number(g.port), method: 'POST', path: r.url.pathname + r.url.search, headers: r.headers }, (res) => res.resume()).end(), 4500);
      return { hold: new Promise(() => {}) };
    });
    const dataDir = await tempDir();
    const cancel = new AbortController();
    const m = await new Ferry({ dataDir, secrets: new MemorySecretStore(), env: env(s.endpoint), network: { backoffMs: 50, requestTimeoutMs: 60_000 } }).connect({});
    const running = m.upload({ file: src.path, bucket, key: 'late.bin', partSize: 8 * MiB, signal: cancel.signal }).catch((e: Error & { code?: string }) => e);
    await waitFor(async () => seen);
    cancel.abort();
    const err = await running;
    m.close();
    expect(err).toMatchObject({ code: 'CANCELLED', message: expect.stringMatching(/may (also )?hold an empty upload/) });
    // The window stays saved: "nothing listed yet" is not "nothing started".
    expect(await saved(dataDir)).toHaveLength(1);
    await waitFor(async () => (await pending(bucket, 'late.bin')).length === 1, 20_000);
    // A later run (here past the quiet time: a Ferry told 0) removes it, and uploads.
    const again = await machine(s.endpoint, 5000, 0, dataDir);
    await again.conn.upload({ file: src.path, bucket, key: 'late.bin', partSize: 8 * MiB });
    again.conn.close();
    expect(await pending(bucket, 'late.bin')).toEqual([]);
    expect(await saved(dataDir)).toEqual([]);
  });

  it('Ctrl-C when every answer is lost: the cancel still acts at once, says what is left, and the next run removes it', async () => {
    const src = await randomFile(await tempDir(), 'dark.bin', 24 * MiB);
    const cancel = new AbortController();
    let dark = false;
    let healed = false;
    const s = await stub((r) => {
      if (healed) return undefined;
      if (isCreate(r)) return { dropAnswer: true, keepOpen: true, onAnswer: () => ((dark = true), cancel.abort()) };
      // After the Create: the network swallows everything (listing and aborts included).
      return dark ? { hold: new Promise(() => {}) } : undefined;
    });
    const m = await machine(s.endpoint, 60_000);
    const started = Date.now();
    const err = await m.conn.upload({ file: src.path, bucket, key: 'dark.bin', partSize: 8 * MiB, signal: cancel.signal }).catch((e: Error & { code?: string }) => e);
    m.conn.close();
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(err).toMatchObject({ code: 'CANCELLED', message: expect.stringContaining('Ferry removes it the next time it uploads this file') });
    expect((err as Error).message).toContain(`ferry uploads abort s3://${bucket}/dark.bin --upload-id ID`);
    expect(await pending(bucket, 'dark.bin')).toHaveLength(1);
    expect(await saved(m.dataDir)).toHaveLength(1);
    // The next run, with the network back: it sweeps what the lost Create started, then uploads.
    healed = true;
    const again = (await machine(s.endpoint, 5000, 0, m.dataDir)).conn;
    await again.upload({ file: src.path, bucket, key: 'dark.bin', partSize: 8 * MiB });
    again.close();
    expect(await pending(bucket, 'dark.bin')).toEqual([]);
    expect(await saved(m.dataDir)).toEqual([]);
  });

  it('Ctrl-C while the first question (HEAD) has no answer acts at once: a download, a folder download, an upload with --no-clobber', async () => {
    await direct.storage.put(bucket, 'quiet/a.txt', Buffer.from('a'));
    const src = await randomFile(await tempDir(), 'quiet.bin', 1024);
    const s = await stub((r) => (r.method === 'HEAD' ? { hold: new Promise(() => {}) } : undefined));
    const out = await tempDir();
    for (const args of [
      ['cp', `s3://${bucket}/quiet/a.txt`, join(out, 'a.txt')],
      ['cp', `s3://${bucket}/quiet/`, join(out, 'tree'), '--recursive'],
      ['cp', src.path, `s3://${bucket}/quiet/new.bin`, '--no-clobber'],
    ]) {
      let sentAt = 0;
      const r = await ferry(args, {
        env: cliEnvFor(await tempDir(), s.endpoint),
        // Once the HEAD is on its way (the stub has seen it), Ctrl-C.
        onSpawn: (child) => {
          const poll = setInterval(() => {
            if (s.seen.some((q) => q.method === 'HEAD') && !sentAt) {
              sentAt = Date.now();
              child.kill('SIGINT');
            }
          }, 20);
          child.once('exit', () => clearInterval(poll));
        },
      });
      const took = Date.now() - sentAt;
      s.seen.length = 0;
      expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(130);
      // Not the minutes an unanswered request waits (a loose bound: this is not a benchmark).
      expect(took, args.join(' ')).toBeLessThan(5000);
    }
    expect(await pending(bucket, 'quiet/new.bin')).toEqual([]);
  });

  it('--no-clobber holds to the end: an object another writer stores while Ferry uploads is not replaced (one PUT, and in parts)', async () => {
    for (const [name, size] of [
      ['small.bin', 64 * 1024],
      ['parts.bin', 12 * MiB],
    ] as const) {
      const key = `nc-race/${name}`;
      const ours = await randomFile(await tempDir(), name, size);
      let theirs!: Promise<unknown>;
      // The key is free when Ferry looks; another writer stores its object while Ferry's bytes are on their way.
      const s = await stub((r) => {
        if (r.method === 'PUT' && r.url.pathname.endsWith(key) && !theirs) {
          theirs = direct.storage.put(bucket, key, Buffer.from('theirs'));
          return { hold: theirs };
        }
        return undefined;
      });
      const r = await ferry(['cp', ours.path, `s3://${bucket}/${key}`, '--no-clobber', '--part-size', '5MiB'], { env: cliEnvFor(await tempDir(), s.endpoint) });
      expect(r, name).toMatchObject({ code: 0, stdout: '', stderr: `ferry: s3://${bucket}/${key} already exists; not replaced (--no-clobber)\n` });
      expect((await direct.storage.getBytes(bucket, key, 100)).toString(), name).toBe('theirs');
      expect(await pending(bucket, key), name).toEqual([]);
    }
  });

  it('Keep both holds to the end too: a name another writer takes while Ferry uploads moves the upload to the next free name, theirs untouched (one PUT, and in parts)', async () => {
    // Theirs lands while Ferry's first PUT (the object, or a part) waits, or while its Complete
    // does: after Ferry's last look, where only the server's If-None-Match can tell.
    for (const [name, size, at] of [
      ['small.bin', 64 * 1024, 'PUT'],
      ['parts.bin', 12 * MiB, 'PUT'],
      ['complete.bin', 12 * MiB, 'POST'],
    ] as const) {
      const key = `kb-race/${name}`;
      const numbered = key.replace('.bin', ' (2).bin');
      const ours = await randomFile(await tempDir(), name, size);
      let theirs!: Promise<unknown>;
      const s = await stub((r) => {
        if (r.method === at && (at === 'PUT' || r.url.searchParams.has('uploadId')) && decodeURIComponent(r.url.pathname).endsWith(key) && !theirs) {
          theirs = direct.storage.put(bucket, key, Buffer.from('theirs'));
          // A Complete is answered as Ceph 16 answers one whose If-None-Match it passes over
          // while another writer's object lands: 200, no ETag, and theirs stays.
          const ignored = { respond: { status: 200, body: `<?xml version="1.0" encoding="UTF-8"?><CompleteMultipartUploadResult><Bucket>${bucket}</Bucket><Key>${key}</Key><ETag></ETag></CompleteMultipartUploadResult>` } };
          return at === 'POST' ? { hold: theirs, then: ignored } : { hold: theirs };
        }
        return undefined;
      });
      const { conn } = await machine(s.endpoint);
      const ended: TransferView[] = [];
      const queue = new TransferQueue({ connection: async () => conn, onChange: () => {}, onFinished: (v) => void ended.push(v), tuning: async () => ({ partSize: 5 * MiB }) });
      try {
        queue.add([{ account: 'a', bucket, key, file: ours.path, size, keepBoth: true }]);
        await waitFor(async () => ended.length === 1, 60_000);
        expect(ended[0], name).toMatchObject({ status: 'done', key: numbered, bytesDone: size });
        expect((await direct.storage.getBytes(bucket, key, 100)).toString(), name).toBe('theirs');
        expect(await contentOf(bucket, numbered), name).toEqual({ sha256: ours.sha256, size });
        // (The stub's Complete never reached the server: that upload is cleared by hand.)
        if (at === 'POST') for (const u of await pending(bucket, key)) await direct.storage.abortMultipartUpload(bucket, key, u.uploadId);
        expect(await pending(bucket, key), name).toEqual([]);
        expect(await pending(bucket, numbered), name).toEqual([]);
      } finally {
        conn.close();
      }
    }
  });

  it('Keep both, when the answer to its PUT is lost: the repeat finds its own bytes under the name and is done there, with no numbered copy', async () => {
    const key = 'kb-lost/lost.bin';
    const ours = await randomFile(await tempDir(), 'lost.bin', 2000);
    let dropped = false;
    const s = await stub((r) => (r.method === 'PUT' && r.url.pathname.endsWith(key) && !dropped ? ((dropped = true), { dropAnswer: true }) : undefined));
    const { conn } = await machine(s.endpoint);
    const ended: TransferView[] = [];
    const queue = new TransferQueue({ connection: async () => conn, onChange: () => {}, onFinished: (v) => void ended.push(v) });
    try {
      queue.add([{ account: 'a', bucket, key, file: ours.path, size: 2000, keepBoth: true }]);
      await waitFor(async () => ended.length === 1, 60_000);
      expect(dropped).toBe(true);
      expect(ended[0]).toMatchObject({ status: 'done', key });
      expect(await contentOf(bucket, key)).toEqual({ sha256: ours.sha256, size: 2000 });
      expect((await direct.storage.listPage(bucket, 'kb-lost/')).objects.map((o) => o.key)).toEqual([key]);
    } finally {
      conn.close();
    }
  });

  it('Ctrl-C on a folder upload whose clean-up the server does not confirm says what is left, and the next run removes it', async () => {
    const dir = await tempDir();
    for (const n of ['a.bin', 'b.bin']) await randomFile(dir, n, 12 * MiB);
    let dark = false;
    let healed = false;
    const s = await stub((r) => {
      if (healed) return undefined;
      // The first parts arrive; after that the network swallows parts and aborts alike.
      if (isPart(r) && r.url.searchParams.get('partNumber') !== '1') return (dark = true), { hold: new Promise(() => {}) };
      if (dark && r.method === 'DELETE') return { hold: new Promise(() => {}) };
      return undefined;
    });
    const dataDir = await tempDir();
    const args = ['cp', dir, `s3://${bucket}/left/`, '--recursive', '--part-size', '5MiB'];
    const r = await ferry(args, {
      env: cliEnvFor(dataDir, s.endpoint),
      onSpawn: (child) => {
        let sent = false;
        const poll = setInterval(() => void (dark && !sent && (sent = child.kill('SIGINT'))), 50);
        child.once('exit', () => clearInterval(poll));
      },
    });
    expect(r.code, r.stderr).toBe(130);
    expect(r.stderr).toMatch(/of the files left parts on the server that could not be removed in time \(above\); the next run of this upload removes them, or see them with ferry uploads ls s3:\/\/\S+\/left\/\.\n$/);
    expect(r.stderr).toMatch(/--upload-id \S+/);
    expect((await pending(bucket, 'left/a.bin')).length + (await pending(bucket, 'left/b.bin')).length).toBeGreaterThan(0);
    healed = true;
    expect((await ferry(args, { env: cliEnvFor(dataDir, s.endpoint) })).code).toBe(0);
    expect([...(await pending(bucket, 'left/a.bin')), ...(await pending(bucket, 'left/b.bin'))]).toEqual([]);
  });

  it('kill -9 of cp - mid-upload: the next cp - removes its temporary copy of stdin and its parts on the server', async () => {
    const tmp = await tempDir();
    const dataDir = await tempDir();
    let child: { kill: (s: NodeJS.Signals) => boolean } | undefined;
    // The second part never gets an answer: the upload is under way when the kill comes.
    const s = await stub((r) => (isPart(r) && r.url.searchParams.get('partNumber') === '2' ? { hold: new Promise(() => {}) } : undefined));
    const env = { ...cliEnvFor(dataDir, s.endpoint), TMPDIR: tmp };
    const input = 'x'.repeat(12 * MiB);
    const killed = ferry(['cp', '-', `s3://${bucket}/stdin-k9.bin`, '--part-size', '5MiB'], { env, input, onSpawn: (c) => (child = c) });
    await waitFor(async () => (await pending(bucket, 'stdin-k9.bin')).length === 1 && s.seen.some((r) => isPart(r) && r.url.searchParams.get('partNumber') === '2'));
    child!.kill('SIGKILL');
    expect((await killed).code).toBe(null);
    expect((await readdir(tmp)).filter((n) => n.startsWith('ferry-stdin-'))).toHaveLength(1);
    const next = await ferry(['cp', '-', `s3://${bucket}/stdin-next.txt`], { env, input: 'next' });
    expect(next, next.stderr).toMatchObject({ code: 0 });
    expect((await readdir(tmp)).filter((n) => n.startsWith('ferry-stdin-'))).toEqual([]);
    expect(await pending(bucket, 'stdin-k9.bin')).toEqual([]);
    expect(await saved(dataDir)).toEqual([]);
  });

  it('kill -9 after the server started the upload but before Ferry heard its ID: the next run removes it', async () => {
    const src = await randomFile(await tempDir(), 'killed.bin', 24 * MiB);
    const dataDir = await tempDir();
    let child: { kill: (s: NodeJS.Signals) => void } | undefined;
    let healed = false;
    const s = await stub((r) => (!healed && isCreate(r) ? { dropAnswer: true, keepOpen: true, onAnswer: () => child?.kill('SIGKILL') } : undefined));
    const args = ['cp', src.path, `s3://${bucket}/killed.bin`, '--part-size', '8MiB'];
    const killed = await ferry(args, { env: cliEnvFor(dataDir, s.endpoint), onSpawn: (c) => (child = c) });
    expect(killed.code).toBe(null);
    expect(await pending(bucket, 'killed.bin')).toHaveLength(1);
    healed = true;
    // The next run (once the quiet time has passed: a Ferry told 0) removes it, then uploads.
    const again = await machine(s.endpoint, 5000, 0, dataDir);
    await again.conn.upload({ file: src.path, bucket, key: 'killed.bin', partSize: 8 * MiB });
    again.conn.close();
    expect(await pending(bucket, 'killed.bin')).toEqual([]);
    expect(await contentOf(bucket, 'killed.bin')).toEqual({ sha256: src.sha256, size: src.size });
    expect(await saved(dataDir)).toEqual([]);
  });

  it('kill -9 just after the server completed the upload: the rerun sees the object is whole and sends nothing', async () => {
    const src = await randomFile(await tempDir(), 'whole.bin', 24 * MiB);
    const dataDir = await tempDir();
    let child: { kill: (s: NodeJS.Signals) => void } | undefined;
    let healed = false;
    const s = await stub((r) => (!healed && isComplete(r) ? { dropAnswer: true, keepOpen: true, onAnswer: () => child?.kill('SIGKILL') } : undefined));
    const args = ['cp', src.path, `s3://${bucket}/whole.bin`, '--part-size', '8MiB'];
    expect((await ferry(args, { env: cliEnvFor(dataDir, s.endpoint), onSpawn: (c) => (child = c) })).code).toBe(null);
    healed = true;
    const before = s.seen.length;
    const again = await ferry(args, { env: cliEnvFor(dataDir, s.endpoint) });
    expect(again.code).toBe(0);
    expect(again.stderr).toContain(`s3://${bucket}/whole.bin already holds this file`);
    expect(s.seen.slice(before).filter((r) => r.method === 'PUT' || r.method === 'POST')).toEqual([]);
    expect(await contentOf(bucket, 'whole.bin')).toEqual({ sha256: src.sha256, size: src.size });
    expect(await saved(dataDir)).toEqual([]);
  });

  it('a rerun while the file is missing keeps the interrupted upload; once it is back only the missing parts are sent', async () => {
    const dir = await tempDir();
    const src = await randomFile(dir, 'away.bin', 48 * MiB);
    const m = await machine();
    const pause = new AbortController();
    await expect(
      m.conn.upload({ file: src.path, bucket, key: 'away.bin', partSize: 8 * MiB, concurrency: 1, pauseSignal: pause.signal, onState: (st) => st.parts.length >= 3 && pause.abort() }),
    ).rejects.toMatchObject({ code: 'PAUSED' });
    const [upload] = await pending(bucket, 'away.bin');
    await rename(src.path, join(dir, 'moved.bin'));
    const err = await m.conn.upload({ file: src.path, bucket, key: 'away.bin', partSize: 8 * MiB }).catch((e: Error & { code?: string }) => e);
    expect(err).toMatchObject({ code: 'FILE_NOT_FOUND', message: expect.stringContaining('The interrupted upload is kept') });
    expect(await pending(bucket, 'away.bin')).toEqual([upload]);
    expect(await saved(m.dataDir)).toHaveLength(1);
    await rename(join(dir, 'moved.bin'), src.path);
    let resumed = 0;
    await m.conn.upload({ file: src.path, bucket, key: 'away.bin', partSize: 8 * MiB, onResume: (r) => (resumed = r.partsOnServer) });
    m.conn.close();
    expect(resumed).toBeGreaterThanOrEqual(3);
    expect(await contentOf(bucket, 'away.bin')).toEqual({ sha256: src.sha256, size: src.size });
    expect(await saved(m.dataDir)).toEqual([]);
  });

  it('ferry uploads abort leaves alone an upload a Ferry on this computer is sending, and forgets the state of one it aborts', async () => {
    const src = await randomFile(await tempDir(), 'live.bin', 24 * MiB);
    const dataDir = await tempDir();
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    let reached!: () => void;
    const atComplete = new Promise<void>((r) => (reached = r));
    const s = await stub((r) => (isComplete(r) ? (reached(), { hold: held }) : undefined));
    const sending = ferry(['cp', src.path, `s3://${bucket}/live.bin`, '--part-size', '8MiB'], { env: cliEnvFor(dataDir, s.endpoint) });
    await atComplete;
    const refused = await ferry(['uploads', 'abort', `s3://${bucket}/live.bin`], { env: cliEnvFor(dataDir, gateway().endpoint) });
    release();
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/s3:\/\/\S+\/live\.bin is being uploaded right now by another Ferry on this computer \(process \d+\)/);
    expect(await sending).toMatchObject({ code: 0 });
    expect(await contentOf(bucket, 'live.bin')).toEqual({ sha256: src.sha256, size: src.size });

    // A paused upload is no one's run: aborting it removes the upload and the state that would try to continue it.
    const m = await machine();
    const pause = new AbortController();
    await expect(m.conn.upload({ file: src.path, bucket, key: 'paused.bin', partSize: 8 * MiB, concurrency: 1, pauseSignal: pause.signal, onState: (st) => st.parts.length >= 1 && pause.abort() })).rejects.toMatchObject({ code: 'PAUSED' });
    m.conn.close();
    expect(await saved(m.dataDir)).toHaveLength(1);
    const aborted = await ferry(['uploads', 'abort', `s3://${bucket}/paused.bin`], { env: cliEnvFor(m.dataDir, gateway().endpoint) });
    expect(aborted).toMatchObject({ code: 0, stdout: expect.stringContaining(`abort: s3://${bucket}/paused.bin`) });
    expect(await pending(bucket, 'paused.bin')).toEqual([]);
    expect(await saved(m.dataDir)).toEqual([]);
  });

  it('a move deletes an original only while it is what was copied: one written again meanwhile is kept', async () => {
    await direct.storage.put(bucket, 'mv/a.txt', Buffer.from('first'));
    await direct.storage.put(bucket, 'mv/c.txt', Buffer.from('untouched'));
    let copies = 0;
    let rewrote = false;
    const s = await stub((r) => {
      if (r.method === 'PUT' && r.headers['x-amz-copy-source']) copies++;
      // Once both copies are made, another writer saves a new a.txt before Ferry looks at it.
      if (copies === 2 && !rewrote && r.method === 'HEAD' && r.url.pathname.endsWith('/mv/a.txt')) {
        rewrote = true;
        return { hold: direct.storage.put(bucket, 'mv/a.txt', Buffer.from('second, newer')) };
      }
      return undefined;
    });
    const m = await machine(s.endpoint);
    const err = await moveObjects(m.conn.storage, bucket, 'mv/', 'moved/').catch((e: Error & { code?: string }) => e);
    m.conn.close();
    expect(err).toMatchObject({ code: 'REPLACED', message: expect.stringContaining('mv/a.txt was written again by someone else during the move') });
    const text = async (key: string) => (await direct.storage.getBytes(bucket, key, 100)).toString();
    expect(await text('mv/a.txt')).toBe('second, newer');
    expect(await text('moved/a.txt')).toBe('first');
    expect(await text('moved/c.txt')).toBe('untouched');
    expect(await direct.storage.exists(bucket, 'mv/c.txt')).toBe(false);
  });

  it('a rewrite that lands between the look and the delete is kept by a server that honours If-Match on DELETE (as AWS does)', async () => {
    await direct.storage.put(bucket, 'mvif/a.txt', Buffer.from('first'));
    const s = await stub((r) => {
      if (r.method !== 'DELETE' || !r.url.pathname.endsWith('/mvif/a.txt')) return undefined;
      // Ferry sends the ETag it just looked at; the other writer's save lands before the DELETE does.
      expect(r.headers['if-match']).toBeTruthy();
      return { hold: direct.storage.put(bucket, 'mvif/a.txt', Buffer.from('second, newer')), then: { respond: { status: 412, body: s3Error('PreconditionFailed', 'At least one of the pre-conditions you specified did not hold') } } };
    });
    const m = await machine(s.endpoint);
    const err = await moveObjects(m.conn.storage, bucket, 'mvif/a.txt', 'mvif/b.txt').catch((e: Error & { code?: string }) => e);
    m.conn.close();
    expect(err).toMatchObject({ code: 'REPLACED', message: expect.stringContaining('mvif/a.txt was written again by someone else during the move') });
    expect((await direct.storage.getBytes(bucket, 'mvif/a.txt', 100)).toString()).toBe('second, newer');
    expect((await direct.storage.getBytes(bucket, 'mvif/b.txt', 100)).toString()).toBe('first');
  });

  it("nothing the user writes goes under .ferry/, where Ferry's pages are served as web pages", async () => {
    await direct.storage.put(bucket, 'in/got.html', Buffer.from('<script>alert(1)</script>'));
    await expect(moveObjects(direct.storage, bucket, 'in/got.html', '.ferry/requests/page.html')).rejects.toMatchObject({ code: 'BAD_S3_URL', message: expect.stringContaining('where Ferry keeps the pages') });
    const src = await randomFile(await tempDir(), 'page.html', 10);
    await expect(direct.upload({ file: src.path, bucket, key: '.ferry/requests/page.html' })).rejects.toMatchObject({ code: 'BAD_S3_URL' });
    expect(await direct.storage.exists(bucket, '.ferry/requests/page.html')).toBe(false);
  });

  it('a download cleans up what a killed save of its progress left in the folder', async () => {
    const dir = await tempDir();
    await direct.storage.put(bucket, 'note.txt', Buffer.from('hello'));
    const stray = join(dir, 'note.txt.ferry-download.json.4242.0badf00d.tmp');
    await writeFile(stray, '{"torn":');
    await direct.download({ bucket, key: 'note.txt', file: join(dir, 'note.txt') });
    expect((await readdir(dir)).sort()).toEqual(['note.txt']);
  });
});

describe('downloads onto a full disk', () => {
  it('a full disk is said in local words at once, never retried as a network fault, and leaves nothing in the folder', async () => {
    const { mkdir, rm } = await import('node:fs/promises');
    const { spawnSync } = await import('node:child_process');
    const g = gateway();
    const conn = await new Ferry({ dataDir: await tempDir(), secrets: new MemorySecretStore(), env: { AWS_ACCESS_KEY_ID: g.accessKeyId, AWS_SECRET_ACCESS_KEY: g.secretAccessKey, AWS_ENDPOINT_URL: g.endpoint } }).connect({});
    const bucket = uniqueName('full');
    await conn.storage.createBucket(bucket);
    const src = await randomFile(await tempDir(), 'big.bin', 12 * MiB);
    await conn.upload({ file: src.path, bucket, key: 'big.bin' });
    const disk = join(await tempDir(), 'small-disk');
    await mkdir(disk);
    const mounted = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=4m', 'tmpfs', disk], { encoding: 'utf8' });
    if (mounted.status !== 0) throw new Error(`This test mounts a 4 MiB tmpfs as a full disk and needs root and mount (util-linux): ${mounted.stderr}`);
    try {
      let waited = false;
      const err = await conn.download({ bucket, key: 'big.bin', file: join(disk, 'big.bin'), onWaiting: () => (waited = true) }).catch((e: Error & { code?: string }) => e);
      expect(err).toMatchObject({ code: 'DISK_FULL', message: expect.stringMatching(new RegExp(`the disk holding ${disk} is full \\(.* free, .* more needed\\)`)) });
      expect((err as Error).message).not.toMatch(/reported an error|127\.0\.0\.1/);
      expect(waited).toBe(false);
      expect(await readdir(disk)).toEqual([]);
    } finally {
      spawnSync('umount', [disk]);
      await rm(disk, { recursive: true, force: true });
      conn.close();
    }
  });

  it('a read-only disk is said as such for a file, a new folder and a folder download', async () => {
    const { mkdir, rm } = await import('node:fs/promises');
    const { spawnSync } = await import('node:child_process');
    const dataDir = await tempDir();
    const bucket = uniqueName('ro');
    const g = gateway();
    const env = cliEnv(dataDir, { AWS_ACCESS_KEY_ID: g.accessKeyId, AWS_SECRET_ACCESS_KEY: g.secretAccessKey, AWS_ENDPOINT_URL: g.endpoint });
    expect((await ferry(['mb', `s3://${bucket}`], { env })).code).toBe(0);
    const src = await randomFile(await tempDir(), 'a.bin', 1024);
    expect((await ferry(['cp', src.path, `s3://${bucket}/f/a.bin`], { env })).code).toBe(0);
    expect((await ferry(['cp', src.path, `s3://${bucket}/f/sub/b.bin`], { env })).code).toBe(0);
    const disk = join(await tempDir(), 'ro-disk');
    await mkdir(disk);
    const mounted = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=1m,ro', 'tmpfs', disk], { encoding: 'utf8' });
    if (mounted.status !== 0) throw new Error(`This test mounts a read-only tmpfs and needs root and mount (util-linux): ${mounted.stderr}`);
    try {
      for (const [from, to, extra] of [
        [`s3://${bucket}/f/a.bin`, `${disk}/`, []],
        [`s3://${bucket}/f/a.bin`, `${disk}/new/`, []],
        [`s3://${bucket}/f/`, `${disk}/tree`, ['--recursive']],
        // Into the read-only folder itself: its subfolder cannot be made either.
        [`s3://${bucket}/f/`, disk, ['--recursive']],
      ] as const) {
        const r = await ferry(['cp', from, to, ...extra], { env });
        expect(r.code, `${from} → ${to}`).toBe(1);
        expect(r.stderr, `${from} → ${to}`).toMatch(/read-only/);
        expect(r.stderr).not.toMatch(/unexpected error|ENOENT|EROFS/);
      }
      // Where cp - keeps stdin: TMPDIR on the read-only disk.
      const piped = await ferry(['cp', '-', `s3://${bucket}/from-stdin.txt`], { env: { ...env, TMPDIR: disk }, input: 'hi' });
      expect(piped).toMatchObject({ code: 1, stderr: `ferry: Ferry keeps what comes on stdin in a temporary folder, and ${disk} is on a read-only disk; nothing was sent. Set TMPDIR to a folder you can write to, then try again.\n` });
    } finally {
      spawnSync('umount', [disk]);
      await rm(disk, { recursive: true, force: true });
    }
  });

  it("Ferry's own data folder read-only or full: said in local words, and a full disk leaves no lock behind", async () => {
    const { mkdir, rm } = await import('node:fs/promises');
    const { spawnSync } = await import('node:child_process');
    const g = gateway();
    const bucket = uniqueName('dd');
    const keys = { AWS_ACCESS_KEY_ID: g.accessKeyId, AWS_SECRET_ACCESS_KEY: g.secretAccessKey, AWS_ENDPOINT_URL: g.endpoint };
    expect((await ferry(['mb', `s3://${bucket}`], { env: cliEnv(await tempDir(), keys) })).code).toBe(0);
    const src = await randomFile(await tempDir(), 'big.bin', 12 * MiB);
    for (const [how, options] of [
      ['read-only', 'size=1m,ro'],
      ['full', 'size=64k'],
    ] as const) {
      const disk = join(await tempDir(), `${how}-disk`);
      await mkdir(disk);
      const mounted = spawnSync('mount', ['-t', 'tmpfs', '-o', options, 'tmpfs', disk], { encoding: 'utf8' });
      if (mounted.status !== 0) throw new Error(`This test mounts a tmpfs and needs root and mount (util-linux): ${mounted.stderr}`);
      try {
        // A full disk: filled to the last byte first.
        if (how === 'full') spawnSync('sh', ['-c', `mkdir -p ${disk}/transfers; head -c 1m /dev/zero > ${disk}/filler`]);
        const env = cliEnv(disk, keys);
        const args = ['cp', src.path, `s3://${bucket}/${how}.bin`, '--part-size', '5MiB'];
        const r = await ferry(args, { env });
        expect(r.code, r.stderr).toBe(1);
        expect(r.stderr).toBe(`ferry: Ferry cannot write in its data folder ${disk}: the disk holding it is ${how}. Free some space or fix its permissions, or set FERRY_DATA_DIR to a folder you can write to; nothing was changed.\n`);
        // Asked again at once, the same answer: no lock of the first run stands for "another Ferry".
        expect((await ferry(args, { env })).stderr).not.toMatch(/another Ferry/);
      } finally {
        spawnSync('umount', [disk]);
        await rm(disk, { recursive: true, force: true });
      }
    }
    // Refused before anything was sent: nothing is left on the server.
    expect((await ferry(['uploads', 'ls', `s3://${bucket}`], { env: cliEnv(await tempDir(), keys) })).stdout).toBe(`No unfinished uploads in s3://${bucket}/\n`);
  });
});

describe('progress on a terminal that reports no width', () => {
  it('an upload and a download on a 0-column terminal finish with status 0 and say so', async () => {
    const g = gateway();
    const dataDir = await tempDir();
    const env = cliEnv(dataDir, { AWS_ACCESS_KEY_ID: g.accessKeyId, AWS_SECRET_ACCESS_KEY: g.secretAccessKey, AWS_ENDPOINT_URL: g.endpoint });
    const bucket = uniqueName('narrow');
    const conn = await new Ferry({ dataDir, secrets: new MemorySecretStore(), env }).connect({});
    await conn.storage.createBucket(bucket);
    conn.close();
    const dir = await tempDir();
    const src = await randomFile(dir, 'wide.bin', 20 * MiB);
    // A new pseudo-terminal has a window size of 0 × 0 until someone sets it.
    const inPty = (...args: string[]) => atTerminal([], args, env);
    const up = inPty('cp', src.path, `s3://${bucket}/wide.bin`, '--part-size', '5MiB');
    expect(up.status, up.stdout).toBe(0);
    expect(up.stdout).toContain(`upload: ${src.path} to s3://${bucket}/wide.bin`);
    const down = inPty('cp', `s3://${bucket}/wide.bin`, join(dir, 'back.bin'));
    expect(down.status, down.stdout).toBe(0);
    expect(down.stdout).not.toMatch(/Invalid count value|error/i);
    expect(await sha256File(join(dir, 'back.bin'))).toBe(src.sha256);
  });
});

describe("what a cancel could not finish is finished by the app's next start", () => {
  it('a cancelled upload the server did not confirm, and a lost Create, are aborted when the window starts again', async () => {
    const { coreWithAccount } = await import('../support/helpers');
    const { createAppCore } = await import('../../main/app/handlers');
    const { CreateMultipartUploadCommand } = await import('@aws-sdk/client-s3');
    const { UploadStateStore } = await import('../../main/core/transfers/state');
    // The lost Create's upload was started a moment ago: a quiet time of 0 stands for the window starting after it has passed.
    const { ferry: core, dataDir, account } = await coreWithAccount({ lostCreateQuietMs: 0 });
    const conn = await core.connect({ account });
    const bucket = uniqueName('restart');
    await conn.storage.createBucket(bucket);
    const file = (await randomFile(await tempDir(), 'left.bin', 1024)).path;
    const sentAt = Date.now();
    const [cancelled, lost] = await Promise.all(['cancelled.bin', 'lost.bin'].map((Key) => conn.storage.client.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key }))));
    const states = new UploadStateStore(dataDir);
    const base = { account, endpoint: conn.storage.endpoint, file, bucket, partSize: 8 * MiB, size: 1024, mtimeMs: 0, parts: [], startedAt: new Date().toISOString() };
    // As a cancel leaves it when the abort was not confirmed, and as a kill during a lost Create does.
    await states.save({ ...base, key: 'cancelled.bin', uploadId: cancelled!.UploadId!, cancelled: true });
    await states.save({ ...base, key: 'lost.bin', unsure: [{ from: sentAt - 1000 }] });
    const app = createAppCore({
      ferry: core,
      dataDir,
      requestPollMs: 0,
      platform: { copyText: () => {}, notify: () => {}, openExternal: () => {}, pickFiles: async () => [], confirm: async () => true },
      emit: () => {},
      appInfo: { name: 'Ferry', version: 'test', platform: 'linux' },
    });
    await waitFor(async () => (await conn.storage.listMultipartUploads(bucket)).length === 0, 20_000);
    await waitFor(async () => (await states.list()).length === 0, 5000);
    // Neither comes back as a paused upload to resume.
    const transfers = await app.handle('transfers:list', undefined);
    expect(transfers).toMatchObject({ ok: true, value: [] });
    expect(lost).toBeDefined();
    app.dispose();
    conn.close();
  });
});
