/**
 * The lean request path (issue 21): the hot requests (PutObject, UploadPart, ranged GetObject,
 * HeadObject and ListObjectsV2) formed as the AWS SDK forms them (address.ts), signed by Ferry's own SigV4
 * signer (request-signer.ts, byte-identical to the SDK's) and sent on a keep-alive pool of
 * node:http sockets, without the SDK's per-request middleware, stream wrappers and copies.
 *
 * Everything that is not a transfer's body stays with the SDK. What goes on the wire differs from
 * the SDK's request only in what is the SDK's own bookkeeping: no user-agent details, invocation
 * ID or attempt counter, and no CRC32 beside the Content-MD5 that every body carries (the
 * checksum every S3 server verifies). The answers and failures come back shaped as the SDK's
 * (`name`/`Code`, `$metadata.httpStatusCode`), so one error mapping (errors.ts) and one retry
 * policy (transfers/retry.ts) serve both paths.
 */
import { createHash } from 'node:crypto';
import { Agent as HttpAgent, request as httpRequest, type ClientRequest, type IncomingHttpHeaders, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { isIP } from 'node:net';
import type { Readable } from 'node:stream';
import { addressOf, canAddress, type AddressTarget } from './address';
import { bound, MAX_XML_BYTES, MAX_XML_DEPTH, notS3Response, webPageAnswer } from './bounds';
import { ListParser, xmlText, type ListResult } from './list-xml';
import type { Profile } from './client';
import { checkEndpointHost, guardedLookup } from './hosts';
import { RequestSigner } from './request-signer';
import { watchSent } from './sent';
import { uriEncode } from './uri';

export interface WireOptions {
  maxSockets?: number;
  /** Idle time on an open socket before the request fails (as the SDK client's socketTimeout). */
  requestTimeoutMs?: number;
  connectTimeoutMs?: number;
}

/** What each send may be given: a stop, and a listener for the body's bytes as the network takes them. */
export interface SendControl {
  signal?: AbortSignal;
  onSent?: (bytes: number) => void;
}

/** A body and what the server checks it against. */
export interface BodyInput {
  Bucket: string;
  Key: string;
  Body: Uint8Array | Readable;
  ContentLength: number;
  ContentMD5: string;
}

/** The headers of a PUT's answer that Ferry reads, under the SDK's names. */
export interface PutOutput {
  ETag?: string;
  ServerSideEncryption?: string;
  SSECustomerAlgorithm?: string;
  VersionId?: string;
}

/** What a HEAD's answer says of an object, under the SDK's names (Metadata keys lower-case, without x-amz-meta-). */
export interface HeadOutput {
  ContentLength?: number;
  LastModified?: Date;
  ETag?: string;
  ContentType?: string;
  ServerSideEncryption?: string;
  SSECustomerAlgorithm?: string;
  VersionId?: string;
  Metadata?: Record<string, string>;
  /** Whether any x-amz-* header came (S3 says it is S3: a web server says nothing of the kind). */
  amzHeaders?: boolean;
}

export interface GetOutput {
  ContentLength?: number;
  ETag?: string;
  /** Which bytes of the object came, as the answer to a ranged GET says ("bytes 0-99/1000"). */
  ContentRange?: string;
  /** The answer's status: 206 for a range, 200 for the whole object (a server that ignored the range). */
  Status?: number;
  Body: Readable;
}

/** Error answers are a few hundred bytes; one this large is not S3's. */
const MAX_ERROR_BYTES = 1024 * 1024;

const element = (xml: string, name: string) => {
  const m = new RegExp(`<${name}>([^<]*)</${name}>`).exec(xml);
  return m ? xmlText(m[1]!) : undefined;
};

/**
 * An answer of 300 or more as the SDK throws it: named by the error document's Code, or
 * NotFound for a bare 404 (a HEAD's), else Unknown; its message the document's, or UnknownError.
 */
export function answerError(status: number, headers: IncomingHttpHeaders, body: string): Error {
  const code = element(body, 'Code') ?? (status === 404 ? 'NotFound' : 'Unknown');
  const message = element(body, 'Message') ?? 'UnknownError';
  const requestId = element(body, 'RequestId') ?? (headers['x-amz-request-id'] as string | undefined);
  return Object.assign(new Error(message), {
    name: code,
    Code: code,
    $fault: status >= 500 ? 'server' : 'client',
    $metadata: { httpStatusCode: status, ...(requestId ? { requestId } : {}) },
    $response: { statusCode: status, headers },
  });
}

const timeout = (message: string) => Object.assign(new Error(message), { name: 'TimeoutError' });
const aborted = () => Object.assign(new Error('The request was aborted.'), { name: 'AbortError' });

export class Wire {
  private readonly signer: RequestSigner;
  private readonly target: AddressTarget;
  private readonly agent: HttpAgent | HttpsAgent;
  private readonly secure: boolean;
  private readonly socketTimeout: number;
  private readonly connectTimeout: number;
  private closed = false;

  constructor(profile: Profile, opts: WireOptions = {}) {
    this.target = { ...(profile.endpoint ? { endpoint: profile.endpoint } : {}), region: profile.region, pathStyle: profile.pathStyle };
    // As createS3Client: an IP literal is judged here, names at every connection.
    checkEndpointHost(profile);
    this.signer = new RequestSigner(profile.credentials, profile.region);
    this.secure = !profile.endpoint || new URL(profile.endpoint).protocol === 'https:';
    const lookup = guardedLookup({ ...(profile.allowLinkLocal ? { allowLinkLocal: true } : {}), ...(profile.lookup ? { lookup: profile.lookup } : {}) });
    const agentOptions = { keepAlive: true, maxSockets: opts.maxSockets ?? 16, lookup, scheduling: 'lifo' as const };
    this.agent = this.secure ? new HttpsAgent(agentOptions) : new HttpAgent(agentOptions);
    this.socketTimeout = opts.requestTimeoutMs ?? 60_000;
    this.connectTimeout = opts.connectTimeoutMs ?? 10_000;
  }

  /** Whether requests for this bucket go this way (else the SDK, whose endpoint rules cover every name). */
  supports(bucket: string): boolean {
    return canAddress(this.target, bucket);
  }

  async putObject(input: PutInput, control: SendControl = {}): Promise<PutOutput> {
    const res = await this.send(putObjectRequest(input), control);
    await drain(res, this.socketTimeout, 'PutObject');
    return stored(res);
  }

  async uploadPart(input: PartInput, control: SendControl = {}): Promise<PutOutput> {
    const res = await this.send(uploadPartRequest(input), control);
    await drain(res, this.socketTimeout, 'UploadPart');
    return stored(res);
  }

  /**
   * A GET of the object (or a range of it). The body is the socket's own stream behind the
   * bounds every body has (it must keep arriving); the caller reads it or destroys it.
   */
  async getObject(input: GetInput, control: SendControl = {}): Promise<GetOutput> {
    const res = await this.send(getObjectRequest(input), control);
    const length = Number(res.headers['content-length']);
    return {
      ...(Number.isSafeInteger(length) ? { ContentLength: length } : {}),
      ...(res.headers.etag ? { ETag: res.headers.etag } : {}),
      ...(res.headers['content-range'] ? { ContentRange: res.headers['content-range'] } : {}),
      ...(res.statusCode ? { Status: res.statusCode } : {}),
      Body: bound(res, { periodMs: this.socketTimeout, what: 'GetObject' }),
    };
  }

  /** A HEAD of the object (or of one part of it): its headers, read as the SDK reads them. */
  async headObject(input: HeadInput, control: SendControl = {}): Promise<HeadOutput> {
    const res = await this.send(headObjectRequest(input), control);
    res.resume();
    return headOutput(res.headers);
  }

  /**
   * One page of a listing, parsed as it arrives (list-xml.ts): `onToken` hears the continuation
   * token as soon as it is read, so the next page can be on its way while this one arrives.
   */
  async listObjectsV2(input: ListInput, control: SendControl & { onToken?: (token: string) => void } = {}): Promise<ListResult> {
    const res = await this.send(listObjectsV2Request(input), control);
    const parser = new ListParser(control.onToken);
    const body = bound(res, { periodMs: this.socketTimeout, deadlineMs: 2 * this.socketTimeout, maxBytes: MAX_XML_BYTES, maxDepth: MAX_XML_DEPTH, what: 'ListObjectsV2' });
    return new Promise<ListResult>((resolve, reject) => {
      body.on('data', (chunk: Buffer) => {
        try {
          parser.write(chunk);
        } catch (err) {
          body.destroy(err as Error);
        }
      });
      body.on('error', reject);
      body.on('end', () => {
        try {
          resolve(parser.end());
        } catch (err) {
          reject(err as Error);
        }
      });
    });
  }

  /** Closes the pool's sockets; nothing is sent after (a request then fails as stopped). */
  destroy(): void {
    this.closed = true;
    this.agent.destroy();
  }

  /** The request as it goes on the wire (for the tests that compare it with the SDK's). */
  form(req: WireRequest, at: Date) {
    const address = addressOf(this.target, req.bucket, req.key);
    const query = req.query;
    const headers = this.signer.sign({ method: req.method, host: address.host, path: address.path, query, headers: req.headers, payloadHash: req.payloadHash }, at);
    const search = query.map(([k, v]) => `${uriEncode(k)}=${uriEncode(v)}`).join('&');
    return { address, query, headers, pathAndQuery: search ? `${address.path}?${search}` : address.path };
  }

  /**
   * Sends one request and resolves with its answer once the headers are in, if it is a success;
   * an error answer is read (bounded) and thrown as the SDK throws it.
   */
  private send(req: WireRequest, control: SendControl): Promise<IncomingMessage> {
    const { address, headers, pathAndQuery } = this.form(req, new Date());
    const signal = control.signal;
    return new Promise<IncomingMessage>((resolve, reject) => {
      if (signal?.aborted || this.closed) return reject(aborted());
      let settled = false;
      const fail = (err: Error) => {
        if (settled) return;
        settled = true;
        cleanup();
        request.destroy(err);
        reject(err);
      };
      const hostname = address.hostname.replace(/^\[|\]$/g, '');
      const options = { method: req.method, hostname, port: address.port, path: pathAndQuery, headers, agent: this.agent };
      // TLS names the server it expects (SNI) by name only, never by address.
      const request: ClientRequest = this.secure ? httpsRequest(isIP(hostname) ? options : { ...options, servername: hostname }) : httpRequest(options);
      const onAbort = () => fail(aborted());
      signal?.addEventListener('abort', onAbort, { once: true });
      // The answer's headers are due within two periods of the whole request being sent (a
      // server dripping a header byte now and then is never idle): once the request has all gone
      // to the socket, so neither a streamed body (which may rightly take minutes) nor a wait for
      // a free socket in the pool counts.
      let headersDue: NodeJS.Timeout | undefined;
      let answered = false;
      const expectHeaders = () => {
        if (!settled && !answered) headersDue = setTimeout(() => fail(timeout(`${req.op} got no answer within ${Math.round((2 * this.socketTimeout) / 1000)} s of being sent.`)), 2 * this.socketTimeout);
      };
      let connectTimer: NodeJS.Timeout | undefined;
      const cleanup = () => {
        signal?.removeEventListener('abort', onAbort);
        clearTimeout(headersDue);
        clearTimeout(connectTimer);
      };
      request.setTimeout(this.socketTimeout, () => fail(timeout(`${req.op}: no traffic on the connection for ${Math.round(this.socketTimeout / 1000)} s.`)));
      request.on('socket', (socket) => {
        if (!(socket as { connecting?: boolean }).connecting) return;
        connectTimer = setTimeout(() => fail(timeout(`Socket timed out without establishing a connection within ${this.connectTimeout} ms`)), this.connectTimeout);
        socket.once('connect', () => clearTimeout(connectTimer));
      });
      request.on('error', (err) => fail(err));
      request.on('response', (res) => {
        if (settled) return res.destroy();
        // The headers are in: an error answer's body is bounded on its own (below).
        answered = true;
        clearTimeout(headersDue);
        const status = res.statusCode ?? 0;
        const page = webPageAnswer(res.headers, status, req.method === 'HEAD' || (req.op === 'GetObject' && status >= 200 && status < 300));
        if (page) {
          res.destroy();
          return fail(page);
        }
        if (status >= 200 && status < 300) {
          settled = true;
          cleanup();
          res.on('error', () => {});
          // A stop while the body is read ends the body (an object's, which the caller reads on).
          if (signal) {
            const stop = () => res.destroy(aborted());
            signal.addEventListener('abort', stop, { once: true });
            res.once('close', () => signal.removeEventListener('abort', stop));
          }
          return resolve(res);
        }
        // An error answer: read it whole (bounded in size, depth and time) and throw it as the SDK would.
        const chunks: Buffer[] = [];
        const body = bound(res, { periodMs: this.socketTimeout, deadlineMs: 2 * this.socketTimeout, maxBytes: MAX_ERROR_BYTES, maxDepth: MAX_XML_DEPTH, what: req.op });
        body.on('data', (c: Buffer) => chunks.push(c));
        // As the SDK: a failure reading an error answer carries the answer's status.
        body.on('error', (err) => fail(Object.assign(err, { $metadata: { httpStatusCode: status } })));
        body.on('end', () => fail(answerError(status, res.headers, Buffer.concat(chunks).toString('utf8'))));
      });
      const body = req.body;
      request.once('finish', expectHeaders);
      if (body === undefined) request.end();
      else if (isStream(body)) {
        if (control.onSent) watchSent(body, control.onSent);
        body.on('error', (err) => fail(err));
        body.pipe(request);
      } else {
        request.end(body, () => control.onSent?.(body.byteLength));
      }
    });
  }
}

const EMPTY_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

/** One request before it is addressed and signed. */
export interface WireRequest {
  /** The operation, as the SDK names it (in x-id, for the operations it adds one to) and Ferry in messages. */
  op: string;
  bucket: string;
  key?: string;
  method: string;
  query: Array<[string, string]>;
  headers: Record<string, string>;
  payloadHash: string;
  body?: Uint8Array | Readable;
}

export type PutInput = BodyInput & { ContentType?: string; IfNoneMatch?: string };
export type PartInput = BodyInput & { UploadId: string; PartNumber: number };
export type GetInput = { Bucket: string; Key: string; Range?: string; IfMatch?: string };

/**
 * A body's request. One held in memory is signed by its SHA-256, as the SDK signs one; a streamed
 * body cannot be hashed before it is sent and goes as UNSIGNED-PAYLOAD (as the SDK sends it),
 * its Content-MD5 checked by the server all the same.
 */
function bodyRequest(op: string, input: BodyInput, query: Array<[string, string]>, headers: Record<string, string>): WireRequest {
  const payloadHash = isStream(input.Body) ? 'UNSIGNED-PAYLOAD' : createHash('sha256').update(input.Body).digest('hex');
  return { op, bucket: input.Bucket, key: input.Key, method: 'PUT', query, headers: { 'content-length': String(input.ContentLength), 'content-md5': input.ContentMD5, ...headers }, payloadHash, body: input.Body };
}

export function putObjectRequest(input: PutInput): WireRequest {
  return bodyRequest('PutObject', input, [['x-id', 'PutObject']], {
    ...(input.ContentType ? { 'content-type': input.ContentType } : {}),
    ...(input.IfNoneMatch ? { 'if-none-match': input.IfNoneMatch } : {}),
  });
}

export function uploadPartRequest(input: PartInput): WireRequest {
  // The SDK gives a part the type of an unknown body; servers ignore it, but it is signed.
  return bodyRequest('UploadPart', input, [['x-id', 'UploadPart'], ['partNumber', String(input.PartNumber)], ['uploadId', input.UploadId]], { 'content-type': 'application/octet-stream' });
}

export function getObjectRequest(input: GetInput): WireRequest {
  const headers: Record<string, string> = {};
  if (input.Range) headers.range = input.Range;
  if (input.IfMatch) headers['if-match'] = input.IfMatch;
  return { op: 'GetObject', bucket: input.Bucket, key: input.Key, method: 'GET', query: [['x-id', 'GetObject']], headers, payloadHash: EMPTY_SHA256 };
}

export type HeadInput = { Bucket: string; Key: string; PartNumber?: number };

export function headObjectRequest(input: HeadInput): WireRequest {
  const query: Array<[string, string]> = input.PartNumber !== undefined ? [['partNumber', String(input.PartNumber)]] : [];
  return { op: 'HeadObject', bucket: input.Bucket, key: input.Key, method: 'HEAD', query, headers: {}, payloadHash: EMPTY_SHA256 };
}

export type ListInput = { Bucket: string; Prefix?: string; Delimiter?: string; ContinuationToken?: string; MaxKeys?: number; EncodingType?: 'url' };

/** A bucket-level GET: its path is the bucket's, with the trailing slash the SDK sends. */
export function listObjectsV2Request(input: ListInput): WireRequest {
  const query: Array<[string, string]> = [['list-type', '2']];
  if (input.ContinuationToken !== undefined) query.push(['continuation-token', input.ContinuationToken]);
  if (input.Delimiter !== undefined) query.push(['delimiter', input.Delimiter]);
  if (input.EncodingType !== undefined) query.push(['encoding-type', input.EncodingType]);
  if (input.MaxKeys !== undefined) query.push(['max-keys', String(input.MaxKeys)]);
  if (input.Prefix !== undefined) query.push(['prefix', input.Prefix]);
  return { op: 'ListObjectsV2', bucket: input.Bucket, method: 'GET', query, headers: {}, payloadHash: EMPTY_SHA256 };
}

function isStream(body: unknown): body is Readable {
  return body !== undefined && typeof (body as { pipe?: unknown }).pipe === 'function';
}

/**
 * A PUT's answer: S3 names what it stored by its ETag, always. A success without one is not from
 * S3 (a proxy, a portal that answers everything with 200), and nothing may count as stored on it.
 */
function stored(res: IncomingMessage): PutOutput {
  if (!res.headers.etag) throw notS3Response(`an answer with no ETag (${res.headers['content-type'] ?? 'no type'})`, res.statusCode ?? 0);
  return putOutput(res.headers);
}

function putOutput(headers: IncomingHttpHeaders): PutOutput {
  const h = (name: string) => headers[name] as string | undefined;
  const out: PutOutput = {};
  if (h('etag')) out.ETag = h('etag')!;
  if (h('x-amz-server-side-encryption')) out.ServerSideEncryption = h('x-amz-server-side-encryption')!;
  if (h('x-amz-server-side-encryption-customer-algorithm')) out.SSECustomerAlgorithm = h('x-amz-server-side-encryption-customer-algorithm')!;
  if (h('x-amz-version-id')) out.VersionId = h('x-amz-version-id')!;
  return out;
}

/** A HEAD's headers as the SDK deserialises them (an unparseable length or date is left out, as it leaves it). */
function headOutput(headers: IncomingHttpHeaders): HeadOutput {
  const h = (name: string) => headers[name] as string | undefined;
  const metadata: Record<string, string> = {};
  const out: HeadOutput = { ...putOutput(headers), Metadata: metadata };
  const length = Number(h('content-length'));
  if (h('content-length') !== undefined && Number.isSafeInteger(length)) out.ContentLength = length;
  const modified = h('last-modified') ? new Date(h('last-modified')!) : undefined;
  if (modified && Number.isFinite(modified.getTime())) out.LastModified = modified;
  if (h('content-type')) out.ContentType = h('content-type')!;
  for (const [name, value] of Object.entries(headers)) {
    if (name.startsWith('x-amz-')) out.amzHeaders = true;
    if (name.startsWith('x-amz-meta-') && typeof value === 'string') metadata[name.slice('x-amz-meta-'.length)] = value;
  }
  return out;
}

/** Reads an answer's body to its end (a PUT's is empty; Swift sends a short page), bounded, so the socket goes back to the pool. */
function drain(res: IncomingMessage, periodMs: number, what: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const body = bound(res, { periodMs, deadlineMs: 2 * periodMs, maxBytes: MAX_ERROR_BYTES, what });
    body.on('error', reject);
    body.on('end', () => resolve());
    body.resume();
  });
}
