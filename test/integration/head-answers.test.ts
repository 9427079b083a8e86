/**
 * What a download takes for an object: the HEAD before it must be S3's answer about an object.
 * Found by the fault injector: a HEAD without a length was taken for an empty object (a 30 MiB
 * object "downloaded" as 0 bytes, exit 0), and a web site whose every path answers its own page
 * (a single-page app's fallback, with an ETag and ranges) was downloaded as report.pdf.
 */
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliEnv, ferry, gateway, tempDir, uniqueName } from '../support/helpers';
import { startStubProxy, type StubProxy } from '../support/stub-proxy';

describe('a download starts only from a HEAD that describes an object', () => {
  let proxy: StubProxy;
  let site: Server;
  const bucket = uniqueName('heads');
  const PAGE = '<!doctype html><html><head><title>Files portal</title></head><body><div id="app"></div><script src="/app.js"></script></body></html>';
  beforeAll(async () => {
    // Whatever path is asked for, the portal's page: with an ETag and ranges, as nginx serves it.
    site = createServer((req, res) => {
      if (req.method !== 'GET' && req.method !== 'HEAD') return void res.writeHead(405).end();
      const range = /bytes=(\d+)-(\d+)/.exec(req.headers.range ?? '');
      const body = range ? PAGE.slice(Number(range[1]), Number(range[2]) + 1) : PAGE;
      res.writeHead(range ? 206 : 200, { 'content-type': 'text/html', etag: '"65f2a1b3-7c"', 'content-length': Buffer.byteLength(body), 'last-modified': 'Tue, 01 Dec 2026 10:00:00 GMT', 'accept-ranges': 'bytes' });
      res.end(req.method === 'HEAD' ? undefined : body);
    });
    await new Promise<void>((r) => site.listen(0, '127.0.0.1', r));
    proxy = await startStubProxy(gateway().endpoint, (req) =>
      req.method === 'HEAD' && req.url.pathname.endsWith('/no-length.bin')
        ? { rewrite: (a) => ({ ...a, headers: Object.fromEntries(Object.entries(a.headers).filter(([k]) => k !== 'content-length')) }) }
        : undefined,
    );
  });
  afterAll(async () => {
    await proxy.close();
    await new Promise<void>((r) => site.close(() => r()));
  });

  const envFor = async (endpoint: string) => {
    const g = gateway();
    return cliEnv(await tempDir(), { AWS_ACCESS_KEY_ID: g.accessKeyId, AWS_SECRET_ACCESS_KEY: g.secretAccessKey, AWS_ENDPOINT_URL: endpoint });
  };

  it('a HEAD without a length is refused, and no file is written', async () => {
    const env = await envFor(proxy.endpoint);
    expect((await ferry(['mb', `s3://${bucket}`], { env })).code).toBe(0);
    const dir = await tempDir();
    await writeFile(join(dir, 'src.bin'), Buffer.alloc(3 * 1024 * 1024, 7));
    expect((await ferry(['cp', join(dir, 'src.bin'), `s3://${bucket}/no-length.bin`], { env })).code).toBe(0);
    const r = await ferry(['cp', `s3://${bucket}/no-length.bin`, join(dir, 'got.bin')], { env });
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/not like an S3 service \(an object without a length\)/);
    expect(existsSync(join(dir, 'got.bin'))).toBe(false);
  });

  it("a web site's page is not downloaded as the object asked for; a real HTML object is", async () => {
    const dir = await tempDir();
    const fromSite = await ferry(['cp', 's3://company-files/q3/report.pdf', join(dir, 'report.pdf')], { env: await envFor(`http://127.0.0.1:${(site.address() as AddressInfo).port}`) });
    expect(fromSite.code).not.toBe(0);
    expect(fromSite.stderr).toMatch(/not like an S3 service \(a web page where an object was asked for/);
    expect(existsSync(join(dir, 'report.pdf'))).toBe(false);
    // An HTML object on S3 is an object like any other.
    const env = await envFor(gateway().endpoint);
    await writeFile(join(dir, 'index.html'), PAGE);
    expect((await ferry(['cp', join(dir, 'index.html'), `s3://${bucket}/site/index.html`], { env })).code).toBe(0);
    const back = await ferry(['cp', `s3://${bucket}/site/index.html`, join(dir, 'back.html')], { env });
    expect(back.code).toBe(0);
    expect(await readFile(join(dir, 'back.html'), 'utf8')).toBe(PAGE);
  });
});
