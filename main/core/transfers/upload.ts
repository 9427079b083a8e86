import { open, stat, type FileHandle } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import {
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  ListPartsCommand,
  PutObjectCommand,
  UploadPartCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import mime from 'mime-types';
import type { Clock } from '../clock';
import { FerryError, systemCode } from '../errors';
import { PageGuard } from '../s3/bounds';
import { toFerryError } from '../s3/errors';
import { checkBucketReference, checkKey } from '../s3/names';
import { checkPartNumber, PART_SIZE_META, type Storage } from '../s3/storage';
import { partLength, planUpload, type UploadPlan } from './plan';
import { ProgressMeter, type Progress } from './progress';
import { NO_KEEPER, type UploadKeeper, type UploadProgressState } from './state';

export interface UploadRequest {
  file: string;
  bucket: string;
  key: string;
  contentType?: string;
  /** Preferred part size; grown if the file would need more than 10,000 parts. */
  partSize?: number;
  /** Parts in flight at once. */
  concurrency?: number;
  signal?: AbortSignal;
  onProgress?: (p: Progress) => void;
  /** Called once the plan is known, before any bytes move (the CLI's --debug shows it). */
  onPlan?: (plan: UploadPlan & { size: number }) => void;
  /**
   * Aborting this pauses the upload: parts in flight stop, finished parts stay on the server (the
   * keeper saves them as paused), and upload() rejects with PAUSED. The next upload() of the same
   * file to the same key continues it.
   */
  pauseSignal?: AbortSignal;
  /** Continue an interrupted upload the keeper saved (the default); false aborts it and starts afresh. */
  resume?: boolean;
  /** The multipart upload's state, after it is created and after each part. */
  onState?: (state: MultipartState) => void;
  /** Called with true when the endpoint stops answering (the upload waits for it), false when it is back. */
  onWaiting?: (waiting: boolean) => void;
  /** Called when an earlier upload is continued, with how many of its parts the server holds and match the file. */
  onResume?: (info: { partsOnServer: number; partCount: number }) => void;
  /** Called when an earlier upload cannot be continued and the file is sent from the start, with the reason. */
  onRestart?: (reason: string) => void;
}

/** A multipart upload as the keeper saves it: enough to continue it after a crash or pause. */
export type MultipartState = UploadProgressState;

export interface UploadResult {
  bucket: string;
  key: string;
  size: number;
  etag?: string;
  contentType: string;
  parts: number;
  partSize: number;
  /**
   * The file changed while a single PUT read it. The object holds exactly the bytes Ferry hashed
   * and the server verified against that hash (Content-MD5): the file as it was when read.
   */
  changedDuringUpload?: boolean;
}

interface SourceFile {
  handle: FileHandle;
  size: number;
  mtimeMs: number;
}

/**
 * Opens a local file for upload, turning every way it can be wrong into a message a user can
 * act on. Symlinks are followed. The handle stays open for the whole upload, so ranges are read
 * from the same file even if its name is replaced meanwhile.
 */
export async function openSource(path: string): Promise<SourceFile> {
  let info;
  try {
    info = await stat(path);
  } catch (err) {
    const code = systemCode(err);
    if (code === 'ENOENT' || code === 'ENOTDIR') throw new FerryError('FILE_NOT_FOUND', `There is no file at ${path}. Check the path and try again.`, { cause: err });
    if (code === 'EACCES' || code === 'EPERM') throw new FerryError('FILE_UNREADABLE', `Cannot read ${path}: permission denied. Check the file's permissions.`, { cause: err });
    if (code === 'ELOOP') throw new FerryError('FILE_NOT_FOUND', `${path} is a symbolic link that loops back on itself.`, { cause: err });
    throw new FerryError('FILE_UNREADABLE', `Cannot read ${path} (${code ?? 'unknown error'}).`, { cause: err });
  }
  if (info.isDirectory()) throw new FerryError('NOT_A_FILE', `${path} is a folder, not a file. Give the path of a file.`);
  if (!info.isFile()) throw new FerryError('NOT_A_FILE', `${path} is not a regular file (it is a device, socket or pipe). Give the path of a file.`);
  let handle: FileHandle;
  try {
    handle = await open(path, 'r');
  } catch (err) {
    const code = systemCode(err);
    if (code === 'EACCES' || code === 'EPERM') throw new FerryError('FILE_UNREADABLE', `Cannot read ${path}: permission denied. Check the file's permissions.`, { cause: err });
    throw new FerryError('FILE_UNREADABLE', `Cannot read ${path} (${code ?? 'unknown error'}).`, { cause: err });
  }
  return { handle, size: info.size, mtimeMs: info.mtimeMs };
}

/** MD5 of the bytes [start, end) of an open file. */
/** The error for a source file that ended before the bytes Ferry expected. */
function becameShorter(file: string): FerryError {
  return new FerryError('FILE_CHANGED', `${file} became shorter while it was being uploaded, so the upload was stopped. Upload it again when it is no longer being written.`);
}

async function md5Range(file: string, handle: FileHandle, start: number, end: number): Promise<Buffer> {
  const hash = createHash('md5');
  const buf = Buffer.allocUnsafe(Math.min(1024 * 1024, Math.max(end - start, 1)));
  for (let pos = start; pos < end; ) {
    const { bytesRead } = await handle.read(buf, 0, Math.min(buf.length, end - pos), pos);
    if (bytesRead === 0) throw becameShorter(file);
    hash.update(buf.subarray(0, bytesRead));
    pos += bytesRead;
  }
  return hash.digest();
}

/** Aborts when the upload is cancelled or paused. */
function stopSignal(req: UploadRequest): AbortSignal {
  const signals = [req.signal, req.pauseSignal].filter((x): x is AbortSignal => x !== undefined);
  return signals.length ? AbortSignal.any(signals) : new AbortController().signal;
}

/** Paused, and not also cancelled: a cancel wins and cleans up. */
function isPaused(req: UploadRequest): boolean {
  return Boolean(req.pauseSignal?.aborted && !req.signal?.aborted);
}

const CHUNK = 256 * 1024;

/**
 * The bytes [start, end) of an open file as a stream, read with positional reads so many parts
 * can read the same descriptor at once. Destroying the stream never closes the file. Memory per
 * stream is a chunk or two, whatever the part size.
 */
export function rangeStream(handle: FileHandle, start: number, end: number, onRead: (bytes: number) => void): Readable {
  async function* chunks() {
    for (let pos = start; pos < end; ) {
      const want = Math.min(CHUNK, end - pos);
      const { bytesRead, buffer } = await handle.read(Buffer.allocUnsafe(want), 0, want, pos);
      if (bytesRead === 0) throw new FerryError('FILE_CHANGED', 'The file became shorter while it was being uploaded.');
      pos += bytesRead;
      onRead(bytesRead);
      yield bytesRead === want ? buffer : buffer.subarray(0, bytesRead);
    }
  }
  return Readable.from(chunks(), { objectMode: false, highWaterMark: CHUNK });
}

/** Sends one request body (a part or a whole object) with its length and Content-MD5. */
type SendBody<T> = (body: Readable | Uint8Array, length: number, contentMd5: string, signal: AbortSignal) => Promise<T>;

/** Bodies up to this size are read into memory once rather than streamed (small files, small last parts). */
const SMALL_BODY = 256 * 1024;

const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'ENETDOWN', 'ECONNABORTED', 'ESOCKETTIMEDOUT']);

