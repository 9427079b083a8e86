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
import { FerryError, isFerryError, systemCode } from '../errors';
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
  /** The interrupted upload had been completed by the server already: nothing was sent. */
  alreadyUploaded?: boolean;
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
  /**
   * When Creates were sent whose answers never came (this run's or an earlier one's): uploads
   * the server may hold that no one knows the ID of. Swept (found by key and start time, and
   * aborted) as soon as the server answers; kept in the saved state until then.
   */
  unsure: Window[];
}

type Window = NonNullable<MultipartState['unsure']>[number];

/** How far the server's clock may be from this machine's when Ferry judges which uploads a lost Create started. */
const CLOCK_MARGIN_MS = 30_000;
/** How long a Create whose sender died may have been on its way (the longest a request waits for its answer). */
const CREATE_WINDOW_MS = 120_000;
/** How long a cancel waits for the server to confirm the abort before leaving it to the next run. */
const CANCEL_BUDGET_MS = 1000;

/** Where a source file is missing or unreadable: the interrupted upload waits for it, nothing is thrown away. */
const SOURCE_GONE = new Set(['FILE_NOT_FOUND', 'FILE_UNREADABLE', 'NOT_A_FILE']);

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

/** S3's multipart ETag: the MD5 of the parts' MD5s, "-", the part count. */
const MULTIPART_ETAG = /^"?([0-9a-f]{32})-(\d+)"?$/i;

/** The ETag S3 gives a multipart object of parts with these MD5s (without quotes). */
function multipartEtag(partMd5: ReadonlyArray<Buffer | undefined>): string | undefined {
  if (partMd5.some((x) => !x)) return undefined;
  return `${createHash('md5').update(Buffer.concat(partMd5 as Buffer[])).digest('hex')}-${partMd5.length}`;
}

