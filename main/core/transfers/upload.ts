import type { SdkClient } from '../s3/sdk';
import mime from 'mime-types';
import type { Clock } from '../clock';
import { FerryError, isFerryError } from '../errors';
import { checkBucketReference, checkUserKey } from '../s3/names';
import type { DataPath } from '../s3/data-path';
import { Gate, limitFor, type Limit, type LimitTrace } from './adaptive';
import { UNLIMITED, type Bandwidth } from './bandwidth';
import type { Storage } from '../s3/storage';
import { sendRange, type BodyRoute } from './body';
import { completeUpload, createUpload, keyTaken, type OwnedDeps } from './owned';
import { NEVER, RunEndings, unsureOf, type Run as RunOf } from './endings';
import { partLength, planUpload, type UploadPlan } from './plan';
import { ProgressMeter, type Progress } from './progress';
import { keepStoredParts, listParts } from './resume';
import { isNetworkError, retrying, retryPolicy, sdkFailure, type RetryPolicy } from './retry';
import { openSource, sourceChanged, type SourceFile } from './source';
import { NO_KEEPER, type UploadKeeper, type UploadProgressState } from './state';
import { alreadyUploaded, checkStored, etagIsNotMd5, multipartEtag, unquote } from './verify';
import { joinSignals } from '../signals';

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
  onPlan?: (plan: UploadPlan & { size: number; adapts: boolean }) => void;
  /** Called once a multipart upload's parts are sent, with how many it had in flight (the CLI's --debug shows it). */
  onLane?: (trace: LimitTrace) => void;
  /**
   * Aborting this pauses the upload: parts in flight stop, finished parts stay on the server (the
   * keeper saves them as paused), and upload() rejects with PAUSED. The next upload() of the same
   * file to the same key continues it.
   */
  pauseSignal?: AbortSignal;
  /** Continue an interrupted upload the keeper saved (the default); false aborts it and starts afresh. */
  resume?: boolean;
  /**
   * Store the object only if the key holds none when it is stored (--no-clobber): the PUT or
   * Complete carries If-None-Match where the server honours it, and the key is looked at just
   * before Complete where it does not. A taken key ends the upload with OBJECTS_EXIST, nothing
   * replaced and nothing left on the server.
   */
  ifAbsent?: boolean;
  /** The multipart upload's state, after it is created and after each part. */
  onState?: (state: MultipartState) => void;
  /** Called with true when the endpoint stops answering (the upload waits for it), false when it is back. */
  onWaiting?: (waiting: boolean) => void;
  /** Called when the server refuses a request as overloaded (a queue running several uploads lowers how many: adaptive.ts). */
  onOverload?: () => void;
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
  /** A request whose answer was lost may have left an empty upload of the key that is too young to remove yet (endings.ts): said, and swept later. */
  emptyUploadLeft?: boolean;
  /**
   * The file changed while a single PUT read it. The object holds exactly the bytes Ferry hashed
   * and the server verified against that hash (Content-MD5): the file as it was when read.
   */
  changedDuringUpload?: boolean;
}

export interface UploaderOptions {
  /** Client for control requests (create, list parts, abort, head), with the SDK's retries. */
  storage: Storage;
  /**
   * Client for requests Ferry retries itself, built with maxAttempts 1: parts and PUTs (each
   * attempt reads the file afresh), and Create and Complete (whose lost answers Ferry must see).
   */
  dataClient: SdkClient;
  /** Where parts and PUTs go: Ferry's own lean requests, or the SDK for names only it places. */
  data: DataPath;
  /** The cap every upload's bodies share (none by default). */
  bandwidth?: Bandwidth;
  clock: Clock;
  /** Attempts per part or PUT before giving up. */
  attempts?: number;
  /** Base back-off in ms; doubled each retry, with jitter. */
  backoffMs?: number;
  /** How long to wait for an endpoint that stopped answering before giving up (default 10 minutes). */
  networkWaitMs?: number;
  /** How long an empty upload in a lost Create's window must have existed before it is taken for the lost one's (endings.ts). */
  lostCreateQuietMs?: number;
}

/** The most parts one file has in flight when Ferry chooses (each holds a few hundred KiB of buffers). */
export const MAX_PARTS_IN_FLIGHT = 16;

/** An upload's run (see endings.ts). */
type Run = RunOf<UploadRequest>;

/** One stored or sent part, as CompleteMultipartUpload and the saved state need it. */
type Part = MultipartState['parts'][number];

/**
 * Uploads files as a single PUT or as a multipart upload whose parts are streamed from file
 * ranges, so memory stays bounded by concurrency × stream buffers whatever the file size.
 */