/** The network failed (no answer, reset, timed out): worth waiting out, unlike an answer from the server. */
export function isNetworkError(err: unknown): boolean {
  if (err instanceof FerryError) return false;
  const e = err as { name?: string; message?: string; $metadata?: { httpStatusCode?: number } };
  if (e?.$metadata?.httpStatusCode !== undefined) return false;
  if (e?.name === 'TimeoutError' || /socket hang up|timed out|ECONNRESET|EPIPE/i.test(e?.message ?? '')) return true;
  const code = systemCode(err);
  return code !== undefined && NETWORK_CODES.has(code);
}

const RETRYABLE_CODES = new Set(['SlowDown', 'RequestTimeout', 'InternalError', 'ServiceUnavailable', 'RequestTimeTooSkewed']);

export function isRetryable(err: unknown): boolean {
  if (err instanceof FerryError) return false;
  const e = err as { name?: string; Code?: string; $metadata?: { httpStatusCode?: number }; $retryable?: unknown };
  if (e?.name === 'AbortError') return false;
  const status = e?.$metadata?.httpStatusCode;
  if (status !== undefined && (status >= 500 || status === 429)) return true;
  if (RETRYABLE_CODES.has(e?.Code ?? e?.name ?? '')) return e?.name !== 'RequestTimeTooSkewed';
  if (e?.name === 'TimeoutError') return true;
  return systemCode(err) !== undefined && status === undefined;
}

export const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const t = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(t);
      reject(signal!.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });

