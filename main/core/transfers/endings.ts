/**
 * How an upload's run ends, when it does not complete: paused (state saved), the network or the
 * file gone for now (state kept, the next run continues), cancelled (aborted on the server within
 * a second, or marked for the next run), or failed (aborted, or the command to remove the parts).
 * Also the sweep: uploads a lost CreateMultipartUpload may have started, found by key and start
 * time and aborted, and dropping a saved upload altogether.
 */
import { FerryError, isFerryError } from '../errors';
import { toFerryError } from '../s3/errors';
import type { Storage } from '../s3/storage';
import { emptyUploadGoes, LOST_CREATE_QUIET_MS, youngLeftover } from './lost-create';
import type { UploadKeeper } from './state';
import type { MultipartState, UploadRequest } from './upload';

/** What the endings need of the upload request. */
export type RunRequest = Pick<UploadRequest, 'file' | 'bucket' | 'key' | 'signal' | 'pauseSignal'>;

/**
 * One upload's life, in one place. `uploadId` is the multipart upload on the server this run
 * answers for (one it created, or an earlier one it continues), so that every way out of the
 * run either completes it, keeps it with resumable state, or aborts it: never none of these.
 */
export interface Run<R extends RunRequest = RunRequest> {
  req: R;
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
  /** CompleteMultipartUpload was sent: the server may have made the object already. */
  finishing?: boolean;
  /** Complete was answered: the object is stored, and a cancel now only skips the checks after it (nothing to abort or keep). */
  stored?: boolean;
}

export type Window = NonNullable<MultipartState['unsure']>[number];

/** How far the server's clock may be from this machine's when Ferry judges which uploads a lost Create started. */
const CLOCK_MARGIN_MS = 30_000;
/** How long a Create whose sender died may have been on its way (the longest a request waits for its answer). */
const CREATE_WINDOW_MS = 120_000;
/**
 * How long after Ferry stopped waiting a Create may still be carried out (a proxy or a busy
 * server holding it). Until then a window whose upload is not found yet stays open: "nothing
 * listed" is not "nothing started" while the Create may still arrive.
 */
const LATE_CREATE_MS = 60_000;
/** The last moment (this machine's clock) at which a window's Create may have started an upload. */
const windowEnd = (w: Window) => (w.to ?? w.from + CREATE_WINDOW_MS) + LATE_CREATE_MS;
/** How long a cancel waits for the server to confirm the abort before leaving it to the next run. */
const CANCEL_BUDGET_MS = 1000;
/** Where a source file is missing or unreadable: the interrupted upload waits for it, nothing is thrown away. */
export const SOURCE_GONE = new Set(['FILE_NOT_FOUND', 'FILE_UNREADABLE', 'NOT_A_FILE']);

/** A signal that never aborts: for what must finish once begun. */
export const NEVER = new AbortController().signal;

/** Says that an abort failed, why, and the command that removes the parts. */
export function partsLeftBehind(whose: string, bucket: string, key: string, uploadId: string, abortErr: unknown): string {
  const why = abortErr instanceof Error ? abortErr.message.replace(/\.$/, '') : String(abortErr);
  return `${whose} parts could not be removed from the server (${why}); they are billed until removed: run ferry uploads abort s3://${bucket}/${key} --upload-id ${uploadId}`;
}

/** The unsure windows of a run, as the saved state holds them (absent when there are none). */
export const unsureOf = (run: { unsure: Window[] }) => (run.unsure.length ? { unsure: [...run.unsure] } : {});

/** Paused, and not also cancelled: a cancel wins and cleans up. */
function isPaused(req: RunRequest): boolean {
  return Boolean(req.pauseSignal?.aborted && !req.signal?.aborted);
}

export class RunEndings {
  constructor(
    private readonly storage: Storage,
    private readonly quietMs = LOST_CREATE_QUIET_MS,
  ) {}

