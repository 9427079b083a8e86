import { S3Client } from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import { presignGet } from '../../main/core/links/presign';
import { servedAs } from '../../main/core/links/served';
import { FastPresigner } from '../../main/core/links/sigv4';

const creds = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY' };
const clock = { now: () => Date.parse('2026-12-01T12:00:00Z') };
const target = { endpoint: 'http://127.0.0.1:7480', region: 'us-east-1', pathStyle: true, checksumMode: false };
const fast = new FastPresigner(target, creds);
const client = new S3Client({ region: 'us-east-1', endpoint: target.endpoint, forcePathStyle: true, credentials: creds });

/** Every type a browser may run script in, by the names such files go by. */
const ACTIVE = ['a.html', 'a.htm', 'a.HTML', 'a.xhtml', 'a.xht', 'a.shtml', 'a.svg', 'a.SVG', 'a.svgz', 'a.xml', 'a.xsl', 'a.xslt', 'a.rss', 'a.atom', 'a.mht', 'a.mhtml', 'a.js', 'a.mjs', 'a.swf', 'a.hta', 'a.php', 'a.wasm', 'a.json', 'a.rdf', 'a', 'a.', 'a.png.html', 'dir/'];
const SAFE: Array<[string, string]> = [
  ['shot.png', 'image/png'],
  ['IMG_0001.JPG', 'image/jpeg'],
  ['anim.gif', 'image/gif'],
  ['doc.pdf', 'application/pdf'],
  ['notes.txt', 'text/plain; charset=utf-8'],
  ['clip.mp4', 'video/mp4'],
  ['song.mp3', 'audio/mpeg'],
  ['a.html.png', 'image/png'],
];

const params = async (key: string, extra: { filename?: string; page?: boolean } = {}) => {
  const viaFast = new URL((await presignGet(() => client, creds, { bucket: 'bkt', key, expiresIn: 60, ...extra }, clock, fast)).url).searchParams;
  // The SDK's signer (used for dotted AWS buckets) must say the same.
  const viaSdk = new URL((await presignGet(() => client, creds, { bucket: 'bkt', key, expiresIn: 60, ...extra }, clock)).url).searchParams;
  expect(viaSdk.get('response-content-type')).toBe(viaFast.get('response-content-type'));
  expect(viaSdk.get('response-content-disposition')).toBe(viaFast.get('response-content-disposition'));
  return viaFast;
};

describe('links never show active content inline', () => {
  it('HTML, SVG, XML, script and anything unknown download, as bytes, whatever the server stored', async () => {
    for (const key of ACTIVE) {
      const q = await params(`sent/${key}`);
      expect(q.get('response-content-type'), key).toBe('application/octet-stream');
      expect(q.get('response-content-disposition'), key).toMatch(/^attachment; filename=/);
    }
  });

  it('images, PDF, plain text, audio and video open in the browser, served as the type their name says', async () => {
    for (const [key, type] of SAFE) {
      const q = await params(key);
      expect(q.get('response-content-type'), key).toBe(type);
      expect(q.get('response-content-disposition'), key).toBeNull();
    }
  });

  it('a download name always downloads, and an active one is still bytes', async () => {
    expect((await params('x.png', { filename: 'Screenshot.png' })).get('response-content-disposition')).toBe('attachment; filename="Screenshot.png"');
    expect((await params('x.png', { filename: 'Screenshot.png' })).get('response-content-type')).toBe('image/png');
    expect((await params('x.png', { filename: 'evil.svg' })).get('response-content-type')).toBe('application/octet-stream');
  });

  it("a saved name cannot disguise itself: control and bidi characters become _", () => {
    expect(servedAs('in/invoice\u202Efdp.exe').disposition).toBe('attachment; filename="invoice_fdp.exe"');
    expect(servedAs('in/a\u0007b').disposition).toBe('attachment; filename="a_b"');
  });

  it("only Ferry's own pages are served as HTML", async () => {
    expect((await params('.ferry/shares/abc.html', { page: true })).get('response-content-type')).toBe('text/html; charset=utf-8');
    expect((await params('.ferry/shares/abc.html')).get('response-content-type')).toBe('application/octet-stream');
  });
});