export interface UploaderOptions {
  /** Client for control requests (create, list parts, abort, head), with the SDK's retries. */
  storage: Storage;
  /**
   * Client for requests Ferry retries itself, built with maxAttempts 1: parts and PUTs (each
   * attempt reads the file afresh) and CompleteMultipartUpload (whose lost answer Ferry must see).
   */
  dataClient: S3Client;
  clock: Clock;
  /** Attempts per part or PUT before giving up. */
  attempts?: number;
  /** Base back-off in ms; doubled each retry, with jitter. */
  backoffMs?: number;
  /** How long to wait for an endpoint that stopped answering before giving up (default 10 minutes). */
  networkWaitMs?: number;
}

/** One stored or sent part, as CompleteMultipartUpload and the saved state need it. */
type Part = MultipartState['parts'][number];

/**
 * One upload's life, in one place. `uploadId` is the multipart upload on the server this run
 * answers for (one it created, or an earlier one it continues), so that every way out of the
 * run either completes it, keeps it with resumable state, or aborts it: never none of these.
 */
interface Run {
  req: UploadRequest;
  keeper: UploadKeeper;
  uploadId?: string;
  /** What to save to continue later; undefined while there is nothing on the server. */
  state?: () => MultipartState;
}

const NEVER = new AbortController().signal;

/** Says that an abort failed, why, and the command that removes the parts. */
export function partsLeftBehind(whose: string, bucket: string, key: string, uploadId: string, abortErr: unknown): string {
  const why = abortErr instanceof Error ? abortErr.message.replace(/\.$/, '') : String(abortErr);
  return `${whose} parts could not be removed from the server (${why}); they are billed until removed: run ferry uploads abort s3://${bucket}/${key} --upload-id ${uploadId}`;
}

/** The name and status of an SDK error, also when it is wrapped as a FerryError's cause. */
function sdkFailure(err: unknown): { name?: string; status?: number } {
  const e = (err instanceof FerryError ? err.cause : err) as { name?: string; $metadata?: { httpStatusCode?: number } } | undefined;
  return { ...(e?.name ? { name: e.name } : {}), ...(e?.$metadata?.httpStatusCode ? { status: e.$metadata.httpStatusCode } : {}) };
}

/** AWS's part and object ETags are not MD5s under SSE-KMS (and DSSE-KMS) or SSE-C. */
function etagIsNotMd5(out: { ServerSideEncryption?: string; SSECustomerAlgorithm?: string }): boolean {
  return Boolean(out.SSECustomerAlgorithm) || /kms/i.test(out.ServerSideEncryption ?? '');
}

