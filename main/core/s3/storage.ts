import type { PutObjectCommandInput } from '@aws-sdk/client-s3';
import { createHash } from 'node:crypto';
import type { Profile } from './client';
import { endpointLabel } from './endpoint';
import type { SdkClient } from './sdk';
import { FerryError } from '../errors';
import { toFerryError, type Operation } from './errors';
import { checkBucketReference, checkKey, MAX_COLLECTED, validateNewBucketName } from './names';
import { PageGuard } from './bounds';
import type { HeadOutput, Wire } from './wire';
import { isNetworkError, isRetryable, sleep } from '../transfers/retry';
import { joinSignals } from '../signals';

export interface BucketInfo {
  name: string;
  createdAt?: string;
}

export interface ObjectInfo {
  key: string;
  size: number;
  lastModified?: string;
  etag?: string;
}

export interface ObjectPage {
  /** Sub-folders (common prefixes) on this page, with their trailing '/'. */
  folders: string[];
  objects: ObjectInfo[];
}

export interface ListOptions {
  /** List everything below the prefix instead of one folder level. */
  recursive?: boolean;
  /** Keys per request (the server may return fewer); S3's maximum is 1000. */
  pageSize?: number;
  signal?: AbortSignal;
  /**
   * For callers that hold the whole listing: stop with a message past this many names, so a
   * server that lists without end (or a bucket far larger than the job) cannot exhaust memory.
   */
  limit?: number;
}

export { MAX_COLLECTED };

/** The error for a listing past its limit. */
export function tooMany(endpoint: string, what: string, limit: number): FerryError {
  return new FerryError('TOO_MANY', `${what} on ${endpoint} holds more than ${limit.toLocaleString('en-US')} entries (or the server keeps listing new ones), so Ferry stopped rather than hold them all. Work on a smaller folder.`);
}

export interface MultipartInfo {
  key: string;
  uploadId: string;
  initiated?: string;
}

export interface MultipartUsage {
  parts: number;
  bytes: number;
}

/** The user metadata in which Ferry's multipart uploads record their part size, so downloads can check the whole file. */
export const PART_SIZE_META = 'ferry-part-size';

/** Bucket and object operations for one profile. Every failure is a FerryError. */
/** What a HEAD (or a whole GET) says of an object: see Storage.head. */
export type HeadInfo = ObjectInfo & { contentType?: string; encryption?: string; partSize?: number; versionId?: string };

/** An object's answer headers as HeadInfo: how it is encrypted ('customer' for SSE-C), the part size Ferry's uploads record. */
function headInfo(
  key: string,
  out: { ContentLength?: number; LastModified?: Date; ETag?: string; ContentType?: string; SSECustomerAlgorithm?: string; ServerSideEncryption?: string; Metadata?: Record<string, string>; VersionId?: string },
): HeadInfo {
  const encryption = out.SSECustomerAlgorithm ? 'customer' : out.ServerSideEncryption;
  const partSize = Number(out.Metadata?.[PART_SIZE_META]);
  return {
    key,
    size: out.ContentLength ?? 0,
    ...(out.LastModified ? { lastModified: out.LastModified.toISOString() } : {}),
    ...(out.ETag ? { etag: out.ETag } : {}),
    ...(out.ContentType ? { contentType: out.ContentType } : {}),
    ...(encryption ? { encryption } : {}),
    ...(Number.isSafeInteger(partSize) && partSize > 0 ? { partSize } : {}),
    ...(out.VersionId && out.VersionId !== 'null' ? { versionId: out.VersionId } : {}),
  };
}

export class Storage {
  readonly endpoint: string;
  constructor(
    /** The SDK's client, for everything Ferry's own requests do not carry. */
    readonly client: SdkClient,
    readonly profile: Profile,
    /** Ferry's own requests (wire.ts), for listings; the SDK does everything without it. */
    private readonly wire?: Wire,
  ) {
    this.endpoint = endpointLabel(profile);
  }

