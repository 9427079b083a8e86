import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { chmod, chown, link, lstat, readdir, readFile, realpath, rm, symlink, writeFile } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAppCore, type AppCore } from '../../main/app/handlers';
import type { Connection, Ferry } from '../../main/core/ferry';
import { Ferry as FerryCore } from '../../main/core/ferry';
import { planRecursive, TargetPlanner } from '../../main/core/transfers/targets';
import type { TransferView } from '../../preload/contract';
import { cliEnv, coreWithAccount, ferry as runFerry, tempDir, uniqueName, waitFor, withHostileS3 } from '../support/helpers';
import type { HostileServer } from '../support/hostile-s3';

const MiB = 1024 * 1024;
const md5 = (b: Buffer) => createHash('md5').update(b).digest('hex');

/** Every file a download writes is its own, inside the chosen folder, and checked whole where the ETag allows. */
describe('one writer per local file', () => {
  let core: Ferry;
  let conn: Connection;
  let app: AppCore;
  let dataDir: string;
  let account: string;
  let picked: string[] = [];
  const notices: string[] = [];
  const bucket = uniqueName('dlocal');
  const put = (Key: string, Body: Buffer | string) => conn.storage.put(bucket, Key, Buffer.from(Body));

  beforeAll(async () => {
    ({ ferry: core, dataDir, account } = await coreWithAccount());
    conn = await core.connect({ account });
    await conn.storage.createBucket(bucket);
    app = createAppCore({
      ferry: core,
      dataDir,
      requestPollMs: 0,
      batchMs: 10,
      platform: { copyText: () => {}, notify: () => {}, openExternal: () => {}, confirm: async () => true, pickFiles: async () => picked },
      emit: (e, p) => void (e === 'notice' && notices.push((p as { message: string }).message)),
      appInfo: { name: 'Ferry', version: 'test', platform: 'linux' },
    });
    // The window lists an account's buckets before it works in one.
    await app.handle('buckets:list', { account });
  });
  afterAll(() => {
    app?.dispose();
    conn?.close();
  });

  const call = async <T,>(channel: string, payload: unknown): Promise<T> => {
    const r = await app.handle(channel, payload);
    if (!r.ok) throw Object.assign(new Error(r.error.message), { code: r.error.code });
    return r.value as T;
  };
  /** Lists a folder as the window does before acting on what it shows. */
  const shown = (prefix: string) => call('objects:list', { account, bucket, prefix });
  const finished = async (ids: string[]) => {
    await waitFor(async () => (await call<TransferView[]>('transfers:list', undefined)).filter((t) => ids.includes(t.id)).every((t) => t.status === 'done' || t.status === 'failed'), 60_000);
    return (await call<TransferView[]>('transfers:list', undefined)).filter((t) => ids.includes(t.id));
  };

  it('keys whose safe names collide get a file each, in the window and with ferry cp --recursive; nothing is stitched', async () => {
    await put('f/a\u0001.txt', 'first object');
    await put('f/a\u0002.txt', 'second object, longer');
    await put('f/a\u0003.txt', 'third');
    await shown('');
    await shown('f/');
    picked = [await tempDir()];
    const added = await call<TransferView[]>('downloads:add', { account, bucket, keys: ['f/a\u0001.txt', 'f/a\u0002.txt', 'f/'] });
    const done = await finished(added.map((t) => t.id));
    expect(done.map((t) => t.status)).toEqual(['done', 'done', 'done', 'done', 'done']);
    expect(new Set(done.map((t) => t.file)).size).toBe(5);
    const files = (await readdir(picked[0]!)).sort();
    expect(files).toEqual(['a_ (1).txt', 'a_.txt', 'f']);
    expect((await readdir(join(picked[0]!, 'f'))).sort()).toEqual(['a_ (1).txt', 'a_ (2).txt', 'a_.txt']);
    const contents = await Promise.all(done.map((t) => readFile(t.file, 'utf8')));
    expect(contents.sort()).toEqual(['first object', 'first object', 'second object, longer', 'second object, longer', 'third'].sort());

    const out = await tempDir();
    const r = await runFerry(['cp', `s3://${bucket}/f/`, out, '--recursive', '--account', account], { env: cliEnv(dataDir) });
    expect(r.code, r.stderr).toBe(0);
    expect((await readdir(out)).sort()).toEqual(['a_ (1).txt', 'a_ (2).txt', 'a_.txt']);
    expect((await Promise.all((await readdir(out)).map((n) => readFile(join(out, n), 'utf8')))).sort()).toEqual(['first object', 'second object, longer', 'third']);
  });

  it('a key that is already a good file name keeps it: a cleaned name never takes it, in the window or the CLI', async () => {
    await put('exact/a\u0001.png', 'cleaned one');
    await put('exact/a_.png', 'the real a_.png');
    await put('exact/a_ (1).png', 'the real a_ (1).png');
    const plan = await planRecursive(conn.storage, bucket, 'exact/', await tempDir());
    const byKey = new Map(plan.items.map((i) => [i.key, i.file.split('/').pop()]));
    expect(byKey.get('exact/a_.png')).toBe('a_.png');
    expect(byKey.get('exact/a_ (1).png')).toBe('a_ (1).png');
    expect(byKey.get('exact/a\u0001.png')).toBe('a_ (2).png');
  });

  it('an empty segment in a key (a//b.txt) names no folder: the file lands where the path joins it, beside a b.txt of its own', async () => {
    await put('dbl//b.txt', 'double slash');
    await put('dbl/b.txt', 'single slash');
    await put('dbl/x//y/z.txt', 'deeper');
    const root = await realpath(await tempDir());
    const plan = await planRecursive(conn.storage, bucket, 'dbl/', root);
    const byKey = new Map(plan.items.map((i) => [i.key, relative(root, i.file)]));
    expect(byKey.get('dbl/b.txt')).toBe('b.txt');
    expect(byKey.get('dbl//b.txt')).toBe('b (1).txt');
    expect(byKey.get('dbl/x//y/z.txt')).toBe(join('x', 'y', 'z.txt'));
  });

  it('what a paused download kept of an object that was then deleted goes when the download is asked again', async () => {
    await put('gone/x.bin', Buffer.alloc(12 * 1024 * 1024, 7));
    const file = join(await tempDir(), 'x.bin');
    const pause = new AbortController();
    await expect(conn.download({ bucket, key: 'gone/x.bin', file, partSize: 5 * 1024 * 1024, concurrency: 1, pauseSignal: pause.signal, onKept: () => pause.abort() })).rejects.toMatchObject({ code: 'PAUSED' });
    expect((await readdir(dirname(file))).sort()).toEqual(['x.bin.ferry-download', 'x.bin.ferry-download.json']);
    await conn.storage.delete(bucket, 'gone/x.bin');
    await expect(conn.download({ bucket, key: 'gone/x.bin', file })).rejects.toMatchObject({ code: 'NO_SUCH_KEY' });
    expect(await readdir(dirname(file))).toEqual([]);
  });

  it('on a file system that folds case, names that differ only in case get a file each', async () => {
    await put('case/Report.txt', 'upper');
    await put('case/report.txt', 'lower');
    const plan = await planRecursive(conn.storage, bucket, 'case/', await tempDir(), undefined, { folds: true });
    expect(plan.items.map((i) => i.file.split('/').pop()).sort()).toEqual(['Report.txt', 'report (1).txt']);
    const plain = await planRecursive(conn.storage, bucket, 'case/', await tempDir(), undefined, { folds: false });
    expect(plain.items.map((i) => i.file.split('/').pop()).sort()).toEqual(['Report.txt', 'report.txt']);
  });

  it('a symbolic link already at NAME.ferry-download is never written through: the CLI stops, the window picks another name', async () => {
    await put('link/secret.txt', 'from the bucket');
    const outside = await tempDir();
    const victim = join(outside, 'victim.txt');
    await writeFile(victim, 'keep me');
    const dir = await tempDir();
    await symlink(victim, join(dir, 'secret.txt.ferry-download'));
    await symlink(join(outside, 'created.txt'), join(dir, 'other.txt.ferry-download'));
    const r = await runFerry(['cp', `s3://${bucket}/link/secret.txt`, join(dir, 'secret.txt'), '--account', account], { env: cliEnv(dataDir) });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/secret.txt.ferry-download is in the way: it is not a partial download Ferry made \(it is a symbolic link\)/);
    expect(await readFile(victim, 'utf8')).toBe('keep me');
    expect((await lstat(join(dir, 'secret.txt.ferry-download'))).isSymbolicLink()).toBe(true);
    // The window: a dangling link to a file outside makes no file there.
    await put('link/other.txt', 'other');
    await shown('');
    await shown('link/');
    picked = [dir];
    const added = await call<TransferView[]>('downloads:add', { account, bucket, keys: ['link/secret.txt', 'link/other.txt'] });
    const done = await finished(added.map((t) => t.id));
    expect(done.map((t) => [t.status, t.file.split('/').pop()])).toEqual([
      ['done', 'secret (1).txt'],
      ['done', 'other (1).txt'],
    ]);
    expect(await readdir(outside)).toEqual(['victim.txt']);
    expect(await readFile(victim, 'utf8')).toBe('keep me');
  });

  it('a partial file that is a hard link to another file is not continued or written', async () => {
    await put('hard/data.bin', Buffer.alloc(3 * MiB, 5));
    const dir = await tempDir();
    const other = join(dir, 'precious.bin');
    await writeFile(other, Buffer.alloc(3 * MiB, 1));
    await link(other, join(dir, 'data.bin.ferry-download'));
    await writeFile(join(dir, 'data.bin.ferry-download.json'), JSON.stringify({ version: 1, bucket, key: 'hard/data.bin', etag: (await conn.storage.head(bucket, 'hard/data.bin')).etag, size: 3 * MiB, partSize: 8 * MiB, done: [] }));
    await expect(conn.download({ bucket, key: 'hard/data.bin', file: join(dir, 'data.bin'), replace: true })).rejects.toThrow(/is in the way.*other hard links/);
    expect((await readFile(other)).every((b) => b === 1)).toBe(true);
  });

  it('inside ferry cp --recursive, a symbolic link to a folder outside is not followed', async () => {
    await put('tree/sub/x.txt', 'x');
    await put('tree/top.txt', 'top');
    const outside = await tempDir();
    const out = await tempDir();
    await symlink(outside, join(out, 'sub'));
    const r = await runFerry(['cp', `s3://${bucket}/tree/`, out, '--recursive', '--account', account], { env: cliEnv(dataDir) });
    expect(r.code, r.stderr).toBe(0);
    expect(await readdir(outside)).toEqual([]);
    expect(await readFile(join(out, 'sub (1)', 'x.txt'), 'utf8')).toBe('x');
  });

  it('two downloads into one file at once: one writes, the other is refused and says why', async () => {
    await put('two/big.bin', Buffer.alloc(12 * MiB, 9));
    const file = join(await tempDir(), 'big.bin');
    const results = await Promise.allSettled([conn.download({ bucket, key: 'two/big.bin', file, replace: true }), conn.download({ bucket, key: 'two/big.bin', file, replace: true })]);
    expect(results.map((r) => r.status).sort()).toEqual(['fulfilled', 'rejected']);
    expect((results.find((r) => r.status === 'rejected') as PromiseRejectedResult).reason.message).toMatch(/is already being downloaded/);
    expect((await readFile(file)).every((b) => b === 9)).toBe(true);
  });

  it('two spellings of one file (a symbolic link to its folder) share one claim: the second download is refused', async () => {
    await put('alias/big.bin', Buffer.alloc(16 * MiB, 2));
    const dir = await tempDir();
    await symlink(dir, `${dir}-alias`);
    const results = await Promise.allSettled([conn.download({ bucket, key: 'alias/big.bin', file: join(dir, 'out.bin'), replace: true }), conn.download({ bucket, key: 'alias/big.bin', file: join(`${dir}-alias`, 'OUT.bin'.toLowerCase()), replace: true })]);
    expect(results.map((r) => r.status).sort()).toEqual(['fulfilled', 'rejected']);
    expect((results.find((r) => r.status === 'rejected') as PromiseRejectedResult).reason.message).toMatch(/is already being downloaded/);
  });

  /** A download in 5 MiB ranges, one at a time, during which `meanwhile` happens once, just after the first range lands. */
  const interrupted = (req: Omit<Parameters<Connection['download']>[0], 'onKept'>, meanwhile: () => void) => {
    let happened = false;
    return conn.download({
      replace: true,
      partSize: 5 * MiB,
      concurrency: 1,
      ...req,
      onKept: () => {
        if (happened) return;
        happened = true;
        meanwhile();
      },
    });
  };

  it('a partial file replaced by another program mid-download is never given the name, nor reported verified', async () => {
    await put('swap/data.bin', Buffer.alloc(12 * MiB, 6));
    const dir = await tempDir();
    const file = join(dir, 'data.bin');
    const run = interrupted({ bucket, key: 'swap/data.bin', file }, () => {
      // Another writer removes the partial and makes its own.
      rmSync(`${file}.ferry-download`);
      writeFileSync(`${file}.ferry-download`, 'someone else');
    });
    await expect(run).rejects.toThrow(/was replaced by another program/);
    // Its file is left as it is; no file got the name.
    expect(readFileSync(`${file}.ferry-download`, 'utf8')).toBe('someone else');
    expect(await readdir(dir)).not.toContain('data.bin');
  });

  it('a folder swapped for a symbolic link after the plan is not written through', async () => {
    await put('late-swap/sub/x.txt', 'x');
    const root = await tempDir();
    const outside = await tempDir();
    const plan = await planRecursive(conn.storage, bucket, 'late-swap/', root);
    const [item] = plan.items;
    await rm(join(root, 'sub'), { recursive: true });
    await symlink(outside, join(root, 'sub'));
    await expect(conn.download({ bucket, key: item!.key, file: item!.file, folder: item!.folder, replace: true })).rejects.toThrow(/is no longer the folder this download was planned into/);
    expect(await readdir(outside)).toEqual([]);
  });

  it('a folder swapped for a symbolic link while the download runs: nothing lands outside, nothing there is replaced', async () => {
    await put('mid-swap/data.bin', Buffer.alloc(12 * MiB, 5));
    const root = await tempDir();
    const outside = await tempDir();
    await writeFile(join(outside, 'data.bin'), 'victim');
    const plan = await planRecursive(conn.storage, bucket, 'mid-swap/', root);
    const [item] = plan.items;
    const run = interrupted({ bucket, key: item!.key, file: join(root, 'data.bin'), folder: item!.folder }, () => {
      // Someone with write access to the folder above moves the folder away and leaves a link to elsewhere.
      execFileSync('mv', [root, `${root}-moved`]);
      execFileSync('ln', ['-s', outside, root]);
    });
    await expect(run).rejects.toThrow(/no longer the folder this download was writing into.*Nothing was written anywhere else/);
    expect(await readdir(outside)).toEqual(['data.bin']);
    expect(await readFile(join(outside, 'data.bin'), 'utf8')).toBe('victim');
    // The partial file went where the download began, and was removed from there.
    expect(await readdir(`${root}-moved`)).toEqual([]);
  });

  it('a folder swapped for a symbolic link while the download is planned: nothing is made or written through it', async () => {
    await put('plan-swap/top.txt', 'top');
    await put('plan-swap/sub/deep.txt', 'deep');
    const root = join(await tempDir(), 'dl');
    const outside = await tempDir();
    await writeFile(join(outside, 'top.txt'), 'victim');
    const planner = await TargetPlanner.create(root, { replace: true });
    // The swap lands after the folder was looked at and before its objects are planned (a slow listing).
    execFileSync('mv', [root, `${root}.moved`]);
    execFileSync('ln', ['-s', outside, root]);
    await planner.add('plan-swap/top.txt', 3, ['top.txt']);
    await planner.add('plan-swap/sub/deep.txt', 4, ['sub', 'deep.txt']);
    const { items, skipped } = planner.plan;
    expect(skipped.map((s) => s.key)).toEqual(['plan-swap/sub/deep.txt']);
    for (const item of items) {
      await expect(conn.download({ bucket, key: item.key, file: item.file, folder: item.folder, replace: true })).rejects.toThrow(/is no longer the folder this download was planned into/);
    }
    expect((await readdir(outside)).sort()).toEqual(['top.txt']);
    expect(await readFile(join(outside, 'top.txt'), 'utf8')).toBe('victim');
  });

  it('a folder deleted while the download runs stays deleted, and the message says so', async () => {
    await put('mid-delete/data.bin', Buffer.alloc(12 * MiB, 4));
    const dir = join(await tempDir(), 'gone');
    execFileSync('mkdir', [dir]);
    const err = await interrupted({ bucket, key: 'mid-delete/data.bin', file: join(dir, 'data.bin') }, () => rmSync(dir, { recursive: true })).catch((e: Error) => e);
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).message).toMatch(new RegExp(`The folder ${dir} was deleted or moved away during the download, so nothing was kept`));
    expect(await lstat(dir).then(() => 'there', () => 'gone')).toBe('gone');
  });

  it("in a folder others can write to, a partial file another user planted (with a state naming it) is not continued", async () => {
    await put('planted/mid.bin', Buffer.alloc(2 * MiB, 8));
    const dir = await tempDir();
    await chmod(dir, 0o1777);
    const partial = join(dir, 'mid.bin.ferry-download');
    writeFileSync(partial, Buffer.alloc(2 * MiB));
    await chmod(partial, 0o666);
    await chown(partial, 65534, 65534);
    const st = await lstat(partial);
    const head = await conn.storage.head(bucket, 'planted/mid.bin');
    await writeFile(`${partial}.json`, JSON.stringify({ version: 1, bucket, key: 'planted/mid.bin', etag: head.etag, size: 2 * MiB, partSize: 8 * MiB, done: [], dev: st.dev, ino: st.ino }));
    await expect(conn.download({ bucket, key: 'planted/mid.bin', file: join(dir, 'mid.bin'), replace: true })).rejects.toThrow(/is in the way.*another user owns it or can write to it/);
    expect(await readdir(dir)).not.toContain('mid.bin');
  });

  it("a FIFO where the download keeps its progress is refused at once, never waited on", async () => {
    await put('fifo/x.txt', 'x');
    const dir = await tempDir();
    execFileSync('mkfifo', [join(dir, 'x.txt.ferry-download.json')]);
    await expect(conn.download({ bucket, key: 'fifo/x.txt', file: join(dir, 'x.txt'), replace: true })).rejects.toThrow(/x.txt.ferry-download.json is in the way/);
  });

  it("an object named like another's partial, progress or temporary progress file gets a name of its own; neither is lost", async () => {
    for (const [folder, lookalike, cleaned] of [
      ['names', 'Z_.ferry-download.json', 'Z\u007f'],
      ['temp-name', 'f_.txt.ferry-download.json.1.deadbeef.tmp', 'f\x01.txt'],
    ] as const) {
      await put(`${folder}/${lookalike}`, 'a file someone named so');
      await put(`${folder}/${cleaned}`, 'the object whose name is cleaned');
      const out = await tempDir();
      const r = await runFerry(['cp', `s3://${bucket}/${folder}/`, out, '--recursive', '--account', account], { env: cliEnv(dataDir) });
      expect(r.code, r.stderr).toBe(0);
      const files = (await readdir(out)).sort();
      expect(files, folder).toHaveLength(2);
      expect((await Promise.all(files.map((f) => readFile(join(out, f), 'utf8')))).sort()).toEqual(['a file someone named so', 'the object whose name is cleaned']);
    }
  });

  it('the window never renames over a file that appeared at the name meanwhile', async () => {
    await put('late/report.pdf', Buffer.alloc(20 * MiB, 3));
    const dir = await tempDir();
    const file = join(dir, 'report.pdf');
    let wrote = false;
    const r = await conn.download({
      bucket,
      key: 'late/report.pdf',
      file,
      partSize: 5 * MiB,
      concurrency: 1,
      onKept: () => {
        if (!wrote) void writeFile(file, 'written by someone else');
        wrote = true;
      },
    });
    expect(r.file).toBe(join(dir, 'report (1).pdf'));
    expect(await readFile(file, 'utf8')).toBe('written by someone else');
    expect((await readdir(dir)).sort()).toEqual(['report (1).pdf', 'report.pdf']);
  });
});

