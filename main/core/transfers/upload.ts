import { open, stat, type FileHandle } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import {
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  PutObjectCommand,
  UploadPartCommand,
  type CompletedPart,
  type S3Client,
} from '@aws-sdk/client-s3';
import mime from 'mime-types';
import type { Clock } from '../clock';
import { FerryError, systemCode } from '../errors';
import { toFerryError } from '../s3/errors';
import type { Storage } from '../s3/storage';
import { partLength, planUpload, type UploadPlan } from './plan';
import { ProgressMeter, type Progress } from './progress';

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
   * Aborting this pauses the upload: parts in flight stop, finished parts stay on the server, and
   * upload() rejects with PAUSED. Pass the last state given to onState as resumeFrom to go on.
   */
  pauseSignal?: AbortSignal;
  /** A paused multipart upload to continue: only the parts it lacks are sent. */
  resumeFrom?: MultipartState;
  /** The multipart upload's state, after it is created and after each part. */
  onState?: (state: MultipartState) => void;
  /** Called with true when the endpoint stops answering (the upload waits for it), false when it is back. */
  onWaiting?: (waiting: boolean) => void;
  /** Called when an earlier upload is continued, with how many parts the server already had. */
  onResume?: (info: { partsOnServer: number; partCount: number }) => void;
}

export interface MultipartState {
  bucket: string;
  key: string;
  uploadId: string;
  partSize: number;
  /** The source file's size and modification time when the upload began. */
  size: number;
  mtimeMs: number;
  parts: Array<{ PartNumber: number; ETag: string }>;
}