  /** Every operation names its bucket and key here, so both are checked before any request is built. */
  protected async call<T>(op: Omit<Operation, 'endpoint'>, fn: () => Promise<T>): Promise<T> {
    if (op.bucket !== undefined) checkBucketReference(op.bucket);
    if (op.key !== undefined) checkKey(op.key);
    try {
      return await fn();
    } catch (err) {
      throw await this.diagnose(toFerryError(err, { endpoint: this.endpoint, account: this.profile.name, ...op }));
    }
  }

  /**
   * "The signature does not match" means a wrong secret only if the keys fail everywhere. When
   * the same keys are accepted for listing buckets, the secret is right and the server (or a
   * proxy in front of it) computed the signature over a different request than the one signed:
   * say that, not "re-add the account".
   */
  async diagnose(err: FerryError): Promise<FerryError> {
    if (err.code !== 'BAD_CREDENTIALS' || (err.cause as { name?: string } | undefined)?.name !== 'SignatureDoesNotMatch') return err;
    const keysWork = await this.client.send((s) => new s.ListBucketsCommand({})).then(
      () => true,
      () => false,
    );
    if (!keysWork) return err;
    return new FerryError(
      'SIGNATURE_MISMATCH',
      `${this.endpoint} rejected the signature of this request, yet it accepts the same keys for listing buckets: the secret is right, and the server computed the signature over a different request than the one Ferry signed (a proxy that rewrites paths or headers, or a server that signs /bucket where S3 signs /bucket/). Try the other addressing style (path or virtual-hosted) in the account's settings, or check the proxy in front of the server.`,
      { cause: err.cause },
    );
  }

  async listBuckets(): Promise<BucketInfo[]> {
    const out = await this.call({}, () => this.client.send((s) => new s.ListBucketsCommand({})));
    return (out.Buckets ?? []).map((b) => ({ name: b.Name ?? '', ...(b.CreationDate ? { createdAt: b.CreationDate.toISOString() } : {}) }));
  }

  async createBucket(bucket: string): Promise<void> {
    validateNewBucketName(bucket);
    const needsLocation = this.profile.provider === 'aws' && this.profile.region !== 'us-east-1';
    await this.call({ bucket }, () =>
      this.client.send(
        (s) => new s.CreateBucketCommand({
          Bucket: bucket,
          ...(needsLocation ? { CreateBucketConfiguration: { LocationConstraint: this.profile.region as never } } : {}),
        }),
      ),
    );
  }

  /**
   * One page of a listing; pass the returned token back for the next page. `onToken` hears the
   * next page's token as soon as it is read, before the page has all arrived (Ferry's own
   * requests only: through the SDK it is never called).
   */
  async listPage(bucket: string, prefix = '', opts: ListOptions & { token?: string; onToken?: (token: string) => void } = {}): Promise<ObjectPage & { nextToken?: string }> {
    const input = {
      Bucket: bucket,
      ...(prefix ? { Prefix: prefix } : {}),
      ...(opts.recursive ? {} : { Delimiter: '/' }),
      ...(opts.token !== undefined ? { ContinuationToken: opts.token } : {}),
      ...(opts.pageSize !== undefined ? { MaxKeys: opts.pageSize } : {}),
      EncodingType: 'url' as const,
    };
    const wire = this.wire?.supports(bucket) ? this.wire : undefined;
    const out = await this.call({ bucket }, async () => {
      if (wire) return asTheSdkRetries(() => wire.listObjectsV2(input, { ...(opts.signal ? { signal: opts.signal } : {}), ...(opts.onToken ? { onToken: opts.onToken } : {}) }), opts.signal);
      const sdk = await this.client.send((s) => new s.ListObjectsV2Command(input), { abortSignal: opts.signal });
      return {
        contents: (sdk.Contents ?? []).map((o) => ({ key: o.Key ?? '', size: o.Size ?? 0, ...(o.LastModified ? { lastModified: o.LastModified.toISOString() } : {}), ...(o.ETag ? { etag: o.ETag } : {}) })),
        prefixes: (sdk.CommonPrefixes ?? []).map((p) => p.Prefix ?? ''),
        isTruncated: Boolean(sdk.IsTruncated),
        ...(sdk.NextContinuationToken ? { nextToken: sdk.NextContinuationToken } : {}),
        ...(sdk.EncodingType ? { encodingType: sdk.EncodingType } : {}),
      };
    });
    // "There is more" with nothing to continue from would end the listing early without a word:
    // every recursive copy, delete and move would act on part of the folder.
    if (out.isTruncated && !out.nextToken) {
      throw new FerryError('S3_ERROR', `${this.endpoint} said the listing of s3://${bucket}/${prefix} goes on but gave no token to continue from, so the listing stopped rather than act on part of it. Try again; if it keeps happening, the server is faulty.`);
    }
    const name = listedName(out.encodingType);
    return {
      folders: out.prefixes.map((p) => name(p)),
      objects: out.contents.map((o) => ({ ...o, key: name(o.key) })),
      ...(out.isTruncated && out.nextToken ? { nextToken: out.nextToken } : {}),
    };
  }

