/**
 * A small S3 server that lies, for what a real server will not do: listings that repeat their
 * continuation token, pages far too large or nested far too deep, answers that drip a byte at a
 * time, HEADs that understate the size, objects whose bytes do not match their ETag. It checks no
 * signature (a real gateway covers that) and keeps objects in memory. Path-style, loopback only.
 */
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';

export interface HostileObject {
  body: Buffer;
  /** The ETag to claim (default: the MD5 of body). */
  etag?: string;
  /** Bytes to serve instead of body (what was "stored" got damaged). */
  served?: Buffer;
  /** The size HEAD claims (default: body's length). */
  headSize?: number;
  /** GET sends this many bytes of filler whatever was asked. */
  flood?: number;
  contentType?: string;
  /** More headers for HEAD and GET (x-amz-meta-…). */
  headers?: Record<string, string>;
  /** A ranged GET sends this many bytes of its answer, then resets the connection. */
  cutAfter?: number;
  /** A ranged GET sends this many bytes of its answer, then sends nothing more (the connection stays open). */
  holdAfter?: number;
  /** The ETag a ranged GET's answer names (another version, from a server that ignores If-Match). */
  rangeEtag?: string;
  /** The Content-Range a ranged GET's answer names, given the range asked for. */
  contentRange?: (start: number, end: number, size: number) => string;
}

export type ListingTrick =
  /** Every page says: more follows, with this token (the same one, or a cycle). */
  | { tokens: string[] }
  /** Every page is a fresh token and the same keys. */
  | { freshTokensSameKeys: true }
  /** One page of this many bytes of keys. */
  | { hugePage: number }
  /** A page nested this deep. */
  /** A page nested this deep; with `disguised`, each opening tag followed by the text "/>" (which is not an empty element). */
  | { deep: number; disguised?: boolean }
  /** A page sent one byte every `everyMs`. */
  | { dripMs: number }
  /** A page sent `bytes` at a time every `everyMs` (slow, yet never idle). */
  | { trickle: { bytes: number; everyMs: number } }
  /** The status line, then one header byte every `everyMs`. */
  | { dripHeadersMs: number }
  /** A valid page behind this many DOCTYPE declarations. */
  | { doctypes: number }
  /** Every page brings one new key and a fresh continuation token of this many bytes. */
  | { bigTokens: number }
  /** A name that is not valid URL encoding, in a listing that says it is encoded. */
  | { badEncoding: true }
  /** Every page brings this many new keys, each after the last, and a fresh token: a listing without end. */
  | { endless: number };

export interface HostileServer {
  endpoint: string;
  objects: Map<string, HostileObject>;
  /** How the next listings misbehave (undefined: honestly). */
  listing?: ListingTrick;
  /** Bytes the server wrote into response bodies, in all. */
  sent: number;
  /** Listing requests seen. */
  listings: number;
  /** The Range header of every ranged GET, in order. */
  ranges: string[];
  /** One unfinished upload, whose parts list never ends, numbered ever higher. */
  partsForever?: boolean;
  close(): Promise<void>;
}

const xml = (inner: string) => `<?xml version="1.0" encoding="UTF-8"?>${inner}`;
const md5 = (b: Buffer) => `"${createHash('md5').update(b).digest('hex')}"`;