const unquote = (etag: string) => etag.replace(/"/g, '').toLowerCase();

/**
 * Uploads files as a single PUT or as a multipart upload whose parts are streamed from file
 * ranges, so memory stays bounded by concurrency × stream buffers whatever the file size.
 */
export class Uploader {
  private readonly attempts: number;
  private readonly backoffMs: number;
  private readonly networkWaitMs: number;
  constructor(private readonly opts: UploaderOptions) {
    this.attempts = opts.attempts ?? 4;
    this.backoffMs = opts.backoffMs ?? 500;
    this.networkWaitMs = opts.networkWaitMs ?? 10 * 60_000;
  }

  /**
   * Runs one request with Ferry's retry rules: server errors that may heal (5xx, SlowDown,
   * timeouts) are retried a few times with exponential back-off and jitter; network failures
   * are waited out, reporting "waiting" after the second in a row, for up to networkWaitMs; an
   * error that will not heal (bad keys, no such bucket) stops at once.
   */
  private async retrying<T>(req: UploadRequest, signal: AbortSignal, run: () => Promise<T>, onFail?: () => void): Promise<T> {
    let attempt = 0;
    let netFailures = 0;
    let outageStart: number | undefined;
    for (;;) {
      try {
        const result = await run();
        if (netFailures >= 2) req.onWaiting?.(false);
        return result;
      } catch (err) {
        onFail?.();
        if (signal.aborted) throw new FerryError('CANCELLED', 'Upload cancelled.', { cause: err });
        let delay: number;
        if (isNetworkError(err)) {
          netFailures++;
          outageStart ??= this.opts.clock.now();
          if (this.opts.clock.now() - outageStart > this.networkWaitMs) throw toFerryError(err, this.op(req));
          if (netFailures === 2) req.onWaiting?.(true);
          delay = Math.min(this.backoffMs * 2 ** Math.min(netFailures - 1, 6), 10_000) * (0.5 + Math.random());
        } else if (isRetryable(err) && ++attempt < this.attempts) {
          delay = this.backoffMs * 2 ** (attempt - 1) * (0.5 + Math.random());
        } else {
          throw toFerryError(err, this.op(req));
        }
        await sleep(delay, signal).catch(() => {
          throw new FerryError('CANCELLED', 'Upload cancelled.');
        });
      }
    }
  }

  /**
   * Uploads a file. The keeper holds the saved state of an interrupted upload of the same file to
   * the same key: it is continued (after checking each stored part against the file's bytes),
   * or, when it cannot be, aborted on the server before the file is sent afresh.
   */
  async upload(request: UploadRequest, keeper: UploadKeeper = NO_KEEPER): Promise<UploadResult> {
    // Many parts may wait at once; the caller hears "waiting" once, and "back" when none waits.
    let waitingRequests = 0;
    const req: UploadRequest = {
      ...request,
      onWaiting: (waiting) => {
        waitingRequests += waiting ? 1 : -1;
        if (waiting && waitingRequests === 1) request.onWaiting?.(true);
        if (!waiting && waitingRequests === 0) request.onWaiting?.(false);
      },
    };
    checkBucketReference(req.bucket);
    checkKey(req.key);
    const run: Run = { req, keeper };
    let src: SourceFile | undefined;
    try {
      const saved = await keeper.load();
      if (saved) {
        run.uploadId = saved.uploadId;
        run.state = () => ({ uploadId: saved.uploadId, partSize: saved.partSize, size: saved.size, mtimeMs: saved.mtimeMs, parts: saved.parts });
      }
      src = await openSource(req.file);
      // A resumed upload keeps the part size it began with, whatever the defaults are now.
      const resumable = saved && req.resume !== false && saved.size === src.size && saved.mtimeMs === src.mtimeMs ? saved : undefined;
      const plan = planUpload(src.size, resumable ? resumable.partSize : (req.partSize ?? this.opts.storage.profile.partSize), req.concurrency);
      req.onPlan?.({ ...plan, size: src.size });
      const contentType = req.contentType || mime.lookup(req.key) || mime.lookup(req.file) || 'application/octet-stream';
      const meter = new ProgressMeter(src.size, this.opts.clock, (p) => req.onProgress?.(p));
      if (req.signal?.aborted) throw new FerryError('CANCELLED', 'Upload cancelled.');
      if (saved && !(plan.multipart && resumable && resumable.partSize === plan.partSize)) {
        // The earlier upload cannot be continued: drop its parts before sending afresh.
        await this.abort(req, saved.uploadId);
        await this.forget(run);
        if (req.resume !== false) req.onRestart?.(plan.multipart ? 'the file changed since the interrupted upload began' : 'the file now fits in a single request');
      }
      const result = plan.multipart ? await this.multipart(run, src, plan, contentType, meter, resumable) : await this.single(run, src, contentType, meter);
      meter.finish();
      return result;
    } catch (err) {
      throw await this.settle(run, err);
    } finally {
      await src?.handle.close();
    }
  }

  /** Nothing on the server is this run's any more: no upload to abort, no state to keep. */
  private async forget(run: Run): Promise<void> {
    run.uploadId = undefined;
    run.state = undefined;
    await run.keeper.remove();
  }

  /**
   * Every way out of a run that did not complete goes through here. Paused (and not also
   * cancelled): the state is saved for a later resume. The endpoint unreachable: the state is
   * kept, the next run continues. Anything else (cancel, an error that will not heal): the
   * multipart upload is aborted on the server and the state removed; if the abort itself fails,
   * the state is kept and the message says how to remove the parts.
   */
  private async settle(run: Run, err: unknown): Promise<FerryError> {
    const { req, keeper } = run;
    const cancelled = () => Boolean(req.signal?.aborted);
    if (!cancelled() && isPaused(req)) {
      const state = run.state?.();
      if (state) await keeper.save(state, true).catch(() => {});
      // A cancel that arrived while the paused state was saved still wins.
      if (!cancelled()) return new FerryError('PAUSED', 'Paused.', { cause: err });
    }
    const error = cancelled() ? new FerryError('CANCELLED', 'Upload cancelled.', { cause: err }) : await this.opts.storage.diagnose(toFerryError(err, this.op(req)));
    const uploadId = run.uploadId;
    if (!uploadId) {
      await keeper.remove().catch(() => {});
      return error;
    }
    if (error.code === 'ENDPOINT_UNREACHABLE') {
      const state = run.state?.();
      if (state) await keeper.save(state).catch(() => {});
      return new FerryError('ENDPOINT_UNREACHABLE', `${error.message} The finished parts are kept: run the same upload again to continue it.`, { cause: err });
    }
    try {
      await this.abort(req, uploadId);
    } catch (abortErr) {
      const state = run.state?.();
      if (state) await keeper.save(state).catch(() => {});
      return new FerryError(error.code, `${error.message} ${partsLeftBehind("The unfinished upload's", req.bucket, req.key, uploadId, abortErr)}`, { cause: err });
    }
    await keeper.remove().catch(() => {});
    return error;
  }

  private op(req: UploadRequest) {
    return { endpoint: this.opts.storage.endpoint, bucket: req.bucket, key: req.key };
  }

  /**
   * Sends the byte range [start, end) with retries, each attempt reading the range afresh. Each
   * attempt owns its body: a read that fails fails that request (never the process), and bytes
   * an abandoned attempt still reads are not counted.
   */
  private async sendRange<T>(
    req: UploadRequest,
    src: SourceFile,
    start: number,
    end: number,
    meter: ProgressMeter,
    signal: AbortSignal,
    send: SendBody<T>,
  ): Promise<{ out: T; md5: Buffer }> {
    // A small body is read once: its MD5 is of exactly the bytes sent (and no stream is set up).
    if (end - start <= SMALL_BODY) return this.sendSmall(req, src, start, end, meter, signal, send);
    // The server checks each request's bytes against this MD5 and refuses a corrupted one.
    let md5 = await md5Range(req.file, src.handle, start, end);
    let attempt: { live: boolean; counted: number; body?: Readable } | undefined;
    const out = await this.retrying(
      req,
      signal,
      async () => {
        const a: { live: boolean; counted: number; body?: Readable; failed?: FerryError } = { live: true, counted: 0 };
        attempt = a;
        const own = new AbortController();
        let body: Readable | Uint8Array = new Uint8Array(0);
        if (end > start) {
          a.body = body = rangeStream(src.handle, start, end, (n) => {
            if (!a.live) return;
            a.counted += n;
            meter.add(n);
          });
          a.body.once('error', (err) => {
            const code = systemCode(err);
            a.failed = err instanceof FerryError ? err : new FerryError('FILE_UNREADABLE', `Cannot read ${req.file} (${code ?? (err as Error).message}).`, { cause: err });
            own.abort(a.failed);
          });
        }
        try {
          return await send(body, end - start, md5.toString('base64'), AbortSignal.any([signal, own.signal]));
        } catch (err) {
          if (a.failed) {
            throw a.failed.code === 'FILE_CHANGED' ? becameShorter(req.file) : a.failed;
          }
          if ((err as { name?: string }).name === 'BadDigest') {
            // Either the bytes were damaged on the way (send again) or the file changed under us.
            const again = await md5Range(req.file, src.handle, start, end);
            if (!again.equals(md5)) {
              throw new FerryError('FILE_CHANGED', `${req.file} changed while it was being uploaded, so the upload was stopped. Upload it again when it is no longer being written.`);
            }
            md5 = again;
            throw Object.assign(new Error('The server received damaged bytes (BadDigest); sending the part again.'), { name: 'InternalError', Code: 'InternalError' });
          }
          throw err;
        }
      },
      () => {
        if (!attempt) return;
        attempt.live = false;
        attempt.body?.destroy();
        meter.add(-attempt.counted);
        attempt.counted = 0;
      },
    );
    return { out, md5 };
  }

  /** sendRange for a body small enough to hold: one read, one hash, the same bytes on every attempt. */
  private async sendSmall<T>(
    req: UploadRequest,
    src: SourceFile,
    start: number,
    end: number,
    meter: ProgressMeter,
    signal: AbortSignal,
    send: SendBody<T>,
  ): Promise<{ out: T; md5: Buffer }> {
    const bytes = Buffer.allocUnsafe(end - start);
    for (let pos = 0; pos < bytes.length; ) {
      const { bytesRead } = await src.handle.read(bytes, pos, bytes.length - pos, start + pos).catch((err: unknown) => {
        throw new FerryError('FILE_UNREADABLE', `Cannot read ${req.file} (${systemCode(err) ?? (err as Error).message}).`, { cause: err });
      });
      if (bytesRead === 0) throw becameShorter(req.file);
      pos += bytesRead;
    }
    const md5 = createHash('md5').update(bytes).digest();
    let counted = false;
    const out = await this.retrying(
      req,
      signal,
      async () => {
        const sent = await send(bytes, bytes.length, md5.toString('base64'), signal);
        if (!counted) meter.add(bytes.length);
        counted = true;
        return sent;
      },
    );
    return { out, md5 };
  }

  /**
   * One PUT. The server stores the bytes only if they match the MD5 computed from the file, so the
   * object is always one consistent reading of it; a file that changed meanwhile is reported, and
   * nothing is deleted (the object at the key is the one this PUT wrote, or whatever was there).
   */
  private async single(run: Run, src: SourceFile, contentType: string, meter: ProgressMeter): Promise<UploadResult> {
    const { req } = run;
    const signal = stopSignal(req);
    const { out } = await this.sendRange(req, src, 0, src.size, meter, signal, (Body, ContentLength, ContentMD5, abortSignal) =>
      this.opts.dataClient.send(new PutObjectCommand({ Bucket: req.bucket, Key: req.key, Body, ContentLength, ContentMD5, ContentType: contentType }), { abortSignal }),
    );
    const changed = await this.changed(src);
    return {
      bucket: req.bucket,
      key: req.key,
      size: src.size,
      ...(out.ETag ? { etag: out.ETag } : {}),
      contentType,
      parts: 1,
      partSize: src.size,
      ...(changed ? { changedDuringUpload: true } : {}),
    };
  }

  /** Asks the server which parts of an earlier upload it holds: undefined when the upload is gone, 'unsupported' without ListParts. */
  private async listParts(req: UploadRequest, uploadId: string, signal: AbortSignal): Promise<Array<{ PartNumber: number; ETag: string; Size: number }> | 'gone' | 'unsupported'> {
    const found: Array<{ PartNumber: number; ETag: string; Size: number }> = [];
    const numbers = new Set<number>();
    const guard = new PageGuard(`the parts of ${req.key}`, this.opts.storage.endpoint);
    let marker: string | undefined;
    try {
      for (;;) {
        const out = await this.retrying(req, signal, () =>
          this.opts.storage.client.send(new ListPartsCommand({ Bucket: req.bucket, Key: req.key, UploadId: uploadId, ...(marker ? { PartNumberMarker: marker } : {}) }), {
            abortSignal: signal,
          }),
        );
        const before = numbers.size;
        for (const p of out.Parts ?? []) {
          if (!p.PartNumber || !p.ETag || numbers.has(p.PartNumber)) continue;
          checkPartNumber(p.PartNumber, this.opts.storage.endpoint);
          numbers.add(p.PartNumber);
          found.push({ PartNumber: p.PartNumber, ETag: p.ETag, Size: p.Size ?? -1 });
        }
        if (!out.IsTruncated || !out.NextPartNumberMarker) return found;
        marker = out.NextPartNumberMarker;
        guard.next(marker, numbers.size - before);
      }
    } catch (err) {
      const { name, status } = sdkFailure(err);
      // Ceph answers NoSuchKey for an upload that was just aborted.
      if (name === 'NoSuchUpload' || name === 'NoSuchKey') return 'gone';
      if (name === 'MethodNotAllowed' || name === 'NotImplemented' || status === 405 || status === 501) return 'unsupported';
      throw err;
    }
  }

  private async multipart(run: Run, src: SourceFile, plan: UploadPlan, contentType: string, meter: ProgressMeter, prior: MultipartState | undefined): Promise<UploadResult> {
    const { req, keeper } = run;
    const { storage, dataClient } = this.opts;
    const stop = stopSignal(req);
    const parts: Array<Part | undefined> = new Array(plan.partCount);
    const partMd5: Array<Buffer | undefined> = new Array(plan.partCount);
    // Whether the server's ETags are the parts' MD5s, so the object's ETag can be checked.
    let etagsAreMd5 = true;
    const state = (): MultipartState => ({
      uploadId: run.uploadId!,
      partSize: plan.partSize,
      size: src.size,
      mtimeMs: src.mtimeMs,
      parts: parts.filter((p): p is Part => p !== undefined),
    });

    if (prior && run.uploadId) {
      // A server known (from "Test connection") to lack ListParts is not asked.
      const listed = storage.profile.capabilities?.listParts === false ? 'unsupported' : await this.listParts(req, prior.uploadId, stop);
      if (listed === 'gone') {
        await this.forget(run);
        req.onRestart?.('the server no longer has the interrupted upload');
      } else if (listed === 'unsupported') {
        const aborted = await this.abort(req, prior.uploadId).then(
          () => '',
          (e: unknown) => ` Its parts could not be removed (${e instanceof Error ? e.message : String(e)}); remove them with: ferry uploads abort s3://${req.bucket}/${req.key} --upload-id ${prior.uploadId}`,
        );
        await this.forget(run);
        req.onRestart?.(`the server cannot list the parts of an unfinished upload (ListParts), so it cannot be continued.${aborted}`);
      } else {
        // Trust no stored part blindly: the file may have been rewritten with the same size and
        // time. Each part is kept only if the file's bytes still hash to what the server holds.
        const saved = new Map(prior.parts.map((p) => [p.PartNumber, p]));
        const candidates = listed.filter((p) => p.PartNumber <= plan.partCount && p.Size === partLength(p.PartNumber, plan.partSize, src.size));
        let next = 0;
        const verify = async () => {
          for (let i = next++; i < candidates.length && !stop.aborted; i = next++) {
            const p = candidates[i]!;
            const start = (p.PartNumber - 1) * plan.partSize;
            const md5 = await md5Range(req.file, src.handle, start, start + p.Size);
            const hex = md5.toString('hex');
            const earlier = saved.get(p.PartNumber);
            const isMd5 = unquote(p.ETag) === hex;
            if (!isMd5 && !(earlier?.ETag === p.ETag && earlier.md5 === hex)) continue;
            if (!isMd5) etagsAreMd5 = false;
            parts[p.PartNumber - 1] = { PartNumber: p.PartNumber, ETag: p.ETag, ...(isMd5 ? {} : { md5: hex }) };
            partMd5[p.PartNumber - 1] = md5;
          }
        };
        await Promise.all(Array.from({ length: Math.max(1, plan.concurrency) }, verify));
        if (stop.aborted) throw new FerryError('CANCELLED', 'Upload cancelled.');
        run.state = state;
        // One step, so the first progress report already counts every part on the server.
        meter.addStored(parts.reduce((sum, p) => sum + (p ? partLength(p.PartNumber, plan.partSize, src.size) : 0), 0));
        req.onResume?.({ partsOnServer: parts.filter(Boolean).length, partCount: plan.partCount });
      }
    }
    if (!run.uploadId) {
      // Not cut off by a cancel: the server may create the upload before an aborted request ends,
      // and then no upload ID would come back to abort it with. A cancel is seen just after.
      const created = await this.retrying(req, stop, () =>
        storage.client.send(new CreateMultipartUploadCommand({ Bucket: req.bucket, Key: req.key, ContentType: contentType, Metadata: { [PART_SIZE_META]: String(plan.partSize) } })),
      );
      if (!created.UploadId) throw new FerryError('S3_ERROR', `${storage.endpoint} started a multipart upload but returned no upload ID.`);
      run.uploadId = created.UploadId;
      run.state = state;
      if (etagIsNotMd5(created)) etagsAreMd5 = false;
      if (stop.aborted) throw new FerryError('CANCELLED', 'Upload cancelled.');
    }
    const saveState = () => {
      void keeper.save(state()).catch(() => {});
      req.onState?.(state());
    };
    // Saved before any part is sent, so a kill from here on leaves state that finds the upload.
    await keeper.save(state()).catch(() => {});
    req.onState?.(state());

    const inner = new AbortController();
    const signal = AbortSignal.any([stop, inner.signal]);
    let next = 0;
    let failure: unknown;
    const worker = async () => {
      while (failure === undefined && !signal.aborted) {
        const index = next++;
        if (index >= plan.partCount) return;
        if (parts[index]) continue;
        const start = index * plan.partSize;
        const end = Math.min(start + plan.partSize, src.size);
        try {
          const { out, md5 } = await this.sendRange(req, src, start, end, meter, signal, (Body, ContentLength, ContentMD5, abortSignal) =>
            dataClient.send(new UploadPartCommand({ Bucket: req.bucket, Key: req.key, UploadId: run.uploadId, PartNumber: index + 1, Body, ContentLength, ContentMD5 }), { abortSignal }),
          );
          if (!out.ETag) throw new FerryError('S3_ERROR', `${storage.endpoint} accepted part ${index + 1} of s3://${req.bucket}/${req.key} but returned no ETag for it.`);
          const hex = md5.toString('hex');
          const isMd5 = unquote(out.ETag) === hex && !etagIsNotMd5(out);
          if (!isMd5) etagsAreMd5 = false;
          parts[index] = { PartNumber: index + 1, ETag: out.ETag, ...(isMd5 ? {} : { md5: hex }) };
          partMd5[index] = md5;
          saveState();
        } catch (err) {
          failure ??= err;
          inner.abort();
        }
      }
    };
    await Promise.all(Array.from({ length: Math.max(1, plan.concurrency) }, worker));
    if (failure !== undefined) throw failure;
    if (stop.aborted) throw new FerryError('CANCELLED', 'Upload cancelled.');

    // Parts read at different times may mix old and new bytes: never complete a changed file.
    if (await this.changed(src)) {
      throw new FerryError('FILE_CHANGED', `${req.file} changed while it was being uploaded, so the upload was stopped. Upload it again when it is no longer being written.`);
    }
    // Every part is on the server: finishing is one short request, so a pause or cancel that
    // arrives now no longer stops it (stopping could leave a completed object behind state that
    // says otherwise).
    const completedEtag = await this.complete(req, run.uploadId!, parts as Part[], NEVER);
    // Completed: the upload ID is gone, and nothing may abort or pause what is now the object.
    await this.forget(run).catch(() => {});
    const head = await this.retrying(req, NEVER, () => this.verifyStored(req, src.size));
    const etag = completedEtag || head.etag;
    if (etagsAreMd5 && !head.encrypted) this.checkMultipartEtag(req, etag, partMd5);
    return { bucket: req.bucket, key: req.key, size: src.size, ...(etag ? { etag } : {}), contentType, parts: plan.partCount, partSize: plan.partSize };
  }

  /**
   * CompleteMultipartUpload, retried by Ferry (not the SDK) so that a lost answer is seen: the
   * server may have completed the upload before the answer was lost, and then a repeat finds
   * no such upload. That is success if the object is there whole (checked after this).
   */
  private async complete(req: UploadRequest, uploadId: string, parts: Part[], stop: AbortSignal): Promise<string | undefined> {
    let mayHaveCompleted = false;
    const done = await this.retrying(req, stop, async () => {
      try {
        return await this.opts.dataClient.send(
          new CompleteMultipartUploadCommand({
            Bucket: req.bucket,
            Key: req.key,
            UploadId: uploadId,
            MultipartUpload: { Parts: parts.map((p) => ({ PartNumber: p.PartNumber, ETag: p.ETag })) },
          }),
          { abortSignal: stop },
        );
      } catch (err) {
        const { name, status } = sdkFailure(err);
        if (name === 'NoSuchUpload' && mayHaveCompleted) return { ETag: undefined };
        if (isNetworkError(err) || (status ?? 0) >= 500) mayHaveCompleted = true;
        throw err;
      }
    });
    return done.ETag;
  }

  /** Aborts a multipart upload so its parts stop costing money; tries a few times, then says why it could not. */
  private async abort(req: UploadRequest, uploadId: string): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.opts.storage.abortMultipartUpload(req.bucket, req.key, uploadId);
      } catch (err) {
        if (attempt >= 3) throw err;
        await sleep(this.backoffMs * attempt);
      }
    }
  }

  /**
   * Checks that the server holds an object of the file's size. An object of the wrong size is
   * removed rather than left behind as the result.
   */
  private async verifyStored(req: UploadRequest, size: number): Promise<{ etag?: string; encrypted: boolean }> {
    const head = await this.opts.storage.head(req.bucket, req.key);
    if (head.size !== size) {
      await this.opts.storage.delete(req.bucket, req.key).catch(() => {});
      throw new FerryError('S3_ERROR', `${this.opts.storage.endpoint} stored ${head.size} bytes for s3://${req.bucket}/${req.key} instead of ${size}; the object was removed. Upload it again.`);
    }
    return { ...(head.etag ? { etag: head.etag } : {}), encrypted: Boolean(head.encryption && /kms|customer/i.test(head.encryption)) };
  }

  /**
   * S3's multipart ETag is the MD5 of the parts' MD5s, then "-" and the part count. Where every
   * part's ETag was its MD5 and the object's ETag has that form, it must match what was sent;
   * otherwise the object is removed. (Called only when ETags are MD5s: not under SSE-KMS or
   * SSE-C, nor on servers whose ETags are something else; then the size check stands alone.)
   */
  private checkMultipartEtag(req: UploadRequest, etag: string | undefined, partMd5: Array<Buffer | undefined>): void {
    const m = /^"?([0-9a-f]{32})-(\d+)"?$/.exec(etag ?? '');
    if (!m || partMd5.some((x) => !x)) return;
    const expected = createHash('md5').update(Buffer.concat(partMd5 as Buffer[])).digest('hex');
    if (m[1] !== expected || Number(m[2]) !== partMd5.length) {
      void this.opts.storage.delete(req.bucket, req.key).catch(() => {});
      throw new FerryError('S3_ERROR', `The stored object s3://${req.bucket}/${req.key} does not match what was sent (ETag ${etag}, expected "${expected}-${partMd5.length}"); it was removed. Upload it again.`);
    }
  }

  /** Whether the source's size or modification time changed since it was opened. */
  private async changed(src: SourceFile): Promise<boolean> {
    const now = await src.handle.stat();
    return now.size !== src.size || now.mtimeMs !== src.mtimeMs;
  }
}