  /**
   * Lists a bucket one page at a time, following continuation tokens to the end. Only the
   * current page (and the next, on its way) is held in memory, so a bucket of millions of keys
   * lists in constant memory. The next page is asked for the moment this one names its token,
   * so the server works on it while this page is read and used.
   */
  async *listObjects(bucket: string, prefix = '', opts: ListOptions = {}): AsyncGenerator<ObjectPage> {
    const guard = new PageGuard(`the listing of ${bucket}/${prefix}`, this.endpoint);
    // Stops a page asked for early that turns out not to be wanted (the consumer stopped, or failed).
    const early = new AbortController();
    const stop = joinSignals(opts.signal, early.signal);
    const signal = stop.signal;
    let ahead: { token: string; page: Promise<ObjectPage & { nextToken?: string }> } | undefined;
    const fetch = (token: string | undefined): Promise<ObjectPage & { nextToken?: string }> =>
      this.listPage(bucket, prefix, {
        ...opts,
        signal,
        ...(token !== undefined ? { token } : {}),
        onToken: (next) => {
          // A marker too large or already seen is judged at the page's end (guard), never sent.
          if (ahead || !guard.fresh(next)) return;
          ahead = { token: next, page: fetch(next) };
          ahead.page.catch(() => {});
        },
      });
    // Names come in UTF-8 order: a page that brings none past the last one goes nowhere.
    let furthest = Buffer.alloc(0);
    /** The names of the page before, to tell a name listed again from one out of order. */
    let previous = new Set<string>();
    let names = 0;
    let current = fetch(undefined);
    try {
      for (;;) {
        const { nextToken, ...listed } = await current;
        // Names come in UTF-8 order, each once: a name at or before the furthest of the pages
        // before is one listed again (dropped, so nothing is printed, copied or deleted twice),
        // or one out of order (refused: dropping it would skip it without a word).
        const before = furthest;
        const onPage = new Set<string>();
        const again = (name: string) => {
          if (onPage.has(name)) return true;
          onPage.add(name);
          const bytes = Buffer.from(name);
          if (Buffer.compare(bytes, before) <= 0) {
            if (!previous.has(name)) throw new FerryError('S3_ERROR', `${this.endpoint} listed s3://${bucket}/${name} out of order (S3 lists names in order, each once), so the listing stopped rather than risk skipping names. Try again; if it keeps happening, the server is faulty.`);
            return true;
          }
          if (Buffer.compare(bytes, furthest) > 0) furthest = bytes;
          return false;
        };
        const page: ObjectPage = { folders: listed.folders.filter((f) => !again(f)), objects: listed.objects.filter((o) => !again(o.key)) };
        // Every name kept is past the pages before, and on this page once: all of them are new.
        const fresh = page.folders.length + page.objects.length;
        previous = onPage;
        names += fresh;
        if (opts.limit !== undefined && names > opts.limit) throw tooMany(this.endpoint, `s3://${bucket}/${prefix}`, opts.limit);
        if (nextToken) guard.next(nextToken, fresh);
        const following = ahead;
        ahead = undefined;
        // The page asked for early is the one the token names; any other is not wanted.
        current = nextToken ? (following?.token === nextToken ? following.page : fetch(nextToken)) : Promise.resolve({ folders: [], objects: [] });
        // Read only if the consumer asks for more; a consumer that stops leaves it to be aborted.
        current.catch(() => {});
        yield page;
        if (!nextToken) return;
      }
    } finally {
      early.abort();
      stop.release();
    }
  }