export class Uploader {
  private readonly policy: RetryPolicy;
  private readonly ends: RunEndings;
  constructor(private readonly opts: UploaderOptions) {
    this.policy = retryPolicy(opts.clock, opts);
    this.ends = new RunEndings(opts.storage, opts.lostCreateQuietMs);
  }

  /** Drops a saved upload: see RunEndings.discard. */
  discard(target: Pick<UploadRequest, 'file' | 'bucket' | 'key'>, keeper: UploadKeeper): Promise<void> {
    return this.ends.discard(target, keeper);
  }

  /** Where an upload's bodies come from and how they are retried (body.ts). */
  /** How bodies are sent: under the cap, with the engine's retries, telling `lane` when the server is overloaded. */
  private route(req: UploadRequest, lane?: Limit): BodyRoute {
    return { file: req.file, bandwidth: this.opts.bandwidth ?? UNLIMITED, retry: (signal, run, onFail) => this.retrying(req, signal, run, onFail, lane) };
  }

  /** What Create and Complete (owned.ts) need of this uploader for one request. */
  private owned(req: UploadRequest): OwnedDeps {
    return { ...this.opts, backoffMs: this.policy.backoffMs, retrying: (stop, run) => this.retrying(req, stop, run) };
  }

  /** The limit on a file's parts in flight: the user's number, fixed, or Ferry's, adapting from the plan's up to MAX_PARTS_IN_FLIGHT. */
  private partsLane(req: UploadRequest, plan: UploadPlan): Limit {
    return limitFor(req.concurrency !== undefined, { initial: plan.concurrency, max: Math.min(MAX_PARTS_IN_FLIGHT, plan.partCount), now: () => this.opts.clock.now() });
  }