export async function startHostileS3(): Promise<HostileServer> {
  const state: HostileServer = { endpoint: '', objects: new Map(), sent: 0, listings: 0, ranges: [], close: async () => {} };
  const write = (res: ServerResponse, chunk: Buffer | string) => {
    state.sent += Buffer.byteLength(chunk);
    return res.write(chunk);
  };
  /** Streams `total` bytes of `make(i)` chunks, respecting back-pressure, until done or the client goes. */
  const stream = (res: ServerResponse, total: number, chunk: Buffer, tail = '') => {
    let left = total;
    const pump = () => {
      while (left > 0) {
        const piece = left >= chunk.length ? chunk : chunk.subarray(0, left);
        left -= piece.length;
        if (!write(res, piece)) return void res.once('drain', pump);
      }
      res.end(tail);
    };
    res.on('close', () => (left = 0));
    pump();
  };

  const list = (req: IncomingMessage, res: ServerResponse, bucket: string, url: URL) => {
    state.listings++;
    const trick = state.listing;
    if (trick && 'dripHeadersMs' in trick) {
      // Raw bytes on the socket: the status line, then a header a byte at a time.
      const socket = res.socket!;
      socket.write('HTTP/1.1 200 OK\r\n');
      const header = Buffer.from('x-slow: ' + 'y'.repeat(10_000));
      let i = 0;
      const timer = setInterval(() => (i < header.length ? socket.write(header.subarray(i, ++i)) : clearInterval(timer)), trick.dripHeadersMs);
      socket.on('close', () => clearInterval(timer));
      return;
    }
    const prefix = url.searchParams.get('prefix') ?? '';
    const escape = (k: string) => k.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
    const contents = (keys: string[]) => keys.map((k) => `<Contents><Key>${escape(k)}</Key><Size>${state.objects.get(`${bucket}/${k}`)?.body.length ?? 1}</Size><ETag>"x"</ETag><LastModified>2026-01-01T00:00:00.000Z</LastModified></Contents>`).join('');
    const keys = [...state.objects.keys()].filter((k) => k.startsWith(`${bucket}/${prefix}`)).map((k) => k.slice(bucket.length + 1)).sort();
    res.writeHead(200, { 'content-type': 'application/xml' });
    if (!trick) return res.end(xml(`<ListBucketResult><Name>${bucket}</Name><IsTruncated>false</IsTruncated>${contents(keys)}</ListBucketResult>`));
    if ('tokens' in trick) {
      const given = url.searchParams.get('continuation-token');
      const next = trick.tokens[given === null ? 0 : (trick.tokens.indexOf(given) + 1) % trick.tokens.length]!;
      return res.end(xml(`<ListBucketResult><Name>${bucket}</Name><IsTruncated>true</IsTruncated><NextContinuationToken>${next}</NextContinuationToken>${contents(keys)}</ListBucketResult>`));
    }
    if ('freshTokensSameKeys' in trick) {
      return res.end(xml(`<ListBucketResult><Name>${bucket}</Name><IsTruncated>true</IsTruncated><NextContinuationToken>t${state.listings}</NextContinuationToken>${contents(keys)}</ListBucketResult>`));
    }
    if ('hugePage' in trick) {
      write(res, `<?xml version="1.0" encoding="UTF-8"?><ListBucketResult><Name>${bucket}</Name><IsTruncated>false</IsTruncated>`);
      return stream(res, trick.hugePage, Buffer.from(contents(['k'.repeat(900)]).repeat(64)), '</ListBucketResult>');
    }
    if ('doctypes' in trick) {
      return res.end(`<?xml version="1.0"?>${'<!DOCTYPE a>'.repeat(trick.doctypes)}<ListBucketResult><Name>${bucket}</Name><IsTruncated>false</IsTruncated>${contents(keys)}</ListBucketResult>`);
    }
    if ('bigTokens' in trick) {
      return res.end(xml(`<ListBucketResult><Name>${bucket}</Name><IsTruncated>true</IsTruncated><NextContinuationToken>${String(state.listings).padEnd(trick.bigTokens, 'x')}</NextContinuationToken>${contents([`${prefix}k${String(state.listings).padStart(8, '0')}`])}</ListBucketResult>`));
    }
    if ('endless' in trick) {
      const page = Array.from({ length: trick.endless }, (_, i) => `${prefix}k${String(state.listings).padStart(8, '0')}-${String(i).padStart(5, '0')}`);
      return res.end(xml(`<ListBucketResult><Name>${bucket}</Name><IsTruncated>true</IsTruncated><NextContinuationToken>t${state.listings}</NextContinuationToken>${contents(page)}</ListBucketResult>`));
    }
    if ('badEncoding' in trick) {
      return res.end(xml(`<ListBucketResult><Name>${bucket}</Name><EncodingType>url</EncodingType><IsTruncated>false</IsTruncated><Contents><Key>bad%E0%A4%A</Key><Size>1</Size></Contents></ListBucketResult>`));
    }
    if ('trickle' in trick) {
      const text = Buffer.from(xml(`<ListBucketResult><Name>${bucket}</Name><IsTruncated>false</IsTruncated>${contents(keys)}${'<Contents><Key>pad</Key><Size>1</Size></Contents>'.repeat(2000)}</ListBucketResult>`));
      let at = 0;
      const timer = setInterval(() => {
        if (at >= text.length) return clearInterval(timer), res.end();
        write(res, text.subarray(at, (at += trick.trickle.bytes)));
      }, trick.trickle.everyMs);
      res.on('close', () => clearInterval(timer));
      return;
    }
    if ('deep' in trick) {
      return res.end(xml(`<ListBucketResult>${(trick.disguised ? '<a>/>' : '<a>').repeat(trick.deep)}${'</a>'.repeat(trick.deep)}</ListBucketResult>`));
    }
    const text = Buffer.from(xml(`<ListBucketResult><Name>${bucket}</Name><IsTruncated>false</IsTruncated>${contents(keys)}</ListBucketResult>`));
    let i = 0;
    const timer = setInterval(() => {
      if (i >= text.length) return clearInterval(timer), res.end();
      write(res, text.subarray(i, ++i));
    }, trick.dripMs);
    res.on('close', () => clearInterval(timer));
  };

  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://hostile');
    // The path as sent: URL parsing would resolve a key's "." and ".." segments, which S3 keeps.
    const [, bucket = '', ...rest] = (req.url ?? '/').split('?')[0]!.split('/');
    const key = decodeURIComponent(rest.join('/'));
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (!bucket) {
        res.writeHead(200, { 'content-type': 'application/xml' });
        return res.end(xml('<ListAllMyBucketsResult><Buckets><Bucket><Name>hostile</Name><CreationDate>2026-01-01T00:00:00.000Z</CreationDate></Bucket></Buckets></ListAllMyBucketsResult>'));
      }
      if (!key && req.method === 'GET' && url.searchParams.get('list-type') === '2') return list(req, res, bucket, url);
      if (state.partsForever && !key && req.method === 'GET' && url.searchParams.has('uploads')) {
        res.writeHead(200, { 'content-type': 'application/xml' });
        return res.end(xml(`<ListMultipartUploadsResult><Bucket>${bucket}</Bucket><IsTruncated>false</IsTruncated><Upload><Key>big.bin</Key><UploadId>u1</UploadId></Upload></ListMultipartUploadsResult>`));
      }
      if (state.partsForever && key && req.method === 'GET' && url.searchParams.has('uploadId')) {
        const from = Number(url.searchParams.get('part-number-marker') ?? 0);
        const parts = Array.from({ length: 1000 }, (_, i) => `<Part><PartNumber>${from + i + 1}</PartNumber><ETag>"x"</ETag><Size>5242880</Size></Part>`).join('');
        res.writeHead(200, { 'content-type': 'application/xml' });
        return res.end(xml(`<ListPartsResult><Bucket>${bucket}</Bucket><Key>${key}</Key><UploadId>u1</UploadId><IsTruncated>true</IsTruncated><NextPartNumberMarker>${from + 1000}</NextPartNumberMarker>${parts}</ListPartsResult>`));
      }
      if (!key && (req.method === 'PUT' || req.method === 'HEAD')) return res.writeHead(200).end();
      const obj = state.objects.get(`${bucket}/${key}`);
      if (req.method === 'PUT') {
        const body = Buffer.concat(chunks);
        state.objects.set(`${bucket}/${key}`, { body });
        return res.writeHead(200, { etag: md5(body) }).end();
      }
      if (req.method === 'DELETE') {
        state.objects.delete(`${bucket}/${key}`);
        return res.writeHead(204).end();
      }
      if (!obj) {
        res.writeHead(404, { 'content-type': 'application/xml' });
        return res.end(req.method === 'HEAD' ? undefined : xml(`<Error><Code>NoSuchKey</Code><Message>no</Message></Error>`));
      }
      const etag = obj.etag ?? md5(obj.body);
      const headers = { etag, 'content-type': obj.contentType ?? 'application/octet-stream', 'last-modified': 'Thu, 01 Jan 2026 00:00:00 GMT', 'accept-ranges': 'bytes', ...obj.headers };
      if (req.method === 'HEAD') return res.writeHead(200, { ...headers, 'content-length': obj.headSize ?? obj.body.length }).end();
      if (obj.flood !== undefined) {
        res.writeHead(200, headers);
        return stream(res, obj.flood, Buffer.alloc(1024 * 1024, 0x61));
      }
      const bytes = obj.served ?? obj.body;
      const range = /^bytes=(\d+)-(\d*)$/.exec(req.headers.range ?? '');
      if (range) {
        const start = Number(range[1]);
        const end = Math.min(range[2] ? Number(range[2]) : bytes.length - 1, bytes.length - 1);
        const part = bytes.subarray(start, end + 1);
        state.ranges.push(req.headers.range!);
        res.writeHead(206, { ...headers, ...(obj.rangeEtag ? { etag: obj.rangeEtag } : {}), 'content-length': part.length, 'content-range': obj.contentRange?.(start, end, bytes.length) ?? `bytes ${start}-${end}/${bytes.length}` });
        const upTo = obj.cutAfter ?? obj.holdAfter;
        if (upTo !== undefined && upTo < part.length) {
          state.sent += upTo;
          res.write(part.subarray(0, upTo), () => {
            if (obj.cutAfter !== undefined) setTimeout(() => res.socket?.resetAndDestroy(), 20);
          });
          return;
        }
        state.sent += part.length;
        return res.end(part);
      }
      res.writeHead(200, { ...headers, 'content-length': bytes.length });
      state.sent += bytes.length;
      res.end(bytes);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  state.endpoint = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  state.close = () =>
    new Promise((r) => {
      server.closeAllConnections();
      server.close(() => r());
    });
  return state;
}