export interface UploadResult {
  bucket: string;
  key: string;
  size: number;
  etag?: string;
  contentType: string;
  parts: number;
  partSize: number;
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
async function md5Range(handle: FileHandle, start: number, end: number): Promise<Buffer> {
  const hash = createHash('md5');
  const buf = Buffer.allocUnsafe(Math.min(1024 * 1024, Math.max(end - start, 1)));
  for (let pos = start; pos < end; ) {
    const { bytesRead } = await handle.read(buf, 0, Math.min(buf.length, end - pos), pos);
    if (bytesRead === 0) throw new FerryError('FILE_CHANGED', 'The file became shorter while it was being uploaded.');
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

function isRetryable(err: unknown): boolean {
  if (err instanceof FerryError) return false;
  const e = err as { name?: string; Code?: string; $metadata?: { httpStatusCode?: number }; $retryable?: unknown };
  if (e?.name === 'AbortError') return false;
  const status = e?.$metadata?.httpStatusCode;
  if (status !== undefined && (status >= 500 || status === 429)) return true;
  if (RETRYABLE_CODES.has(e?.Code ?? e?.name ?? '')) return e?.name !== 'RequestTimeTooSkewed';
  if (e?.name === 'TimeoutError') return true;
  return systemCode(err) !== undefined && status === undefined;
}

const sleep = (ms: number, signal?: AbortSignal) =>
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
  /** Client for control requests (create, complete, abort), with the SDK's retries. */
  storage: Storage;
  /** Client for data requests, built with maxAttempts 1: Ferry retries parts itself with a fresh file stream. */
  dataClient: S3Client;
  clock: Clock;
  /** Attempts per part or PUT before giving up. */
  attempts?: number;
  /** Base back-off in ms; doubled each retry, with jitter. */
  backoffMs?: number;
  /** How long to wait for an endpoint that stopped answering before giving up (default 10 minutes). */
  networkWaitMs?: number;
}

/**
 * Uploads files as a single PUT or as a multipart upload whose parts are streamed from file
 * ranges, so memory stays bounded by concurrency × stream buffers whatever the file size.
 * A cancelled or failed multipart upload is aborted on the server, so no parts stay billed.
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

  async upload(request: UploadRequest): Promise<UploadResult> {
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
    const src = await openSource(req.file);
    try {
      // A resumed upload keeps the part size it began with, whatever the defaults are now.
      const resumable = req.resumeFrom && req.resumeFrom.size === src.size && req.resumeFrom.mtimeMs === src.mtimeMs;
      const plan = planUpload(src.size, resumable ? req.resumeFrom!.partSize : (req.partSize ?? this.opts.storage.profile.partSize), req.concurrency);
      req.onPlan?.({ ...plan, size: src.size });
      const contentType = req.contentType || mime.lookup(req.key) || mime.lookup(req.file) || 'application/octet-stream';
      const meter = new ProgressMeter(src.size, this.opts.clock, (p) => req.onProgress?.(p));
      let result: UploadResult;
      try {
        result = plan.multipart ? await this.multipart(req, src, plan, contentType, meter) : await this.single(req, src, contentType, meter);
      } catch (err) {
        if (isPaused(req)) throw new FerryError('PAUSED', 'Paused.', { cause: err });
        throw err;
      }
      meter.finish();
      return result;
    } finally {
      await src.handle.close();
    }
  }

  private op(req: UploadRequest) {
    return { endpoint: this.opts.storage.endpoint, bucket: req.bucket, key: req.key };
  }

  /** Sends the byte range [start, end) with retries, each attempt reading the range afresh. */
  private async sendRange<T>(
    req: UploadRequest,
    src: SourceFile,
    start: number,
    end: number,
    meter: ProgressMeter,
    signal: AbortSignal,
    send: (body: Readable | Uint8Array, length: number, contentMd5: string) => Promise<T>,
  ): Promise<{ out: T; md5: Buffer }> {
    // The server checks each request's bytes against this MD5 and refuses a corrupted one.
    let md5 = await md5Range(src.handle, start, end);
    let counted = 0;
    let body: Readable | Uint8Array = new Uint8Array(0);
    const out = await this.retrying(
      req,
      signal,
      async () => {
        counted = 0;
        body =
          end - start === 0
            ? new Uint8Array(0)
            : rangeStream(src.handle, start, end, (n) => {
                counted += n;
                meter.add(n);
              });
        try {
          return await send(body, end - start, md5.toString('base64'));
        } catch (err) {
          if ((err as { name?: string }).name === 'BadDigest') {
            // Either the bytes were damaged on the way (send again) or the file changed under us.
            const again = await md5Range(src.handle, start, end);
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
        if (!(body instanceof Uint8Array)) body.destroy();
        meter.add(-counted);
      },
    );
    return { out, md5 };
  }

  private async single(req: UploadRequest, src: SourceFile, contentType: string, meter: ProgressMeter): Promise<UploadResult> {
    const signal = stopSignal(req);
    const { out } = await this.sendRange(req, src, 0, src.size, meter, signal, (Body, ContentLength, ContentMD5) =>
      this.opts.dataClient.send(new PutObjectCommand({ Bucket: req.bucket, Key: req.key, Body, ContentLength, ContentMD5, ContentType: contentType }), { abortSignal: signal }),
    );
    try {
      await this.checkUnchanged(req, src);
    } catch (err) {
      // The object may hold a mix of old and new bytes: remove it rather than leave it as the result.
      await this.opts.storage.delete(req.bucket, req.key).catch(() => {});
      throw err;
    }
    return { bucket: req.bucket, key: req.key, size: src.size, ...(out.ETag ? { etag: out.ETag } : {}), contentType, parts: 1, partSize: src.size };
  }

  private async multipart(req: UploadRequest, src: SourceFile, plan: UploadPlan, contentType: string, meter: ProgressMeter): Promise<UploadResult> {
    const { storage, dataClient } = this.opts;
    if (req.signal?.aborted) throw new FerryError('CANCELLED', 'Upload cancelled.');
    const stop = stopSignal(req);
    const parts: CompletedPart[] = new Array(plan.partCount);
    const partMd5: Array<Buffer | undefined> = new Array(plan.partCount);
    let uploadId: string | undefined;
    const prior = req.resumeFrom;
    if (prior && prior.bucket === req.bucket && prior.key === req.key && prior.partSize === plan.partSize && prior.size === src.size && prior.mtimeMs === src.mtimeMs) {
      uploadId = prior.uploadId;
      let stored = 0;
      for (const p of prior.parts) {
        parts[p.PartNumber - 1] = { PartNumber: p.PartNumber, ETag: p.ETag };
        // A part's ETag is its MD5 on S3 and most compatible servers.
        const hex = p.ETag.replace(/"/g, '');
        if (/^[0-9a-f]{32}$/.test(hex)) partMd5[p.PartNumber - 1] = Buffer.from(hex, 'hex');
        stored += partLength(p.PartNumber, plan.partSize, src.size);
      }
      // One step, so the first progress report already counts every part on the server.
      meter.add(stored);
      req.onResume?.({ partsOnServer: prior.parts.length, partCount: plan.partCount });
    } else if (prior) {
      // The file changed since the upload began: start over, and drop the old parts.
      await this.abort({ ...req, bucket: prior.bucket, key: prior.key }, prior.uploadId);
    }
    if (!uploadId) {
      const created = await this.retrying(req, stop, () =>
        storage.client.send(new CreateMultipartUploadCommand({ Bucket: req.bucket, Key: req.key, ContentType: contentType }), { abortSignal: stop }),
      );
      uploadId = created.UploadId;
      if (!uploadId) throw new FerryError('S3_ERROR', `${storage.endpoint} started a multipart upload but returned no upload ID.`);
    }
    const state = (): MultipartState => ({
      bucket: req.bucket,
      key: req.key,
      uploadId: uploadId!,
      partSize: plan.partSize,
      size: src.size,
      mtimeMs: src.mtimeMs,
      parts: parts.filter((p): p is { PartNumber: number; ETag: string } => Boolean(p?.ETag)).map((p) => ({ PartNumber: p.PartNumber, ETag: p.ETag })),
    });
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
          const { out, md5 } = await this.sendRange(req, src, start, end, meter, signal, (Body, ContentLength, ContentMD5) =>
            dataClient.send(new UploadPartCommand({ Bucket: req.bucket, Key: req.key, UploadId: uploadId, PartNumber: index + 1, Body, ContentLength, ContentMD5 }), { abortSignal: signal }),
          );
          parts[index] = { PartNumber: index + 1, ETag: out.ETag };
          partMd5[index] = md5;
          req.onState?.(state());
        } catch (err) {
          failure ??= err;
          inner.abort();
        }
      }
    };
    const concurrency = Math.max(1, plan.concurrency);
    await Promise.all(Array.from({ length: concurrency }, worker));

    if (failure === undefined && stop.aborted) failure = new FerryError('CANCELLED', 'Upload cancelled.');
    if (failure === undefined) {
      try {
        await this.checkUnchanged(req, src);
        let completedEtag: string | undefined;
        let lostAnswer = false;
        try {
          const done = await this.retrying(req, stop, async () => {
            try {
              return await storage.client.send(new CompleteMultipartUploadCommand({ Bucket: req.bucket, Key: req.key, UploadId: uploadId, MultipartUpload: { Parts: parts } }));
            } catch (err) {
              if (isNetworkError(err)) lostAnswer = true;
              throw err;
            }
          });
          completedEtag = done.ETag;
        } catch (err) {
          // The server may have completed the upload before the answer was lost: then the upload
          // ID is gone, and the object tells whether it is there whole.
          if (!(lostAnswer && (err as FerryError).cause && (err as { cause?: { name?: string } }).cause?.name === 'NoSuchUpload')) throw err;
        }
        const etag = await this.retrying(req, stop, () => this.verifyStored(req, src.size, completedEtag));
        this.checkMultipartEtag(req, etag, partMd5);
        return { bucket: req.bucket, key: req.key, size: src.size, ...(etag ? { etag } : {}), contentType, parts: plan.partCount, partSize: plan.partSize };
      } catch (err) {
        failure = err;
      }
    }
    if (isPaused(req)) {
      // Paused: keep the finished parts on the server for resumeFrom.
      throw new FerryError('PAUSED', 'Paused.', { cause: failure });
    }
    const error = toFerryError(failure, this.op(req));
    if (error.code === 'ENDPOINT_UNREACHABLE') {
      // Nothing can be aborted while the endpoint is unreachable; the finished parts stay for a retry.
      throw new FerryError('ENDPOINT_UNREACHABLE', `${error.message} The finished parts are kept: run the same upload again to continue it.`, { cause: failure });
    }
    await this.abort(req, uploadId);
    throw error;
  }

  /** Aborts a multipart upload so its parts stop costing money; tries a few times before giving up. */
  private async abort(req: UploadRequest, uploadId: string): Promise<void> {
    for (let attempt = 1; attempt <= 3; attempt++) {
      try {
        return await this.opts.storage.abortMultipartUpload(req.bucket, req.key, uploadId);
      } catch {
        if (attempt < 3) await sleep(this.backoffMs * attempt);
      }
    }
  }

  /**
   * Checks that the server holds an object of the file's size, and returns its ETag (some
   * servers, Ceph's among them, can answer CompleteMultipartUpload with an empty ETag). An object
   * of the wrong size is removed rather than left behind as the result.
   */
  private async verifyStored(req: UploadRequest, size: number, etag: string | undefined): Promise<string | undefined> {
    const head = await this.opts.storage.head(req.bucket, req.key);
    if (head.size !== size) {
      await this.opts.storage.delete(req.bucket, req.key).catch(() => {});
      throw new FerryError('S3_ERROR', `${this.opts.storage.endpoint} stored ${head.size} bytes for s3://${req.bucket}/${req.key} instead of ${size}; the object was removed. Upload it again.`);
    }
    return etag || head.etag;
  }

  /**
   * S3's multipart ETag is the MD5 of the parts' MD5s, then "-" and the part count. Where the
   * server gives one in that form it must match what was sent; otherwise the object is removed.
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

  /** Refuses to finish an upload whose source changed while it was read: the object would mix old and new bytes. */
  private async checkUnchanged(req: UploadRequest, src: SourceFile): Promise<void> {
    const now = await src.handle.stat();
    if (now.size !== src.size || now.mtimeMs !== src.mtimeMs) {
      throw new FerryError('FILE_CHANGED', `${req.file} changed while it was being uploaded, so the upload was stopped. Upload it again when it is no longer being written.`);
    }
  }
}
