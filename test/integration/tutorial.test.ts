import { mkdir, readFile, readdir, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { addGatewayAccount, cliEnv, ferry, gateway, tempDir, uniqueName } from '../support/helpers';

/**
 * The Storj "presigned URLs with the AWS CLI" tutorial, step by step, with `ferry` instead of
 * `aws`: configure keys, make a bucket, copy a file, presign it for 7 days, open the link.
 */
describe('the presigned-URL tutorial with ferry', () => {
  let dataDir: string;
  let env: NodeJS.ProcessEnv;
  let account: string;
  let work: string;
  const bucket = uniqueName('demo-bucket');

  beforeAll(async () => {
    dataDir = await tempDir();
    work = await tempDir();
    env = cliEnv(dataDir);
    account = uniqueName('local');
  });

  it('adds an account with keys piped on stdin and keeps them only in the keychain', async () => {
    const r = await addGatewayAccount(dataDir, account);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`Added account "${account}"`);
    const list = await ferry(['accounts', 'list'], { env });
    expect(list.stdout).toMatch(new RegExp(`\\* ${account}\\s+Ceph \\(RADOS Gateway\\)\\s+${gateway().endpoint}`));
    const test = await ferry(['accounts', 'test', account], { env });
    expect(test.code).toBe(0);
    expect(test.stdout).toMatch(/ok\s+credentials accepted/);
  });

  it('makes a bucket, copies a file, lists it, presigns it for 7 days and the link serves the file', async () => {
    const mb = await ferry(['mb', `s3://${bucket}`], { env });
    expect(mb).toMatchObject({ code: 0, stdout: `make_bucket: ${bucket}\n`, stderr: '' });

    const file = join(work, 'my-file.txt');
    await writeFile(file, 'Hello from Ferry\n');
    const cp = await ferry(['cp', file, `s3://${bucket}/my-file.txt`], { env });
    expect(cp).toMatchObject({ code: 0, stdout: `upload: ${file} to s3://${bucket}/my-file.txt\n`, stderr: '' });

    const ls = await ferry(['ls', `s3://${bucket}`], { env });
    expect(ls.stdout).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\s+17 my-file\.txt$/m);

    const before = Date.now();
    const presign = await ferry(['presign', `s3://${bucket}/my-file.txt`, '--expires-in', '604800'], { env });
    expect(presign.code).toBe(0);
    expect(presign.stderr).toBe('');
    const lines = presign.stdout.trim().split('\n');
    expect(lines).toHaveLength(1);
    const url = new URL(lines[0]!);
    expect(url.searchParams.get('X-Amz-Expires')).toBe('604800');
    const res = await fetch(url);
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('Hello from Ferry\n');
    expect(res.headers.get('content-type')).toBe('text/plain; charset=utf-8');

    const after = Date.now();
    const links = await ferry(['links', '--json'], { env });
    const [latest] = JSON.parse(links.stdout) as Array<{ key: string; createdAt: string; expiresAt: string; expired: boolean }>;
    expect(latest).toMatchObject({ key: 'my-file.txt', expired: false });
    // Signed at a whole second during the command; expires exactly 7 days later.
    const created = Date.parse(latest!.createdAt);
    expect(created).toBeGreaterThan(before - 1000);
    expect(created).toBeLessThanOrEqual(after);
    expect(Date.parse(latest!.expiresAt) - created).toBe(604_800_000);
    expect(url.searchParams.get('X-Amz-Date')).toBe(latest!.createdAt.replace(/[-:]/g, '').replace('.000', ''));
  });

  it('presigns with the AWS CLI default of one hour', async () => {
    const r = await ferry(['presign', `s3://${bucket}/my-file.txt`, '--json'], { env });
    const link = JSON.parse(r.stdout) as { url: string; lifetimeSeconds: number };
    expect(link.lifetimeSeconds).toBe(3600);
    expect(new URL(link.url).searchParams.get('X-Amz-Expires')).toBe('3600');
  });

  it('shares a file in one step, with a download name, and the key defaults to the file name', async () => {
    const file = join(work, 'report 2026.csv');
    await writeFile(file, 'a,b\n1,2\n');
    const r = await ferry(['share', file, `s3://${bucket}/reports/`, '--expires-in', '15m', '--filename', 'Q4 résumé.csv'], { env });
    expect(r.code).toBe(0);
    const res = await fetch(r.stdout.trim());
    expect(await res.text()).toBe('a,b\n1,2\n');
    expect(res.headers.get('content-disposition')).toBe(`attachment; filename="Q4 re_sume_.csv"; filename*=UTF-8''Q4%20r%C3%A9sum%C3%A9.csv`);
    const ls = await ferry(['ls', `s3://${bucket}/reports/`], { env });
    expect(ls.stdout).toMatch(/ 8 report 2026\.csv$/m);
    const top = await ferry(['ls', `s3://${bucket}`], { env });
    expect(top.stdout).toMatch(/^\s+PRE reports\/$/m);
  });

  it('cp --recursive uploads a folder tree under a prefix, as aws s3 cp --recursive does', async () => {
    const dir = join(work, 'site');
    await mkdir(join(dir, 'css', 'deep'), { recursive: true });
    await writeFile(join(dir, 'index.html'), '<h1>hi</h1>');
    await writeFile(join(dir, 'css', 'main.css'), 'body{}');
    await writeFile(join(dir, 'css', 'deep', 'x y.css'), 'p{}');
    const r = await ferry(['cp', dir, `s3://${bucket}/www`, '--recursive'], { env });
    expect(r.code).toBe(0);
    expect(r.stdout.trim().split('\n').sort()).toEqual(
      [`upload: ${join(dir, 'css/deep/x y.css')} to s3://${bucket}/www/css/deep/x y.css`, `upload: ${join(dir, 'css/main.css')} to s3://${bucket}/www/css/main.css`, `upload: ${join(dir, 'index.html')} to s3://${bucket}/www/index.html`].sort(),
    );
    const ls = await ferry(['ls', `s3://${bucket}/www/`, '--recursive'], { env });
    expect(ls.stdout).toMatch(/ 11 www\/index\.html$/m);
    expect(ls.stdout).toMatch(/ 3 www\/css\/deep\/x y\.css$/m);
    const url = (await ferry(['presign', `s3://${bucket}/www/index.html`], { env })).stdout.trim();
    const res = await fetch(url);
    // Its link downloads it rather than showing a page on the storage origin.
    expect(res.headers.get('content-type')).toBe('application/octet-stream');
    expect(res.headers.get('content-disposition')).toBe('attachment; filename="index.html"');
    expect(await res.text()).toBe('<h1>hi</h1>');
  });

  it('accepts global options before or after the subcommand, as aws does', async () => {
    const g = gateway();
    const after = await ferry(['ls', `s3://${bucket}`, '--account', account, '--endpoint-url', g.endpoint, '--region', 'us-east-1'], { env });
    const before = await ferry(['--account', account, '--endpoint-url', g.endpoint, '--region', 'us-east-1', 'ls', `s3://${bucket}`], { env });
    expect(after.code).toBe(0);
    expect(before.stdout).toBe(after.stdout);
    expect(after.stdout).toContain('my-file.txt');
  });

  it('works from AWS_* variables alone, with no keychain at all', async () => {
    const g = gateway();
    const noKeychain = cliEnv(await tempDir(), {
      DBUS_SESSION_BUS_ADDRESS: 'unix:path=/nonexistent/bus',
      AWS_ACCESS_KEY_ID: g.accessKeyId,
      AWS_SECRET_ACCESS_KEY: g.secretAccessKey,
      AWS_ENDPOINT_URL: g.endpoint,
      AWS_REGION: 'us-east-1',
    });
    const r = await ferry(['ls', `s3://${bucket}`], { env: noKeychain });
    expect(r.stderr).toBe('');
    expect(r.stdout).toContain('my-file.txt');
  });

  it('gives machine-readable JSON with --json', async () => {
    const buckets = JSON.parse((await ferry(['ls', '--json'], { env })).stdout) as Array<{ name: string }>;
    expect(buckets.map((b) => b.name)).toContain(bucket);
    const lines = (await ferry(['ls', `s3://${bucket}`, '--json'], { env })).stdout.trim().split('\n').map((l) => JSON.parse(l) as { type: string });
    expect(lines).toEqual(expect.arrayContaining([{ type: 'folder', prefix: 'reports/' }, expect.objectContaining({ type: 'object', key: 'my-file.txt', size: 17 })]));
  });

  it('never writes a key or secret into any file in its data directory', async () => {
    const g = gateway();
    // Every file, in every folder (transfers/ holds only locks and state while an upload runs).
    const files = (await readdir(dataDir, { recursive: true, withFileTypes: true })).filter((e) => e.isFile()).map((e) => relative(dataDir, join(e.parentPath, e.name)));
    expect(files.sort()).toEqual(['links.jsonl', 'settings.json']);
    for (const f of files) {
      const text = await readFile(join(dataDir, f), 'utf8');
      expect(text).not.toContain(g.secretAccessKey);
      expect(text).not.toContain(g.accessKeyId);
    }
  });

  it('removes the account and its keychain entry', async () => {
    const r = await ferry(['accounts', 'remove', account], { env });
    expect(r.code).toBe(0);
    const after = await ferry(['ls', '--account', account], { env });
    expect(after.code).toBe(1);
    expect(after.stderr).toMatch(/no account named/);
  });
});
