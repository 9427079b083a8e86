/**
 * The two requests of a multipart upload whose answers Ferry must see for itself, so they are
 * sent by Ferry once per attempt and never retried silently by the SDK: CreateMultipartUpload
 * (a lost answer leaves a window the sweep finds the upload by: endings.ts) and
 * CompleteMultipartUpload (a lost answer may mean the object is already made).
 */
import type { SdkClient } from '../s3/sdk';
import type { Clock } from '../clock';
import { FerryError, isFerryError } from '../errors';
import { PART_SIZE_META, type Storage } from '../s3/storage';
import type { Run, Window } from './endings';
import { isNetworkError, neverSent, sdkFailure, sleep } from './retry';
import type { MultipartState, UploadRequest } from './upload';
import { etagIsNotMd5 } from './verify';

type Part = MultipartState['parts'][number];

/** --no-clobber found the key taken: nothing was replaced. */
export const keyTaken = (req: Pick<UploadRequest, 'bucket' | 'key'>) => new FerryError('OBJECTS_EXIST', `s3://${req.bucket}/${req.key} already exists; not replaced (--no-clobber).`);

/** What Create and Complete need of the uploader. */
export interface OwnedDeps {
  storage: Storage;
  /** The client built with maxAttempts 1: Ferry retries these requests itself. */
  dataClient: SdkClient;
  clock: Clock;
  backoffMs: number;
  /** One request under the engine's retry policy; a stop ends it as cancelled. */
  retrying<T>(stop: AbortSignal, run: () => Promise<T>): Promise<T>;
}

/** How often "completion already in progress" is asked again before the earlier Complete is taken as done. */
const COMPLETION_BUSY_TRIES = 6;

/** The server is still completing this upload from an earlier request (RGW: "multipart completion already in progress"). */
function completionInProgress(err: unknown): boolean {
  return /completion (is )?already in progress/i.test((err as { message?: string })?.message ?? '');
}

/**
 * How long a Create already sent may still answer after a cancel or pause. Its answer names an
 * upload the server may already hold; had the request been cut at once, that upload would be
 * known only by a window, and an empty one stays until the sweep's quiet time has passed.
 */
export const CREATE_GRACE_MS = 3000;

/**
 * CreateMultipartUpload, owned by Ferry: sent once per attempt (no silent retry by the SDK).
 * Before each attempt the keeper saves when it was sent, so a lost answer or a kill leaves a
 * window the sweep finds the upload by; an answer closes its window, and an error answer means
 * nothing was started. A cancel or pause lets an attempt on its way answer for up to
 * CREATE_GRACE_MS (a first Create in a bucket takes RGW 1.5 s here): the run then knows the upload by its ID (the ending aborts or keeps it) and
 * ends as stopped; only a Create still unanswered after that leaves a window.
 */
export async function createUpload(deps: OwnedDeps, run: Run<UploadRequest>, contentType: string, partSize: number, stop: AbortSignal): Promise<{ uploadId: string; etagIsNotMd5: boolean }> {
  const { req, keeper } = run;
  const { storage, dataClient, clock } = deps;
  const created = await deps.retrying(stop, async () => {
    if (stop.aborted) throw new FerryError('CANCELLED', 'Upload cancelled.');
    const window: Window = { from: clock.now() };
    run.unsure.push(window);
    await keeper.save(run.state!()).catch(() => {});
    const cut = new AbortController();
    let graceTimer: ReturnType<typeof setTimeout> | undefined;
    const onStop = () => {
      graceTimer = setTimeout(() => cut.abort(stop.reason), CREATE_GRACE_MS);
    };
    stop.addEventListener('abort', onStop, { once: true });
    try {
      const out = await dataClient.send((s) => new s.CreateMultipartUploadCommand({ Bucket: req.bucket, Key: req.key, ContentType: contentType, Metadata: { [PART_SIZE_META]: String(partSize) } }), {
        abortSignal: cut.signal,
      });
      run.unsure = run.unsure.filter((w) => w !== window);
      if (stop.aborted) {
        // Answered within the grace: the ending removes (or, paused, keeps) the upload by its ID.
        if (out.UploadId) run.uploadId = out.UploadId;
        throw new FerryError('CANCELLED', 'Upload cancelled.');
      }
      return out;
    } catch (err) {
      // An error answer (4xx) started nothing. No answer, a cut-short one, a 408, a 5xx or a cancel may have.
      const { status } = sdkFailure(err);
      // A 408 may come from something between Ferry and the server after it passed the request on.
      // No connection made (refused, no route, no such host) means nothing reached a server either.
      if ((status !== undefined && status >= 400 && status < 500 && status !== 408) || neverSent(err)) run.unsure = run.unsure.filter((w) => w !== window);
      else if (!isFerryError(err, 'CANCELLED')) window.to = clock.now();
      throw err;
    } finally {
      clearTimeout(graceTimer);
      stop.removeEventListener('abort', onStop);
    }
  });
  if (!created.UploadId) throw new FerryError('S3_ERROR', `${storage.endpoint} started a multipart upload but returned no upload ID.`);
  return { uploadId: created.UploadId, etagIsNotMd5: etagIsNotMd5(created) };
}

/**
 * CompleteMultipartUpload, retried by Ferry (not the SDK) so that a lost answer is seen: the
 * server may have completed the upload before the answer was lost, and then a repeat finds
 * no such upload. That is success if the object is there whole (checked after this).
 */
export async function completeUpload(deps: OwnedDeps, req: UploadRequest, uploadId: string, parts: Part[], stop: AbortSignal): Promise<{ etag?: string; versionId?: string }> {
  let mayHaveCompleted = false;
  // --no-clobber: If-None-Match, until the server says it does not know it (501).
  let ifNoneMatch = Boolean(req.ifAbsent);
  const done = await deps.retrying(stop, async () => {
    // "Completion already in progress" (RGW) comes while the server still carries out an earlier
    // Complete of this upload whose answer was lost, and for good once another writer has
    // replaced the object that Complete made. It is asked again a few times; if it stays, the
    // earlier Complete did its work, and the check after this says whose object is there now.
    for (let busy = 0; ; busy++) {
      try {
        return await deps.dataClient.send(
          (s) => new s.CompleteMultipartUploadCommand({
            Bucket: req.bucket,
            Key: req.key,
            UploadId: uploadId,
            MultipartUpload: { Parts: parts.map((p) => ({ PartNumber: p.PartNumber, ETag: p.ETag })) },
            ...(ifNoneMatch ? { IfNoneMatch: '*' } : {}),
          }),
          { abortSignal: stop },
        );
      } catch (err) {
        const { name, status } = sdkFailure(err);
        if (name === 'NoSuchUpload' && mayHaveCompleted) return { ETag: undefined, VersionId: undefined };
        if (ifNoneMatch && status === 501) {
          ifNoneMatch = false;
          continue;
        }
        // Taken: by another writer, or by this upload's own earlier Complete whose answer was lost
        // (the check after this tells which).
        if (ifNoneMatch && status === 412) {
          if (mayHaveCompleted) return { ETag: undefined, VersionId: undefined };
          throw keyTaken(req);
        }
        if (isNetworkError(err) || (status ?? 0) >= 500) mayHaveCompleted = true;
        if (completionInProgress(err) && mayHaveCompleted) {
          if (busy >= COMPLETION_BUSY_TRIES) return { ETag: undefined, VersionId: undefined };
          await sleep(deps.backoffMs * 2, stop);
          continue;
        }
        throw err;
      }
    }
  });
  return { ...(done.ETag ? { etag: done.ETag } : {}), ...(done.VersionId ? { versionId: done.VersionId } : {}) };
}