  /**
   * An object's size, date, ETag and type, how it is encrypted ('customer' for SSE-C), and the
   * part size of a multipart upload when the object records it (Ferry's uploads do).
   */
  async head(bucket: string, key: string, signal?: AbortSignal): Promise<HeadInfo> {
    const wire = this.wire?.supports(bucket) ? this.wire : undefined;
    const out = await this.call<HeadOutput>({ bucket, key }, async () => {
      if (wire) return asTheSdkRetries(() => wire.headObject({ Bucket: bucket, Key: key }, signal ? { signal } : {}), signal);
      const sdk = await this.client.send((s) => new s.HeadObjectCommand({ Bucket: bucket, Key: key }), signal ? { abortSignal: signal } : {});
      return { ...sdk, amzHeaders: Boolean(sdk.$metadata.requestId || sdk.$metadata.extendedRequestId || sdk.VersionId || sdk.ServerSideEncryption || Object.keys(sdk.Metadata ?? {}).length) };
    });
    const notS3 = (what: string) => new FerryError('NOT_S3', `${this.endpoint} answered, but not like an S3 service (${what}). Check the endpoint URL: it should be the service's S3 API address.`);
    // S3 names every object by an ETag and says its length: a web page answering a HEAD (a
    // portal, a wrong URL) may have neither, and must not be taken for an object (a download
    // would "succeed" with its size of nothing).
    if (!out.ETag) throw notS3('an object without an ETag');
    if (out.ContentLength === undefined) throw notS3('an object without a length');
    // A web site whose every path answers its own page (a single-page app's fallback) has both.
    // An object may be a page too; S3 then says it is S3 (x-amz-* headers) or names it by its MD5.
    if (/^\s*(text\/html|application\/xhtml\+xml)\b/i.test(out.ContentType ?? '') && !out.amzHeaders && !/^"?[0-9a-f]{32}(-\d+)?"?$/i.test(out.ETag)) {
      throw notS3('a web page where an object was asked for, with no sign of S3 in its headers');
    }
    return headInfo(key, out);
  }

  /**
   * The size of a multipart object's first part, where the server answers a HEAD for one part
   * (AWS does; Ceph answers with the whole object, Swift refuses): undefined when it cannot tell.
   */
  async firstPartSize(bucket: string, key: string, size: number): Promise<number | undefined> {
    const wire = this.wire?.supports(bucket) ? this.wire : undefined;
    const input = { Bucket: bucket, Key: key, PartNumber: 1 };
    const out = await (wire ? asTheSdkRetries(() => wire.headObject(input)) : this.client.send((s) => new s.HeadObjectCommand(input))).catch(() => undefined);
    const length = out?.ContentLength;
    return length !== undefined && length > 0 && length < size ? length : undefined;
  }