/** The unsure windows of a run, as the saved state holds them (absent when there are none). */
const unsureOf = (run: { unsure: Window[] }) => (run.unsure.length ? { unsure: [...run.unsure] } : {});

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
    const run: Run = { req, keeper, unsure: [] };
    let src: SourceFile | undefined;
    try {
      const saved = await keeper.load();
      if (saved) {
        run.unsure = [...(saved.unsure ?? [])];
        if (saved.uploadId) run.uploadId = saved.uploadId;
        run.state = () => ({ ...(run.uploadId ? { uploadId: run.uploadId } : {}), partSize: saved.partSize, size: saved.size, mtimeMs: saved.mtimeMs, parts: run.uploadId ? saved.parts : [], ...unsureOf(run) });
      }
      // A missing or unreadable file keeps the saved upload (settle): the drive may not be mounted yet.
      src = await openSource(req.file);
      // A resumed upload keeps the part size it began with, whatever the defaults are now.
      const resumable = saved?.uploadId && !saved.cancelled && req.resume !== false && saved.size === src.size && saved.mtimeMs === src.mtimeMs ? saved : undefined;
      const plan = planUpload(src.size, resumable ? resumable.partSize : (req.partSize ?? this.opts.storage.profile.partSize), req.concurrency);
      req.onPlan?.({ ...plan, size: src.size });
      const contentType = req.contentType || mime.lookup(req.key) || mime.lookup(req.file) || 'application/octet-stream';
      const meter = new ProgressMeter(src.size, this.opts.clock, (p) => req.onProgress?.(p));
      if (req.signal?.aborted) throw new FerryError('CANCELLED', 'Upload cancelled.');
      // Uploads an earlier run's lost Creates may have started are found and aborted first.
      await this.sweep(run, stopSignal(req));
      if (saved?.uploadId && !(plan.multipart && resumable && resumable.partSize === plan.partSize)) {
        // The earlier upload cannot be continued (or was cancelled): drop its parts before sending afresh.
        await this.abort(req, saved.uploadId);
        await this.forget(run);
        if (req.resume !== false && !saved.cancelled) req.onRestart?.(plan.multipart ? 'the file changed since the interrupted upload began' : 'the file now fits in a single request');
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

  /**
   * Drops a saved upload: aborts its multipart upload and any its lost Creates started, then
   * forgets it. If the server cannot be told, the state stays and the error says how to finish.
   */
  async discard(target: Pick<UploadRequest, 'file' | 'bucket' | 'key'>, keeper: UploadKeeper): Promise<void> {
    const saved = await keeper.load();
    if (!saved) return;
    const run: Run = { req: { ...target }, keeper, unsure: [...(saved.unsure ?? [])] };
    if (saved.uploadId) {
      try {
        await this.opts.storage.abortMultipartUpload(target.bucket, target.key, saved.uploadId);
      } catch (err) {
        throw new FerryError(isFerryError(err) ? err.code : 'S3_ERROR', partsLeftBehind("The paused upload's", target.bucket, target.key, saved.uploadId, err), { cause: err });
      }
    }
    await this.sweep(run, NEVER);
    await keeper.remove();
  }

  /**
   * Nothing on the server is this run's any more: no upload to abort, no state to keep, except
   * windows of lost Creates not yet swept, which stay saved for the next run.
   */
  private async forget(run: Run): Promise<void> {
    run.uploadId = undefined;
    if (run.unsure.length && run.state) {
      const leftover = run.state();
      await run.keeper.save({ ...leftover, parts: [] });
      return;
    }
    run.state = undefined;
    await run.keeper.remove();
  }

  /**
   * Finds the uploads of this key that Creates with lost answers may have started (by start time,
   * with a margin for clock skew) and aborts them, never one another Ferry on this machine holds
   * nor the one this run uses. Without ListMultipartUploads there is nothing to find them by.
   */
  private async sweep(run: Run, signal: AbortSignal): Promise<void> {
    if (!run.unsure.length) return;
    const { req } = run;
    const storage = this.opts.storage;
    const windows = [...run.unsure];
    if (storage.profile.capabilities?.listMultipartUploads !== false) {
      const others = await run.keeper.others();
      const offset = Number((storage.client.config as { systemClockOffset?: number }).systemClockOffset) || 0;
      const uploads = await storage.listMultipartUploads(req.bucket, req.key, signal);
      for (const u of uploads) {
        if (u.key !== req.key || !u.initiated || u.uploadId === run.uploadId || others.has(u.uploadId)) continue;
        const at = Date.parse(u.initiated) - offset;
        if (windows.some((w) => at >= w.from - CLOCK_MARGIN_MS && at <= (w.to ?? w.from + CREATE_WINDOW_MS) + CLOCK_MARGIN_MS)) {
          await storage.abortMultipartUpload(req.bucket, req.key, u.uploadId);
        }
      }
    }
    run.unsure = run.unsure.filter((w) => !windows.includes(w));
  }

  /**
   * Every way out of a run that did not complete goes through here. Paused (and not also
   * cancelled): the state is saved for a later resume. The endpoint unreachable, or the file
   * missing or unreadable: the state is kept, the next run continues. Cancelled: the abort (and
   * the sweep of lost Creates) gets a second; whatever the server has not confirmed by then is
   * saved for the next run to remove, and the message says so. Anything else (an error that
   * will not heal): the multipart upload is aborted on the server and the state removed; if the
   * abort itself fails, the state is kept and the message says how to remove the parts.
   */
  private async settle(run: Run, err: unknown): Promise<FerryError> {
    const { req, keeper } = run;
    const cancelled = () => Boolean(req.signal?.aborted);
    const keep = async (extra: Partial<MultipartState> = {}) => {
      const state = run.state?.();
      if (state) await keeper.save({ ...state, ...extra }).catch(() => {});
      return Boolean(state);
    };
    if (!cancelled() && isPaused(req)) {
      const state = run.state?.();
      if (state) await keeper.save(state, true).catch(() => {});
      // A cancel that arrived while the paused state was saved still wins.
      if (!cancelled()) return new FerryError('PAUSED', 'Paused.', { cause: err });
    }
    if (cancelled()) return this.cancelled(run, err);
    const error = await this.opts.storage.diagnose(toFerryError(err, this.op(req)));
    const uploadId = run.uploadId;
    if (SOURCE_GONE.has(error.code) && (uploadId || run.unsure.length) && (await keep())) {
      const abort = uploadId ? `, or remove them now with: ferry uploads abort s3://${req.bucket}/${req.key} --upload-id ${uploadId}` : '';
      return new FerryError(error.code, `${error.message} The interrupted upload is kept: run the same upload again when the file is back and it continues (its parts stay on the server until then${abort}).`, { cause: err });
    }
    if (error.code === 'ENDPOINT_UNREACHABLE' && (uploadId || run.unsure.length)) {
      await keep();
      return new FerryError('ENDPOINT_UNREACHABLE', `${error.message} ${uploadId ? 'The finished parts are kept: run' : 'Run'} the same upload again to continue it.`, { cause: err });
    }
    if (!uploadId) {
      await this.sweep(run, NEVER).catch(() => {});
      if (run.unsure.length) await keep();
      else await keeper.remove().catch(() => {});
      return error;
    }
    try {
      await this.abort(req, uploadId);
    } catch (abortErr) {
      await keep();
      return new FerryError(error.code, `${error.message} ${partsLeftBehind("The unfinished upload's", req.bucket, req.key, uploadId, abortErr)}`, { cause: err });
    }
    run.uploadId = undefined;
    await this.sweep(run, NEVER).catch(() => {});
    if (run.unsure.length) await keep({ parts: [] });
    else await keeper.remove().catch(() => {});
    return error;
  }

  /**
   * A cancel acts at once, whatever the network does: the server gets one second to confirm the
   * abort of this run's upload and of any a lost Create started; what it has not confirmed by
   * then is saved, marked cancelled, for the next run of this upload to remove.
   */
  private async cancelled(run: Run, err: unknown): Promise<FerryError> {
    const { req, keeper } = run;
    const budget = AbortSignal.timeout(CANCEL_BUDGET_MS);
    const uploadId = run.uploadId;
    let refused: unknown;
    if (uploadId) {
      const outcome = await Promise.race([
        this.opts.storage.abortMultipartUpload(req.bucket, req.key, uploadId, budget).then(
          () => 'aborted' as const,
          (e: unknown) => ((refused = budget.aborted ? undefined : e), 'not' as const),
        ),
        new Promise<'not'>((resolve) => budget.addEventListener('abort', () => resolve('not'), { once: true })),
      ]);
      if (outcome === 'aborted') run.uploadId = undefined;
    }
    if (run.unsure.length) await this.sweep(run, budget).catch(() => {});
    if (!run.uploadId && !run.unsure.length) {
      await keeper.remove().catch(() => {});
      return new FerryError('CANCELLED', 'Upload cancelled.', { cause: err });
    }
    const state = run.state?.();
    if (state) await keeper.save({ ...state, ...(run.uploadId ? { cancelled: true } : { parts: [] }) }).catch(() => {});
    if (refused !== undefined && run.uploadId) return new FerryError('CANCELLED', `Upload cancelled. ${partsLeftBehind("The unfinished upload's", req.bucket, req.key, run.uploadId, refused)}`, { cause: err });
    const what = run.uploadId ? `its parts (upload ${run.uploadId})` : 'the upload it may have started';
    return new FerryError('CANCELLED', `Upload cancelled. The server did not confirm the clean-up in time, so ${what} will be removed by the next run of this upload (or by ferry uploads abort s3://${req.bucket}/${req.key}).`, { cause: err });
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
      ...(run.uploadId ? { uploadId: run.uploadId } : {}),
      partSize: plan.partSize,
      size: src.size,
      mtimeMs: src.mtimeMs,
      parts: run.uploadId ? parts.filter((p): p is Part => p !== undefined) : [],
      ...unsureOf(run),
    });

    if (prior && run.uploadId) {
      // A server known (from "Test connection") to lack ListParts is not asked.
      const listed = storage.profile.capabilities?.listParts === false ? 'unsupported' : await this.listParts(req, run.uploadId, stop);
      if (listed === 'gone') {
        // Killed just after the server completed it? Then the object is the file, whole.
        const done = await this.alreadyUploaded(req, src, plan, prior, stop);
        await this.forget(run);
        if (done) {
          meter.addStored(src.size);
          return { bucket: req.bucket, key: req.key, size: src.size, etag: done, contentType, parts: plan.partCount, partSize: plan.partSize, alreadyUploaded: true };
        }
        req.onRestart?.('the server no longer has the interrupted upload');
      } else if (listed === 'unsupported') {
        const aborted = await this.abort(req, run.uploadId).then(
          () => '',
          (e: unknown) => ` Its parts could not be removed (${e instanceof Error ? e.message : String(e)}); remove them with: ferry uploads abort s3://${req.bucket}/${req.key} --upload-id ${run.uploadId}`,
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
    run.state = state;
    if (!run.uploadId) {
      const created = await this.create(run, contentType, plan.partSize, stop);
      run.uploadId = created.uploadId;
      if (created.etagIsNotMd5) etagsAreMd5 = false;
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
    // Uploads this run's lost Creates started are found and aborted now, after the parts, so that
    // a Create the server carried out late is found too. (A failed sweep keeps its windows saved.)
    await this.sweep(run, NEVER).catch(() => {});
    // Every part saved before Complete: a kill after the server completes finds the whole object.
    await keeper.save(state()).catch(() => {});
    // Every part is on the server: finishing is one short request, so a pause or cancel that
    // arrives now no longer stops it (stopping could leave a completed object behind state that
    // says otherwise).
    const completed = await this.complete(req, run.uploadId!, parts as Part[], NEVER);
    // Completed: the upload ID is gone, and nothing may abort or pause what is now the object.
    await this.forget(run).catch(() => {});
    const expected = etagsAreMd5 ? multipartEtag(partMd5) : undefined;
    const etag = await this.checkStored(req, src.size, { ...completed, ...(expected ? { expected } : {}) });
    return { bucket: req.bucket, key: req.key, size: src.size, ...(etag ? { etag } : {}), contentType, parts: plan.partCount, partSize: plan.partSize };
  }

  /**
   * CreateMultipartUpload, owned by Ferry: sent once per attempt (no silent retry by the SDK),
   * stopped at once by a cancel. Before each attempt the keeper saves when it was sent, so a
   * lost answer, a kill or a cancel leaves a window the sweep finds the upload by; an answer
   * closes its window, and an error answer means nothing was started.
   */
  private async create(run: Run, contentType: string, partSize: number, stop: AbortSignal): Promise<{ uploadId: string; etagIsNotMd5: boolean }> {
    const { req, keeper } = run;
    const { storage, dataClient, clock } = this.opts;
    const created = await this.retrying(req, stop, async () => {
      const window: Window = { from: clock.now() };
      run.unsure.push(window);
      await keeper.save(run.state!()).catch(() => {});
      try {
        const out = await dataClient.send(new CreateMultipartUploadCommand({ Bucket: req.bucket, Key: req.key, ContentType: contentType, Metadata: { [PART_SIZE_META]: String(partSize) } }), {
          abortSignal: stop,
        });
        run.unsure = run.unsure.filter((w) => w !== window);
        return out;
      } catch (err) {
        // An error answer (4xx) started nothing. No answer, a cut-short one, a 5xx or a cancel may have.
        const { status } = sdkFailure(err);
        if (status !== undefined && status >= 400 && status < 500) run.unsure = run.unsure.filter((w) => w !== window);
        else window.to = clock.now();
        throw err;
      }
    });
    if (!created.UploadId) throw new FerryError('S3_ERROR', `${storage.endpoint} started a multipart upload but returned no upload ID.`);
    return { uploadId: created.UploadId, etagIsNotMd5: etagIsNotMd5(created) };
  }

  /**
   * Whether an interrupted upload the server no longer has was completed: every part in the
   * saved state, the file's bytes still hashing to those parts, and the object's ETag the one
   * those parts make. Returns the object's ETag if so.
   */
  private async alreadyUploaded(req: UploadRequest, src: SourceFile, plan: UploadPlan, prior: MultipartState, stop: AbortSignal): Promise<string | undefined> {
    const parts = [...prior.parts].sort((a, b) => a.PartNumber - b.PartNumber);
    if (parts.length !== plan.partCount || parts.some((p, i) => p.PartNumber !== i + 1 || !/^"?[0-9a-f]{32}"?$/i.test(p.ETag))) return undefined;
    const predicted = multipartEtag(parts.map((p) => Buffer.from(unquote(p.ETag), 'hex')));
    const head = await this.opts.storage.head(req.bucket, req.key).catch(() => undefined);
    if (!head || head.size !== src.size || unquote(head.etag ?? '') !== predicted) return undefined;
    for (const p of parts) {
      if (stop.aborted) return undefined;
      const start = (p.PartNumber - 1) * plan.partSize;
      const md5 = await md5Range(req.file, src.handle, start, start + partLength(p.PartNumber, plan.partSize, src.size));
      if (md5.toString('hex') !== (p.md5 ?? unquote(p.ETag))) return undefined;
    }
    return head.etag;
  }

  /**
   * CompleteMultipartUpload, retried by Ferry (not the SDK) so that a lost answer is seen: the
   * server may have completed the upload before the answer was lost, and then a repeat finds
   * no such upload. That is success if the object is there whole (checked after this).
   */
  private async complete(req: UploadRequest, uploadId: string, parts: Part[], stop: AbortSignal): Promise<{ etag?: string; versionId?: string }> {
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
        if (name === 'NoSuchUpload' && mayHaveCompleted) return { ETag: undefined, VersionId: undefined };
        if (isNetworkError(err) || (status ?? 0) >= 500) mayHaveCompleted = true;
        throw err;
      }
    });
    return { ...(done.ETag ? { etag: done.ETag } : {}), ...(done.VersionId ? { versionId: done.VersionId } : {}) };
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
   * Judges the object at the key after this upload's Complete, by what this upload produced: the
   * version ID and ETag the server answered to its own Complete, else the ETag its parts' MD5s
   * make, else its size. Another writer's object there is reported and kept, never deleted.
   * Only an object shown to be this upload's, and wrong (the server assembled other bytes, or
   * stored another size), is removed: that version where the bucket keeps versions.
   */
  private async checkStored(req: UploadRequest, size: number, mine: { etag?: string; versionId?: string; expected?: string }): Promise<string | undefined> {
    const { storage } = this.opts;
    const where = `s3://${req.bucket}/${req.key}`;
    const removeOurs = async (why: string): Promise<never> => {
      await storage.delete(req.bucket, req.key, mine.versionId).catch(() => {});
      throw new FerryError('S3_ERROR', `${storage.endpoint} ${why}; Ferry removed the object its upload made. Upload it again.`);
    };
    // The server's own answer to this Complete says it assembled other bytes than the parts sent.
    const answered = MULTIPART_ETAG.exec(mine.etag ?? '');
    if (answered && mine.expected && unquote(mine.etag!) !== mine.expected) {
      await removeOurs(`assembled ${where} from other bytes than Ferry sent (ETag ${mine.etag}, expected "${mine.expected}")`);
    }
    let head;
    try {
      head = await this.retrying(req, NEVER, () => storage.head(req.bucket, req.key));
    } catch (err) {
      if (isFerryError(err) && err.code === 'NO_SUCH_KEY') {
        throw new FerryError('REPLACED', `Someone else deleted ${where} just after Ferry's upload finished, so it is not there now. Upload it again if it should be.`);
      }
      throw err;
    }
    const ours =
      mine.versionId && head.versionId ? head.versionId === mine.versionId : mine.etag ? unquote(head.etag ?? '') === unquote(mine.etag) : mine.expected ? unquote(head.etag ?? '') === mine.expected : head.size === size;
    if (!ours) {
      const kept = mine.versionId ? ` Ferry's upload is kept as an older version (${mine.versionId}).` : '';
      throw new FerryError(
        'REPLACED',
        `Another upload replaced ${where} after Ferry's finished: the object there now (${head.size} bytes${head.etag ? `, ETag ${head.etag}` : ''}) is not the one Ferry sent, and Ferry left it as it is.${kept} Upload again if yours should be the one kept.`,
      );
    }
    if (head.size !== size) await removeOurs(`stored ${head.size} bytes for ${where} instead of ${size}`);
    return mine.etag ?? head.etag;
  }

  /** Whether the source's size or modification time changed since it was opened. */
  private async changed(src: SourceFile): Promise<boolean> {
    const now = await src.handle.stat();
    return now.size !== src.size || now.mtimeMs !== src.mtimeMs;
  }
}