describe('whole-file checks against a server that sends the wrong bytes', () => {
  let s3: HostileServer;
  let core: FerryCore;
  let env: NodeJS.ProcessEnv;

  beforeAll(async () => {
    ({ s3, core, env } = await withHostileS3({ requestTimeoutMs: 2000 }));
  });
  afterAll(() => s3?.close());

  const flipped = (b: Buffer) => {
    const bad = Buffer.from(b);
    bad[bad.length >> 1] = bad[bad.length >> 1]! ^ 0xff;
    return bad;
  };

  it('a 20 MiB object fetched in ranges whose ETag is its MD5 is checked whole: one flipped byte is refused, nothing kept', async () => {
    const body = Buffer.alloc(20 * MiB, 7);
    s3.objects.set('hostile/plain.bin', { body, served: flipped(body) });
    const dir = await tempDir();
    const conn = await core.connect();
    await expect(conn.download({ bucket: 'hostile', key: 'plain.bin', file: join(dir, 'plain.bin'), partSize: 5 * MiB, replace: true })).rejects.toThrow(/arrived damaged.*MD5/);
    expect(await readdir(dir)).toEqual([]);
    s3.objects.set('hostile/plain.bin', { body });
    expect((await conn.download({ bucket: 'hostile', key: 'plain.bin', file: join(dir, 'plain.bin'), partSize: 5 * MiB, replace: true })).verified).toBe('md5');
    conn.close();
  });

  it('a multipart ETag is checked where the part size is known, and the check that ran is reported', async () => {
    const body = Buffer.alloc(21 * MiB, 4);
    const partSize = 6 * MiB;
    const parts = [];
    for (let at = 0; at < body.length; at += partSize) parts.push(createHash('md5').update(body.subarray(at, at + partSize)).digest());
    const etag = `"${md5(Buffer.concat(parts))}-${parts.length}"`;
    const dir = await tempDir();
    const conn = await core.connect();
    // Told by the object (as Ferry's uploads record it): damage is refused, whole bytes pass.
    s3.objects.set('hostile/mp.bin', { body, served: flipped(body), etag, headers: { 'x-amz-meta-ferry-part-size': String(partSize) } });
    await expect(conn.download({ bucket: 'hostile', key: 'mp.bin', file: join(dir, 'mp.bin'), replace: true })).rejects.toThrow(/arrived damaged.*part checksums/);
    s3.objects.set('hostile/mp.bin', { body, etag, headers: { 'x-amz-meta-ferry-part-size': String(partSize) } });
    expect((await conn.download({ bucket: 'hostile', key: 'mp.bin', file: join(dir, 'mp.bin'), replace: true })).verified).toBe('parts-md5');
    // Not told, and 6 MiB is no common part size: only the size could be checked, and it says so.
    s3.objects.set('hostile/mp.bin', { body, etag });
    expect((await conn.download({ bucket: 'hostile', key: 'mp.bin', file: join(dir, 'mp.bin'), replace: true })).verified).toBe('size');
    conn.close();
  });

  it('a one-part multipart ETag is conclusive: damage is refused, not passed as a size check', async () => {
    const body = Buffer.alloc(3 * MiB, 9);
    const etag = `"${md5(Buffer.from(createHash('md5').update(body).digest()))}-1"`;
    const dir = await tempDir();
    const conn = await core.connect();
    s3.objects.set('hostile/one.bin', { body, served: flipped(body), etag });
    await expect(conn.download({ bucket: 'hostile', key: 'one.bin', file: join(dir, 'one.bin'), replace: true })).rejects.toThrow(/arrived damaged/);
    expect(await readdir(dir)).toEqual([]);
    s3.objects.set('hostile/one.bin', { body, etag });
    expect((await conn.download({ bucket: 'hostile', key: 'one.bin', file: join(dir, 'one.bin'), replace: true })).verified).toBe('parts-md5');
    conn.close();
  });

  it('one bad key in a folder download is reported and skipped; the rest arrive', async () => {
    for (const key of ['dl/good.txt', 'dl/..', 'dl/x', 'dl/x/inside.txt', `dl/${'k'.repeat(2000)}`, 'dl/also good.txt']) s3.objects.set(`hostile/${key}`, { body: Buffer.from(`body of ${key.slice(0, 20)}`) });
    const out = await tempDir();
    const r = await runFerry(['cp', 's3://hostile/dl/', out, '--recursive'], { env });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/skipped s3:\/\/hostile\/dl\/k+.*longer than S3 allows/);
    expect(r.stderr).toMatch(/1 of 6 objects were not downloaded/);
    const names = (await readdir(out)).sort();
    expect(names).toEqual(['_', 'also good.txt', 'good.txt', 'x', 'x (1)'].sort());
    expect(await readFile(join(out, 'good.txt'), 'utf8')).toBe('body of dl/good.txt');
  });
});