  /** Writes a small object from memory (pages Ferry writes into a bucket). */
  async put(bucket: string, key: string, body: Buffer, extra: Omit<PutObjectCommandInput, 'Bucket' | 'Key' | 'Body'> = {}): Promise<void> {
    await this.call({ bucket, key }, () =>
      this.client.send((s) => new s.PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ContentLength: body.length, ContentMD5: createHash('md5').update(body).digest('base64'), ...extra })),
    );
  }

  /**
   * The first `limit` bytes of an object (or fewer, if it is shorter), into memory: for previews,
   * never for downloads. Never more than `limit` is read, whatever the server says or sends.
   */
  async getBytes(bucket: string, key: string, limit: number): Promise<Buffer> {
    if (limit <= 0) return Buffer.alloc(0);
    return this.call({ bucket, key }, async () => {
      const out = await this.client.send((s) => new s.GetObjectCommand({ Bucket: bucket, Key: key, Range: `bytes=0-${limit - 1}` }));
      const body = out.Body as (AsyncIterable<Uint8Array> & { destroy?: () => void }) | undefined;
      const chunks: Buffer[] = [];
      let got = 0;
      try {
        for await (const chunk of body ?? []) {
          const take = Math.min(chunk.length, limit - got);
          chunks.push(Buffer.from(chunk.buffer, chunk.byteOffset, take));
          got += take;
          if (got >= limit) break;
        }
      } finally {
        body?.destroy?.();
      }
      return Buffer.concat(chunks, got);
    });
  }

  /**
   * The whole object as one stream, with what its answer says of it: for ferry cp s3://… - and
   * downloads into a device or pipe, where nothing can be written in ranges or checked before.
   */
  async getStream(bucket: string, key: string, signal?: AbortSignal): Promise<{ body: AsyncIterable<Uint8Array> & { destroy?: () => void }; info: HeadInfo }> {
    const out = await this.call({ bucket, key }, () => this.client.send((s) => new s.GetObjectCommand({ Bucket: bucket, Key: key }), signal ? { abortSignal: signal } : {}));
    // A whole GET's headers say what a HEAD's do.
    return { body: (out.Body ?? []) as AsyncIterable<Uint8Array> & { destroy?: () => void }, info: headInfo(key, out) };
  }

  /** Deletes an object; with a version ID, only that version (where the bucket keeps versions). */
  async delete(bucket: string, key: string, versionId?: string): Promise<void> {
    await this.call({ bucket, key }, () => this.client.send((s) => new s.DeleteObjectCommand({ Bucket: bucket, Key: key, ...(versionId ? { VersionId: versionId } : {}) })));
  }

  /**
   * Deletes an object only while its ETag is `etag` (If-Match): returns false when the server
   * says it is another object now. Servers that ignore If-Match on DELETE (RGW, Swift) delete
   * whatever is there at that instant; the caller looks just before, which is all they allow.
   */
  async deleteIfMatch(bucket: string, key: string, etag: string, versionId?: string): Promise<boolean> {
    try {
      await this.client.send((s) => new s.DeleteObjectCommand({ Bucket: bucket, Key: key, IfMatch: etag, ...(versionId ? { VersionId: versionId } : {}) }));
      return true;
    } catch (err) {
      const e = err as { name?: string; $metadata?: { httpStatusCode?: number } };
      if (e.$metadata?.httpStatusCode === 412 || e.name === 'PreconditionFailed') return false;
      // Gone already: nothing of anyone's was deleted.
      if (e.$metadata?.httpStatusCode === 404) return true;
      throw toFerryError(err, { endpoint: this.endpoint, account: this.profile.name, bucket, key });
    }
  }

  /** Aborts a multipart upload so its parts stop being billed; one already gone counts as done. */
  async abortMultipartUpload(bucket: string, key: string, uploadId: string, signal?: AbortSignal): Promise<void> {
    checkBucketReference(bucket);
    try {
      await this.client.send((s) => new s.AbortMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId: uploadId }), signal ? { abortSignal: signal } : {});
    } catch (err) {
      if ((err as { name?: string }).name === 'NoSuchUpload') return;
      throw toFerryError(err, { endpoint: this.endpoint, account: this.profile.name, bucket, key });
    }
  }

  /** How many parts, and bytes, an unfinished multipart upload holds (what it is billed for). */
  async multipartUsage(bucket: string, key: string, uploadId: string, signal?: AbortSignal): Promise<MultipartUsage> {
    const guard = new PageGuard(`the parts of ${key}`, this.endpoint);
    const seen = new Set<number>();
    let bytes = 0;
    let marker: string | undefined;
    for (;;) {
      const out = await this.call({ bucket, key }, () =>
        this.client.send((s) => new s.ListPartsCommand({ Bucket: bucket, Key: key, UploadId: uploadId, ...(marker ? { PartNumberMarker: marker } : {}) }), signal ? { abortSignal: signal } : {}),
      );
      const before = seen.size;
      for (const p of out.Parts ?? []) {
        if (p.PartNumber === undefined || seen.has(p.PartNumber)) continue;
        checkPartNumber(p.PartNumber, this.endpoint);
        seen.add(p.PartNumber);
        bytes += p.Size ?? 0;
      }
      if (!out.IsTruncated || !out.NextPartNumberMarker) return { parts: seen.size, bytes };
      marker = out.NextPartNumberMarker;
      guard.next(marker, seen.size - before);
    }
  }

  /** Whether an object exists (a HEAD that finds nothing is false; other failures throw). */
  async exists(bucket: string, key: string, signal?: AbortSignal): Promise<boolean> {
    try {
      await this.head(bucket, key, signal);
      return true;
    } catch (err) {
      if ((err as { code?: string }).code === 'NO_SUCH_KEY') return false;
      throw err;
    }
  }

  /** Unfinished multipart uploads in a bucket (they are billed until aborted). */
  async listMultipartUploads(bucket: string, prefix?: string, signal?: AbortSignal): Promise<MultipartInfo[]> {
    const found: MultipartInfo[] = [];
    const ids = new Set<string>();
    const guard = new PageGuard(`the unfinished uploads in ${bucket}`, this.endpoint);
    let keyMarker: string | undefined;
    let uploadIdMarker: string | undefined;
    for (;;) {
      const out = await this.call({ bucket }, () =>
        // Names as they are: Ceph encodes them when asked but does not say so, which would leave
        // them encoded here (see listedName).
        this.client.send((s) => new s.ListMultipartUploadsCommand({ Bucket: bucket, Prefix: prefix, KeyMarker: keyMarker, UploadIdMarker: uploadIdMarker }), signal ? { abortSignal: signal } : {}),
      );
      const before = ids.size;
      for (const u of out.Uploads ?? []) {
        if (!u.UploadId || ids.has(u.UploadId)) continue;
        ids.add(u.UploadId);
        found.push({ key: u.Key ?? '', uploadId: u.UploadId, ...(u.Initiated ? { initiated: u.Initiated.toISOString() } : {}) });
      }
      if (found.length > MAX_COLLECTED) throw tooMany(this.endpoint, `The list of unfinished uploads in ${bucket}`, MAX_COLLECTED);
      if (!out.IsTruncated) return found;
      keyMarker = out.NextKeyMarker;
      uploadIdMarker = out.NextUploadIdMarker;
      guard.next(JSON.stringify([keyMarker, uploadIdMarker]), ids.size - before);
    }
  }
}

