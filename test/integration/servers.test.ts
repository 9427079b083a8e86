import {
  AbortMultipartUploadCommand,
  CreateMultipartUploadCommand,
  GetObjectCommand,
  ListMultipartUploadsCommand,
  ListPartsCommand,
  PutObjectCommand,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { createPresignedPost } from '@aws-sdk/s3-presigned-post';
import { createHash } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Ferry, type Connection } from '../../main/core/ferry';
import type { Capabilities } from '../../main/core/s3/capabilities';
import { checksumHeader } from '../../main/core/s3/checksums';
import { MemorySecretStore } from '../../main/core/secrets/secrets';
import { MiB } from '../../main/core/transfers/plan';
import { s3Error, startStubProxy, type StubProxy } from '../support/stub-proxy';
import { cliEnv, ferry, randomFile, servers, sha256Stream, tempDir, uniqueName } from '../support/helpers';

/**
 * The server-facing cases, against every S3 server the suite runs (Ceph's RADOS Gateway and
 * OpenStack Swift's s3api), through the CLI as a user runs it. A case that passes on one server
 * and fails on the other shows up under that server's name.
 */
describe.each(servers())('on $name', (server) => {
  let dataDir: string;
  let env: NodeJS.ProcessEnv;
  let direct: Connection;
  const account = uniqueName(server.name);
  const bucket = uniqueName(`srv-${server.name}`);
  const stubs: StubProxy[] = [];
  const run = (args: string[], input?: string) => ferry([...args, '--account', account], { env, ...(input !== undefined ? { input } : {}) });
  const contentOf = async (key: string) => sha256Stream((await direct.storage.client.send(new GetObjectCommand({ Bucket: bucket, Key: key }))).Body as Readable);
  const addAccount = (name: string, endpoint: string, secret = server.secretAccessKey, extra: string[] = []) =>
    ferry(['accounts', 'add', name, '--provider', server.provider, '--endpoint-url', endpoint, ...extra], { env, input: `${server.accessKeyId}\n${secret}\n` });

  /** Runs ferry and kills it with SIGKILL once the server holds `parts` parts of `key` (asked directly, not through any stub). */
  const killOnceStored = (args: string[], key: string, parts: number) =>
    ferry(args, {
      env,
      onSpawn: (child) => {
        const poll = setInterval(() => {
          void direct.storage
            .listMultipartUploads(bucket, key)
            .then(async ([u]) => {
              if (u && (await direct.storage.multipartUsage(bucket, key, u.uploadId)).parts >= parts) child.kill('SIGKILL');
            })
            .catch(() => {}); // the upload may end between the two requests
        }, 30);
        child.once('exit', () => clearInterval(poll));
      },
    });

  beforeAll(async () => {
    dataDir = await tempDir();
    env = cliEnv(dataDir);
    const added = await addAccount(account, server.endpoint);
    expect(added.code, added.stderr).toBe(0);
    direct = await new Ferry({
      dataDir: await tempDir(),
      secrets: new MemorySecretStore(),
      env: { AWS_ACCESS_KEY_ID: server.accessKeyId, AWS_SECRET_ACCESS_KEY: server.secretAccessKey, AWS_ENDPOINT_URL: server.endpoint },
    }).connect();
    await direct.storage.createBucket(bucket);
  });
  afterAll(async () => {
    direct.close();
    await Promise.all(stubs.map((s) => s.close()));
  });

  it('the tutorial: test the account, make a bucket, copy, list, presign, share with a download name', async () => {
    const tutorial = uniqueName(`tut-${server.name}`);
    const test = await run(['accounts', 'test', account]);
    expect(test.code, test.stdout + test.stderr).toBe(0);
    expect((await run(['mb', `s3://${tutorial}`])).code).toBe(0);
    const dir = await tempDir();
    await writeFile(join(dir, 'my-file.txt'), 'hello from ferry');
    expect((await run(['cp', join(dir, 'my-file.txt'), `s3://${tutorial}/my-file.txt`])).code).toBe(0);
    expect((await run(['ls', `s3://${tutorial}/`])).stdout).toContain('my-file.txt');
    const presigned = await run(['presign', `s3://${tutorial}/my-file.txt`, '--expires-in', '604800']);
    expect(presigned.code, presigned.stderr).toBe(0);
    expect(await (await fetch(presigned.stdout.trim())).text()).toBe('hello from ferry');
    const shared = await run(['share', join(dir, 'my-file.txt'), `s3://${tutorial}/reports/`, '--expires-in', '1d', '--filename', 'Q4 report.txt']);
    expect(shared.code, shared.stderr).toBe(0);
    const res = await fetch(shared.stdout.trim());
    expect(res.status).toBe(200);
    expect(res.headers.get('content-disposition')).toContain('Q4 report.txt');
    expect((await run(['rm', `s3://${tutorial}/reports/my-file.txt`])).code).toBe(0);
    expect((await run(['ls', `s3://${tutorial}/reports/`])).stdout).not.toContain('my-file.txt');
  });

  it('single and multipart uploads store exactly the file', async () => {
    const dir = await tempDir();
    for (const [name, size] of [
      ['single.bin', 3 * MiB],
      ['multi.bin', 40 * MiB + 12345],
    ] as const) {
      const src = await randomFile(dir, name, size);
      const r = await run(['cp', src.path, `s3://${bucket}/${name}`, '--part-size', '8MiB']);
      expect(r.code, r.stderr).toBe(0);
      expect(await contentOf(name)).toEqual({ sha256: src.sha256, size });
    }
    expect(await direct.storage.listMultipartUploads(bucket)).toEqual([]);
  });

  it('odd keys: spaces, +, %, #, ?, & and non-Latin names upload, list and share', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'x.txt'), 'odd');
    for (const key of ['dir/sub dir/a b+c%20#?=&.txt', 'résumé 日本語 📦.txt']) {
      expect((await run(['cp', join(dir, 'x.txt'), `s3://${bucket}/${key}`])).code).toBe(0);
      expect((await run(['ls', `s3://${bucket}`, '--recursive'])).stdout).toContain(key);
      const link = await run(['presign', `s3://${bucket}/${key}`]);
      expect(await (await fetch(link.stdout.trim())).text()).toBe('odd');
    }
  });

  it('share FILE… --one-link: two files of one name from two folders, the same file twice and a folder each keep their own bytes, and the page names them inside the prefix', async () => {
    const dir = await tempDir();
    const [a, b, photos] = [join(dir, 'a'), join(dir, 'b'), join(dir, 'photos')];
    for (const d of [a, b, photos]) await mkdir(d);
    await writeFile(join(a, 'report.txt'), 'from a');
    await writeFile(join(b, 'report.txt'), 'from b');
    await writeFile(join(dir, 'report (2).txt'), 'given by that name');
    await writeFile(join(photos, 'cat.jpg'), 'cat');
    const given = [join(a, 'report.txt'), join(b, 'report.txt'), join(a, 'report.txt'), join(dir, 'report (2).txt'), photos];
    const shared = await run(['share', ...given, `s3://${bucket}/clash/`, '--one-link']);
    expect(shared.code, shared.stderr).toBe(0);
    const want: Record<string, string> = { 'report.txt': 'from a', 'report (3).txt': 'from b', 'report (2).txt': 'given by that name', 'photos/cat.jpg': 'cat' };
    for (const [name, body] of Object.entries(want)) expect(await (await fetch(await direct.presign({ bucket, key: `clash/${name}`, expiresIn: 60 }).then((l) => l.url))).text(), name).toBe(body);
    expect(shared.stderr).toContain(`s3://${bucket}/clash/report (3).txt`);
    const page = await (await fetch(shared.stdout.trim())).text();
    const data = JSON.parse(/<script type="application\/json" id="ferry-data">([^<]*)<\/script>/.exec(page)![1]!) as { files: Array<{ name: string; url: string }> };
    expect(data.files.map((f) => f.name).sort()).toEqual(Object.keys(want).sort());
    for (const f of data.files) expect(await (await fetch(f.url)).text(), f.name).toBe(want[f.name]);
  });

  it('share never replaces: a second share of one name keeps the first (its link still serves it) and stores the file beside it; --replace replaces', async () => {
    const dir = await tempDir();
    const file = join(dir, 'report.pdf');
    await writeFile(file, 'VERSION ONE');
    const first = await run(['share', file, `s3://${bucket}/again/`]);
    expect(first.code, first.stderr).toBe(0);
    await writeFile(file, 'VERSION TWO, longer');
    const second = await run(['share', file, `s3://${bucket}/again/`]);
    expect(second.code, second.stderr).toBe(0);
    expect(second.stderr).toContain(`ferry: s3://${bucket}/again/report.pdf is taken, so this file is kept beside it as s3://${bucket}/again/report (2).pdf (--replace replaces it instead)`);
    expect(await (await fetch(first.stdout.trim())).text()).toBe('VERSION ONE');
    expect(await (await fetch(second.stdout.trim())).text()).toBe('VERSION TWO, longer');
    await writeFile(file, 'VERSION THREE');
    const replaced = await run(['share', file, `s3://${bucket}/again/`, '--replace']);
    expect(replaced.code, replaced.stderr).toBe(0);
    expect(await (await fetch(replaced.stdout.trim())).text()).toBe('VERSION THREE');
    expect(new URL(replaced.stdout.trim()).pathname).toBe(`/${bucket}/again/report.pdf`);
    // --no-clobber keeps what is there, and there is then no link: said, with a failing status for scripts.
    const kept = await run(['share', file, `s3://${bucket}/again/`, '--no-clobber']);
    expect(kept).toMatchObject({ code: 1, stdout: '' });
    expect(kept.stderr).toContain(`s3://${bucket}/again/report.pdf already exists and was kept (--no-clobber), so no link was made.`);
    // Twins in one --one-link share that meet a taken name are numbered past it too.
    const twins = await run(['share', file, `s3://${bucket}/again/`, '--one-link']);
    expect(twins.code, twins.stderr).toBe(0);
    expect(twins.stderr).toContain(`kept beside it as s3://${bucket}/again/report (3).pdf`);
  });

  it('web pages (.html, .htm, .xhtml) upload, list, skip with --no-clobber, share and delete like any file', async () => {
    const dir = await tempDir();
    for (const name of ['page.html', 'old.htm', 'doc.xhtml']) {
      const body = `<!doctype html><html><body><h1>${name}</h1></body></html>`;
      await writeFile(join(dir, name), body);
      const cp = await run(['cp', join(dir, name), `s3://${bucket}/web/${name}`]);
      expect(cp.code, cp.stderr).toBe(0);
      const again = await run(['cp', join(dir, name), `s3://${bucket}/web/${name}`, '--no-clobber']);
      expect(again.code, again.stderr).toBe(0);
      expect(again.stderr).toContain('already exists; not replaced');
      const share = await run(['presign', `s3://${bucket}/web/${name}`]);
      expect(await (await fetch(share.stdout.trim())).text()).toBe(body);
      expect((await run(['ls', `s3://${bucket}/web/`])).stdout).toContain(name);
      const rm = await run(['rm', `s3://${bucket}/web/${name}`]);
      expect(rm.code, rm.stderr).toBe(0);
    }
  });

  it('ferry cp killed with SIGKILL continues on the next run, sending only what is missing', async () => {
    const src = await randomFile(await tempDir(), 'resume.bin', 96 * MiB);
    const args = ['cp', src.path, `s3://${bucket}/resume.bin`, '--part-size', '8MiB', '--concurrency', '2', '--account', account];
    const killed = await killOnceStored(args, 'resume.bin', 3);
    expect(killed.code).toBe(null);
    const again = await ferry([...args, '--debug'], { env });
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).toMatch(/continuing an interrupted upload: \d+ of 12 parts are already on the server/);
    expect(await contentOf('resume.bin')).toEqual({ sha256: src.sha256, size: 96 * MiB });
    expect(await direct.storage.listMultipartUploads(bucket, 'resume.bin')).toEqual([]);
  });

  it('a server without ListParts: after a kill, the next run starts over once and says why', async () => {
    const stub = await startStubProxy(server.endpoint, (r) =>
      r.method === 'GET' && r.url.searchParams.has('uploadId') ? { respond: { status: 405, body: s3Error('MethodNotAllowed', 'The specified method is not allowed against this resource.') } } : undefined,
    );
    stubs.push(stub);
    const name = uniqueName('nolist');
    expect((await addAccount(name, stub.endpoint)).code).toBe(0);
    const src = await randomFile(await tempDir(), 'nolist.bin', 48 * MiB);
    const args = ['cp', src.path, `s3://${bucket}/nolist.bin`, '--part-size', '8MiB', '--concurrency', '1', '--account', name];
    // Killed once a part is stored (its state is saved before the first part is sent).
    await killOnceStored(args, 'nolist.bin', 1);
    const again = await ferry(args, { env });
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).toMatch(/starting the upload over: the server cannot list the parts of an unfinished upload \(ListParts\)/);
    expect(await contentOf('nolist.bin')).toEqual({ sha256: src.sha256, size: 48 * MiB });
    expect(await direct.storage.listMultipartUploads(bucket, 'nolist.bin')).toEqual([]);
  });

  it('lists past 1,000 keys, page by page', async () => {
    const keys = Array.from({ length: 1100 }, (_, i) => `many/${String(i).padStart(5, '0')}.txt`);
    for (let i = 0; i < keys.length; i += 50) {
      await Promise.all(keys.slice(i, i + 50).map((Key) => direct.storage.client.send(new PutObjectCommand({ Bucket: bucket, Key, Body: 'x' }))));
    }
    const r = await run(['ls', `s3://${bucket}/many/`, '--recursive']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.trim().split('\n')).toHaveLength(1100);
  });

  it('lists and aborts unfinished uploads', async () => {
    await direct.storage.client.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: 'left/behind.bin' }));
    const ls = await run(['uploads', 'ls', `s3://${bucket}/left/`]);
    expect(ls.code, ls.stderr).toBe(0);
    expect(ls.stdout).toContain('left/behind.bin');
    expect((await run(['uploads', 'abort', `s3://${bucket}/left/`])).code).toBe(0);
    expect(await direct.storage.listMultipartUploads(bucket, 'left/')).toEqual([]);
  });

  it('a server that signs a different request than Ferry did is not reported as a wrong secret', async () => {
    // Listing buckets works; listing objects and uploading get SignatureDoesNotMatch, as from a
    // server that signs /bucket where the SDK signs /bucket/.
    const stub = await startStubProxy(server.endpoint, (r) =>
      r.url.pathname !== '/' ? { respond: { status: 403, body: s3Error('SignatureDoesNotMatch', 'The request signature we calculated does not match the signature you provided.') } } : undefined,
    );
    stubs.push(stub);
    const name = uniqueName('sig');
    expect((await addAccount(name, stub.endpoint)).code).toBe(0);
    const dir = await tempDir();
    await writeFile(join(dir, 'x.txt'), 'x');
    for (const args of [['ls', `s3://${bucket}/`], ['cp', join(dir, 'x.txt'), `s3://${bucket}/x.txt`]]) {
      const r = await ferry([...args, '--account', name], { env });
      expect(r.code).toBe(1);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(/yet it accepts the same keys for listing buckets: the secret is right/);
      expect(r.stderr).not.toMatch(/secret access key is wrong/);
    }
  });

  it('"Test connection" learns what the server supports, matching what direct requests show, and saves it', async () => {
    const r = await run(['accounts', 'test', account, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const caps = (JSON.parse(r.stdout) as { capabilities: Capabilities }).capabilities;
    expect(caps.bucket).toBeTruthy();
    const b = caps.bucket;
    const c = await direct.storage.client.get();
    const body = Buffer.from('direct check');
    const refused = (p: Promise<unknown>) => p.then(() => false, () => true);
    // Content-MD5 and each flexible checksum, sent wrong.
    expect(caps.verifiesContentMd5).toBe(await refused(c.send(new PutObjectCommand({ Bucket: b, Key: 'direct/md5', Body: body, ContentMD5: createHash('md5').update('x').digest('base64') }))));
    for (const algorithm of ['CRC32', 'CRC32C', 'CRC64NVME'] as const) {
      const wrong = await refused(c.send(new PutObjectCommand({ Bucket: b, Key: `direct/${algorithm}`, Body: body, ChecksumAlgorithm: algorithm, [`Checksum${algorithm}`]: checksumHeader(algorithm, Buffer.from('x')) })));
      const right = !(await refused(c.send(new PutObjectCommand({ Bucket: b, Key: `direct/${algorithm}-ok`, Body: body, ChecksumAlgorithm: algorithm, [`Checksum${algorithm}`]: checksumHeader(algorithm, body) }))));
      expect(caps.checksums.includes(algorithm), algorithm).toBe(wrong && right);
    }
    // Only-if-absent writes: a PUT with If-None-Match: * onto a key that holds an object.
    await c.send(new PutObjectCommand({ Bucket: b, Key: 'direct/if-absent', Body: body }));
    const again = await c.send(new PutObjectCommand({ Bucket: b, Key: 'direct/if-absent', Body: body, IfNoneMatch: '*' })).then(() => 200, (e: { $metadata?: { httpStatusCode?: number } }) => e.$metadata?.httpStatusCode);
    expect(caps.conditionalWrites).toBe(again === 412);
    // Multipart, ListParts, ListMultipartUploads and abort.
    const u = await c.send(new CreateMultipartUploadCommand({ Bucket: b, Key: 'direct/mp' }));
    expect(caps.multipart).toBe(!(await refused(c.send(new UploadPartCommand({ Bucket: b, Key: 'direct/mp', UploadId: u.UploadId, PartNumber: 1, Body: body })))));
    expect(caps.listParts).toBe(!(await refused(c.send(new ListPartsCommand({ Bucket: b, Key: 'direct/mp', UploadId: u.UploadId })))));
    expect(caps.listMultipartUploads).toBe(!(await refused(c.send(new ListMultipartUploadsCommand({ Bucket: b, Prefix: 'direct/' })))));
    expect(caps.abortMultipart).toBe(!(await refused(c.send(new AbortMultipartUploadCommand({ Bucket: b, Key: 'direct/mp', UploadId: u.UploadId })))));
    // Browser-form POST uploads.
    const post = await createPresignedPost(c, { Bucket: b, Key: 'direct/post', Expires: 60 });
    const form = new FormData();
    for (const [k, v] of Object.entries(post.fields)) form.append(k, v);
    form.append('file', new Blob([body]));
    const posted = await fetch(post.url, { method: 'POST', body: form });
    expect(caps.postPolicy).toBe(posted.status >= 200 && posted.status < 300);
    expect(Math.abs(caps.clockSkewSeconds)).toBeLessThanOrEqual(2);
    expect(caps.pathStyleOnly).toBe(true);
    // Saved on the account; the words name each ability.
    const saved = JSON.parse(await readFile(join(dataDir, 'settings.json'), 'utf8')) as { accounts: Array<{ name: string; capabilities?: Capabilities }> };
    expect(saved.accounts.find((a) => a.name === account)?.capabilities).toEqual(caps);
    const words = await run(['accounts', 'test', account]);
    expect(words.stdout).toMatch(/What the server supports \(tested in bucket/);
    expect(words.stdout).toMatch(/resume \(ListParts\)/);
    expect(words.stdout).toMatch(caps.conditionalWrites ? /yes +only-if-absent writes \(If-None-Match\): a name another writer takes/ : /no +only-if-absent writes \(If-None-Match\): NOT supported/);
    if (process.env.FERRY_TEST_VERBOSE) console.log(`${server.name}:\n${words.stdout}`);
  });

  it('"Test connection" on a server without ListParts or abort says so, and uploads then do not ask', async () => {
    const stub = await startStubProxy(server.endpoint, (r) => {
      if (r.url.searchParams.has('uploadId') && (r.method === 'GET' || r.method === 'DELETE')) {
        return { respond: { status: 405, body: s3Error('MethodNotAllowed', 'The specified method is not allowed against this resource.') } };
      }
      return undefined;
    });
    stubs.push(stub);
    const name = uniqueName('limited');
    expect((await addAccount(name, stub.endpoint)).code).toBe(0);
    const r = await ferry(['accounts', 'test', name, '--json'], { env });
    const caps = (JSON.parse(r.stdout) as { capabilities: Capabilities }).capabilities;
    expect(caps).toMatchObject({ multipart: true, listParts: false, abortMultipart: false });
    const words = await ferry(['accounts', 'test', name], { env });
    expect(words.stdout).toMatch(/no\s+resume \(ListParts\): not supported: an interrupted upload starts over/);
    expect(words.stdout).toMatch(/no\s+cancel \(AbortMultipartUpload\): NOT supported/);
    // A multipart upload is warned about, once, before it starts.
    const src = await randomFile(await tempDir(), 'warned.bin', 24 * MiB);
    const cp = await ferry(['cp', src.path, `s3://${bucket}/warned.bin`, '--part-size', '8MiB', '--account', name], { env });
    expect(cp.code, cp.stderr).toBe(0);
    expect(cp.stderr.match(/does not support cancelling multipart uploads/g)).toHaveLength(1);
    // The probe's scratch upload could not be aborted there: clean it up directly.
    for (const u of await direct.storage.listMultipartUploads(caps.bucket, '.ferry-probe/')) await direct.storage.abortMultipartUpload(caps.bucket, u.key, u.uploadId);
  });

  it('a wrong secret key is one line saying the secret is wrong', async () => {
    const name = uniqueName('wrong');
    expect((await addAccount(name, server.endpoint, 'not-the-secret', ['--no-test'])).code).toBe(0);
    const r = await ferry(['ls', `s3://${bucket}`, '--account', name], { env });
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/secret access key is wrong/);
  });
});