  /**
   * Drops a saved upload: aborts its multipart upload and any its lost Creates started, then
   * forgets it. If the server cannot be told, the state stays and the error says how to finish;
   * a lost Create's window whose upload is still too young to judge stays saved (see sweep).
   */
  async discard(target: Pick<RunRequest, 'file' | 'bucket' | 'key'>, keeper: UploadKeeper): Promise<void> {
    const saved = await keeper.load();
    if (!saved) return;
    const run: Run = { req: { ...target }, keeper, unsure: [...(saved.unsure ?? [])] };
    if (saved.uploadId) {
      try {
        await this.storage.abortMultipartUpload(target.bucket, target.key, saved.uploadId);
      } catch (err) {
        throw new FerryError(isFerryError(err) ? err.code : 'S3_ERROR', partsLeftBehind("The paused upload's", target.bucket, target.key, saved.uploadId, err), { cause: err });
      }
    }
    run.uploadId = undefined;
    await this.sweep(run, NEVER);
    if (run.unsure.length) await keeper.save({ partSize: saved.partSize, size: saved.size, mtimeMs: saved.mtimeMs, parts: [], unsure: run.unsure });
    else await keeper.remove();
  }

  /**
   * Nothing on the server is this run's any more: no upload to abort, no state to keep, except
   * windows of lost Creates not yet swept, which stay saved for the next run.
   */
  async forget(run: Run): Promise<void> {
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
   *
   * No answer says whose an upload is, so only what cannot be another writer's is aborted: an
   * upload holding parts is someone's (no one knew the lost one's ID to send parts to it), and an
   * empty one younger than the quiet time may be another writer's whose first part is on its way.
   * The window of such a young one stays in `run.unsure` for a later sweep.
   */
  async sweep(run: Run, signal: AbortSignal): Promise<{ young: number }> {
    if (!run.unsure.length) return { young: 0 };
    const { req } = run;
    const storage = this.storage;
    const windows = [...run.unsure];
    const undecided = new Set<Window>();
    /** Windows whose lost Create's upload was found and aborted: a Create starts one upload at most. */
    const found = new Set<Window>();
    if (storage.profile.capabilities?.listMultipartUploads !== false) {
      const others = await run.keeper.others();
      const uploads = await storage.listMultipartUploads(req.bucket, req.key, signal);
      // The server's clock as its own answer just told it (its Date header), not this machine's.
      const offset = storage.client.clockOffset() ?? 0;
      for (const u of uploads) {
        if (u.key !== req.key || !u.initiated || u.uploadId === run.uploadId || others.has(u.uploadId)) continue;
        const at = Date.parse(u.initiated) - offset;
        const window = windows.find((w) => at >= w.from - CLOCK_MARGIN_MS && at <= windowEnd(w) + CLOCK_MARGIN_MS);
        if (!window) continue;
        if ((await storage.multipartUsage(req.bucket, req.key, u.uploadId, signal).catch(() => ({ parts: 1 }))).parts > 0) continue;
        // The server's Date header counts whole seconds: its age is known to within one.
        if (Date.now() - at + 1000 < this.quietMs) {
          undecided.add(window);
          continue;
        }
        await storage.abortMultipartUpload(req.bucket, req.key, u.uploadId, signal);
        found.add(window);
      }
      // A window whose upload was not found stays while its Create may still be carried out.
      for (const w of windows) if (Date.now() <= windowEnd(w) + CLOCK_MARGIN_MS && !found.has(w)) undecided.add(w);
    }
    run.unsure = run.unsure.filter((w) => !windows.includes(w) || undecided.has(w));
    return { young: undecided.size };
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
  async settle(run: Run, err: unknown): Promise<FerryError> {
    const { req, keeper } = run;
    const cancelled = () => Boolean(req.signal?.aborted);
    const keep = async (extra: Partial<MultipartState> = {}) => {
      const state = run.state?.();
      if (state) await keeper.save({ ...state, ...extra }).catch(() => {});
      return Boolean(state);
    };
    if (run.stored && cancelled() && isFerryError(err, 'CANCELLED')) return err;
    if (!cancelled() && isPaused(req)) {
      // Paused before any part was stored: there is nothing to continue, and an empty upload left
      // on the server looks, to another writer's sweep, like one a lost Create started. It goes
      // (within the cancel budget; if the server does not confirm, it is kept and resumed).
      if (run.uploadId && run.state && run.state().parts.length === 0) {
        await this.storage.abortMultipartUpload(req.bucket, req.key, run.uploadId, AbortSignal.timeout(CANCEL_BUDGET_MS)).then(
          () => (run.uploadId = undefined),
          () => {},
        );
      }
      const state = run.state?.();
      if (state) await keeper.save(state, true).catch(() => {});
      // A cancel that arrived while the paused state was saved still wins.
      if (!cancelled()) return new FerryError('PAUSED', 'Paused.', { cause: err });
    }
    if (cancelled() && run.finishing && run.uploadId) {
      await keep();
      return new FerryError(
        'CANCELLED',
        `Upload cancelled while the server was finishing it: s3://${req.bucket}/${req.key} may already hold the whole file. Run the same upload again to find out (nothing is sent again if it does), or remove the upload with ferry uploads abort s3://${req.bucket}/${req.key} --upload-id ${run.uploadId}.`,
        { cause: err },
      );
    }
    if (cancelled()) return this.cancelled(run, err);
    const error = await this.storage.diagnose(toFerryError(err, { endpoint: this.storage.endpoint, account: this.storage.profile.name, bucket: req.bucket, key: req.key }));
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
        this.storage.abortMultipartUpload(req.bucket, req.key, uploadId, budget).then(
          () => 'aborted' as const,
          (e: unknown) => ((refused = budget.aborted ? undefined : e), 'not' as const),
        ),
        new Promise<'not'>((resolve) => budget.addEventListener('abort', () => resolve('not'), { once: true })),
      ]);
      if (outcome === 'aborted') run.uploadId = undefined;
    }
    const swept = run.unsure.length ? await this.sweep(run, budget).catch(() => undefined) : { young: 0 };
    if (!run.uploadId && !run.unsure.length) {
      await keeper.remove().catch(() => {});
      return new FerryError('CANCELLED', 'Upload cancelled.', { cause: err });
    }
    const state = run.state?.();
    if (state) await keeper.save({ ...state, ...(run.uploadId ? { cancelled: true } : { parts: [] }) }).catch(() => {});
    if (refused !== undefined && run.uploadId) return new FerryError('CANCELLED', `Upload cancelled. ${partsLeftBehind("The unfinished upload's", req.bucket, req.key, run.uploadId, refused)}`, { cause: err });
    if (!run.uploadId && swept?.young) return new FerryError('CANCELLED', `Upload cancelled. ${youngLeftover(req, this.quietMs)}`, { cause: err });
    if (run.uploadId) {
      return new FerryError('CANCELLED', `Upload cancelled. The server did not confirm the clean-up in time, so its parts (upload ${run.uploadId}) will be removed by the next run of this upload, or now by ferry uploads abort s3://${req.bucket}/${req.key} --upload-id ${run.uploadId}.`, { cause: err });
    }
    return new FerryError('CANCELLED', `Upload cancelled. The server did not answer in time, so it may hold an empty upload of s3://${req.bucket}/${req.key} that a request without an answer started. ${emptyUploadGoes(req, this.quietMs)}`, { cause: err });
  }

  /**
   * Aborts a multipart upload so its parts stop costing money. The control client's own retries
   * (the SDK's, with back-off) are the only ones: a loop here would multiply them.
   */
  async abort(req: RunRequest, uploadId: string): Promise<void> {
    await this.storage.abortMultipartUpload(req.bucket, req.key, uploadId);
  }
}