/**
 * A request of Ferry's own retried as this class's SDK client retries its requests (three
 * attempts, exponential back-off with full jitter from 100 ms), on the answers and faults the
 * transfer engine's policy calls passing.
 */
async function asTheSdkRetries<T>(run: () => Promise<T>, signal?: AbortSignal): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await run();
    } catch (err) {
      if (attempt >= 3 || signal?.aborted || !(isRetryable(err) || isNetworkError(err))) throw err;
      await sleep(Math.random() * Math.min(20_000, 100 * 2 ** attempt), signal);
    }
  }
}

/** S3 numbers parts 1 to 10,000: a server listing others is not describing an upload. */
export function checkPartNumber(n: number, endpoint: string): void {
  if (!Number.isInteger(n) || n < 1 || n > 10_000) throw new FerryError('S3_ERROR', `${endpoint} listed a part numbered ${n}; S3 numbers parts 1 to 10,000, so the listing stopped. The server is faulty.`);
}

/**
 * Listings ask for names URL-encoded (EncodingType=url), as the AWS CLI and rclone do: XML 1.0
 * cannot carry control characters, so a key holding one breaks a plain listing (Swift answers
 * 500). The server says whether it encoded; then a name is decoded as S3 encodes it ("+" is a
 * space, "%2B" a plus). A server that ignores the request sends names as they are.
 */
export function listedName(encoding: string | undefined): (name: string | undefined) => string {
  if (encoding !== 'url') return (name) => name ?? '';
  return (name) => {
    if (!name) return '';
    try {
      return decodeURIComponent(name.replace(/\+/g, ' '));
    } catch {
      throw new FerryError('S3_ERROR', `The server listed a name that is not valid URL encoding (${name.slice(0, 80)}), so the listing stopped. The server is faulty.`);
    }
  };
}