  /** Runs one request under the engine's retry policy (retry.ts); a stop ends it as cancelled. */
  private retrying<T>(req: UploadRequest, signal: AbortSignal, run: () => Promise<T>, onFail?: () => void, lane?: Limit): Promise<T> {
    return retrying(
      this.policy,
      {
        signal,
        op: this.op(req),
        stopped: (cause) => new FerryError('CANCELLED', 'Upload cancelled.', cause === undefined ? {} : { cause }),
        ...(req.onWaiting ? { onWaiting: req.onWaiting } : {}),
        ...(onFail ? { onFail } : {}),
        onOverload: () => {
          lane?.overloaded();
          req.onOverload?.();
        },
      },
      run,
    );
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
    checkUserKey(req.key);
    const run: Run = { req, keeper, unsure: [] };
    // Aborts when the upload is cancelled or paused; given back when the upload ends.
    const stopping = joinSignals(req.signal, req.pauseSignal);
    const stop = stopping.signal;
    let src: SourceFile | undefined;
    let meter: ProgressMeter | undefined;
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
      req.onPlan?.({ ...plan, size: src.size, adapts: plan.multipart && req.concurrency === undefined });
      const contentType = req.contentType || mime.lookup(req.key) || mime.lookup(req.file) || 'application/octet-stream';
      meter = new ProgressMeter(src.size, this.opts.clock, (p) => req.onProgress?.(p));
      if (req.signal?.aborted) throw new FerryError('CANCELLED', 'Upload cancelled.');
      // Uploads an earlier run's lost Creates may have started are found and aborted first.
      await this.ends.sweep(run, stop);
      if (saved?.uploadId && !(plan.multipart && resumable && resumable.partSize === plan.partSize)) {
        // The earlier upload cannot be continued (or was cancelled): drop its parts before sending afresh.
        await this.ends.abort(req, saved.uploadId);
        await this.ends.forget(run);
        if (req.resume !== false && !saved.cancelled) req.onRestart?.(plan.multipart ? 'the file changed since the interrupted upload began' : 'the file now fits in a single request');
      }
      const result = plan.multipart ? await this.multipart(run, src, plan, contentType, meter, resumable, stop) : await this.single(run, src, contentType, meter, stop);
      meter.finish();
      return result;
    } catch (err) {
      throw await this.ends.settle(run, err);
    } finally {
      // A failed, paused or cancelled upload reports nothing more.
      meter?.close();
      stopping.release();
      await src?.handle.close();
    }
  }

  private op(req: UploadRequest) {
    return { endpoint: this.opts.storage.endpoint, account: this.opts.storage.profile.name, bucket: req.bucket, key: req.key };
  }

  /**
   * One PUT. The server stores the bytes only if they match the MD5 computed from the file, so the
   * object is always one consistent reading of it; a file that changed meanwhile is reported, and
   * nothing is deleted (the object at the key is the one this PUT wrote, or whatever was there).
   */
  private async single(run: Run, src: SourceFile, contentType: string, meter: ProgressMeter, signal: AbortSignal): Promise<UploadResult> {
    const { req } = run;
    // --no-clobber: If-None-Match on the PUT; where the server does not know it (Swift: 501),
    // a look just before the PUT is what there is, and the PUT is sent again plainly.
    let conditional = Boolean(req.ifAbsent);
    // An attempt whose answer was lost (or a 5xx) may still have stored the object: a repeat
    // then finds the key taken, by this very upload. Taken by the same bytes is this upload's.
    let mayHaveLanded = false;
    const { out } = await sendRange(this.route(req), { src, start: 0, end: src.size, meter, signal }, async (Body, ContentLength, ContentMD5, abortSignal, onSent) => {
      try {
        return await this.opts.data.putObject(
          { Bucket: req.bucket, Key: req.key, Body, ContentLength, ContentMD5, ContentType: contentType, ...(conditional ? { IfNoneMatch: '*' } : {}) },
          { signal: abortSignal, onSent },
        );
      } catch (err) {
        const { status } = sdkFailure(err);
        if (conditional && status === 412) {
          if (mayHaveLanded) {
            const there = await this.opts.storage.head(req.bucket, req.key, signal).catch(() => undefined);
            if (there && there.size === ContentLength && there.etag && unquote(there.etag) === Buffer.from(ContentMD5, 'base64').toString('hex')) return { ETag: there.etag };
          }
          throw keyTaken(req);
        }
        if (isNetworkError(err) || (status ?? 0) >= 500) mayHaveLanded = true;
        if (conditional && status === 501) {
          conditional = false;
          if (await this.opts.storage.exists(req.bucket, req.key, signal)) throw keyTaken(req);
        }
        // A 501 is retried like any 5xx: the next attempt reads the file afresh, unconditionally.
        throw err;
      }
    });
    const changed = await sourceChanged(src);
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

  private async multipart(run: Run, src: SourceFile, plan: UploadPlan, contentType: string, meter: ProgressMeter, prior: MultipartState | undefined, stop: AbortSignal): Promise<UploadResult> {
    const { req, keeper } = run;
    const { storage, data } = this.opts;
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
      const listed = storage.profile.capabilities?.listParts === false ? 'unsupported' : await listParts(this.opts.storage, req, run.uploadId, stop, (run) => this.retrying(req, stop, run));
      if (listed === 'gone') {
        // Killed just after the server completed it? Then the object is the file, whole.
        const done = await alreadyUploaded(this.opts.storage, req, src, plan, prior, stop);
        await this.ends.forget(run);
        if (done) {
          meter.addStored(src.size);
          return { bucket: req.bucket, key: req.key, size: src.size, etag: done, contentType, parts: plan.partCount, partSize: plan.partSize, alreadyUploaded: true };
        }
        req.onRestart?.('the server no longer has the interrupted upload');
      } else if (listed === 'unsupported') {
        const aborted = await this.ends.abort(req, run.uploadId).then(
          () => '',
          (e: unknown) => ` Its parts could not be removed (${e instanceof Error ? e.message : String(e)}); remove them with: ferry uploads abort s3://${req.bucket}/${req.key} --upload-id ${run.uploadId}`,
        );
        await this.ends.forget(run);
        req.onRestart?.(`the server cannot list the parts of an unfinished upload (ListParts), so it cannot be continued.${aborted}`);
      } else {
        // Trust no stored part blindly: each is kept only if the file's bytes still hash to it.
        const kept = await keepStoredParts(req.file, src, plan, prior.parts, listed, stop);
        if (!kept.etagsAreMd5) etagsAreMd5 = false;
        for (const k of kept.parts) {
          parts[k.part.PartNumber - 1] = k.part;
          partMd5[k.part.PartNumber - 1] = k.md5;
        }
        if (stop.aborted) throw new FerryError('CANCELLED', 'Upload cancelled.');
        run.state = state;
        // One step, so the first progress report already counts every part on the server.
        meter.addStored(parts.reduce((sum, p) => sum + (p ? partLength(p.PartNumber, plan.partSize, src.size) : 0), 0));
        req.onResume?.({ partsOnServer: parts.filter(Boolean).length, partCount: plan.partCount });
      }
    }
    run.state = state;
    if (!run.uploadId) {
      const created = await createUpload(this.owned(req), run, contentType, plan.partSize, stop);
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
    const parting = joinSignals(stop, inner.signal);
    const signal = parting.signal;
    let next = 0;
    let failure: unknown;
    // Parts in flight: the user's number, or one found by measuring (adaptive.ts), from the plan's.
    const lane = this.partsLane(req, plan);
    const gate = new Gate(lane);
    const route = this.route(req, lane);
    const worker = async () => {
      while (failure === undefined && !signal.aborted) {
        const leave = await gate.enter();
        const index = next++;
        if (index >= plan.partCount) return leave();
        if (parts[index]) {
          leave();
          continue;
        }
        const start = index * plan.partSize;
        const end = Math.min(start + plan.partSize, src.size);
        try {
          const { out, md5 } = await sendRange(route, { src, start, end, meter, signal }, (Body, ContentLength, ContentMD5, abortSignal, onSent) =>
            data.uploadPart({ Bucket: req.bucket, Key: req.key, UploadId: run.uploadId!, PartNumber: index + 1, Body, ContentLength, ContentMD5 }, { signal: abortSignal, onSent }),
          );
          if (!out.ETag) throw new FerryError('S3_ERROR', `${storage.endpoint} accepted part ${index + 1} of s3://${req.bucket}/${req.key} but returned no ETag for it.`);
          const hex = md5.toString('hex');
          const isMd5 = unquote(out.ETag) === hex && !etagIsNotMd5(out);
          if (!isMd5) etagsAreMd5 = false;
          parts[index] = { PartNumber: index + 1, ETag: out.ETag, ...(isMd5 ? {} : { md5: hex }) };
          partMd5[index] = md5;
          saveState();
          lane.done(end - start);
        } catch (err) {
          failure ??= err;
          inner.abort();
        } finally {
          leave();
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(plan.partCount, Math.max(plan.concurrency, MAX_PARTS_IN_FLIGHT)) }, worker)).finally(parting.release);
    req.onLane?.(lane.trace());
    if (failure !== undefined) throw failure;
    if (stop.aborted) throw new FerryError('CANCELLED', 'Upload cancelled.');

    // Parts read at different times may mix old and new bytes: never complete a changed file.
    if (await sourceChanged(src)) {
      throw new FerryError('FILE_CHANGED', `${req.file} changed while it was being uploaded, so the upload was stopped. Upload it again when it is no longer being written.`);
    }
    // Uploads this run's lost Creates started are found and aborted now, after the parts, so that
    // a Create the server carried out late is found too. (A failed sweep keeps its windows saved.)
    await this.ends.sweep(run, NEVER).catch(() => {});
    // --no-clobber: a key taken while the parts went up ends it here (the upload is aborted).
    // Complete carries If-None-Match too, for servers that honour it there (AWS; Ceph 16 keeps
    // the other writer's object and answers 200, which the check after Complete finds; Swift's
    // S3 API ignores it, and a writer between this look and Complete may then be replaced).
    if (req.ifAbsent && (await this.opts.storage.exists(req.bucket, req.key, stop))) throw keyTaken(req);
    // Every part saved before Complete: a kill after the server completes finds the whole object.
    await keeper.save(state()).catch(() => {});
    // Every part is on the server: finishing is one short request, so a pause no longer stops it.
    // A cancel does (the server may not answer for minutes), and keeps the state as it is: the
    // server may have completed the upload, which the next run recognises (sending nothing).
    run.finishing = true;
    const completed = await completeUpload(this.owned(req), req, run.uploadId!, parts as Part[], req.signal ?? NEVER);
    run.finishing = false;
    run.stored = true;
    // Completed: the upload ID is gone, and nothing may abort or pause what is now the object.
    await this.ends.forget(run).catch(() => {});
    const expected = etagsAreMd5 ? multipartEtag(partMd5) : undefined;
    // A cancel now stops the check, not the upload: the object is stored, and the message says so.
    const etag = await checkStored(this.opts.storage, req, src.size, { ...completed, ...(expected ? { expected } : {}) }, (run) => this.retrying(req, req.signal ?? NEVER, run), req.signal, Boolean(req.ifAbsent)).catch((err: unknown) => {
      if (!isFerryError(err, 'CANCELLED')) throw err;
      throw new FerryError('CANCELLED', `Cancelled after s3://${req.bucket}/${req.key} was stored whole: only the check that the object there is still Ferry's was skipped.`, { cause: err });
    });
    const left = run.unsure.length > 0;
    return { bucket: req.bucket, key: req.key, size: src.size, ...(etag ? { etag } : {}), contentType, parts: plan.partCount, partSize: plan.partSize, ...(left ? { emptyUploadLeft: true } : {}) };
  }
}
