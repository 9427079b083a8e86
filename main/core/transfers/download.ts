import { createHash } from 'node:crypto';
import { lstat, realpath, rm, type FileHandle } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import type { DataPath } from '../s3/data-path';
import type { Bandwidth } from './bandwidth';
import type { Clock } from '../clock';
import { FerryError, isFerryError } from '../errors';
import { writeAllAt, writeFileAtomic } from '../files';
import { tryLock } from '../lock';
import { joinSignals } from '../signals';
import type { Storage } from '../s3/storage';
import { Gate, limitFor, type Limit, type LimitTrace } from './adaptive';
import { autoConcurrency, autoPartSize, formatBytes, MAX_PART_SIZE, partLength } from './plan';
import { bytesKept, clearStaleTemps, discardPartial, giveName, keptOf, loadState, localWriteError, openPartial, stateFile, type DownloadState } from './partial';
import { PinnedFolder, type Place } from './pinned';
import { ProgressMeter, type Progress } from './progress';
import { PARTIAL_SUFFIX } from './targets';
import { retrying, retryPolicy, type RetryPolicy } from './retry';
import { checkPlanFor, FileHasher, unquote, type DownloadCheck, type SizeOnly } from './verify';

/** The most ranges one download has in flight when Ferry chooses. */
const MAX_RANGES_IN_FLIGHT = 16;

export { PARTIAL_SUFFIX, downloadName } from './targets';

/** The smallest range a saved download may keep, and the most ranges (a --part-size of 64 KiB for a file of 64 GiB). */
const MIN_RANGE = 64 * 1024;
const MAX_RANGES = 1_000_000;

/** A part size a saved download may keep: one Ferry could have used (its own are 8 to 64 MiB; --part-size may ask for less), in at most MAX_RANGES ranges. */
const sensiblePartSize = (partSize: number, size: number) => Number.isSafeInteger(partSize) && partSize >= MIN_RANGE && partSize <= MAX_PART_SIZE && Math.ceil(size / partSize) <= MAX_RANGES;

/** A cut that brings less than this is one that brings nothing: five in a row, and the server is said to be at fault. */
const LITTLE = 64 * 1024;

/** The errors of a server misbehaving on a range (see serverFault): they keep what arrived before. */
const faults = new WeakSet<object>();
const serverFault = (message: string, cause?: unknown): FerryError => {
  const e = new FerryError('S3_ERROR', message, cause === undefined ? {} : { cause });
  faults.add(e);
  return e;
};

/** A Content-Range as S3 sends it ("bytes 0-99/1000"; the unit in any case, the size "*" when unknown), or undefined. */
function parseContentRange(value: string | undefined): { start: number; end: number; size?: number } | undefined {
  const m = /^\s*bytes\s+(\d+)-(\d+)\/(\d+|\*)\s*$/i.exec(value ?? '');
  if (!m) return undefined;
  const [start, end] = [Number(m[1]), Number(m[2])];
  return end < start ? undefined : { start, end, ...(m[3] === '*' ? {} : { size: Number(m[3]) }) };
}

/** Bytes of a range gathered before they are written (16 ranges in flight hold 16 × this at most). */
const WRITE_BATCH = 512 * 1024;

/** Ranges cut short before a download says the server is at fault rather than waiting for the network. */
const MAX_CUTS = 5;

export interface DownloadRequest {
  bucket: string;
  key: string;
  /** Where the object goes. It is written beside, as FILE.ferry-download, and renamed when whole and checked. */
  file: string;
  signal?: AbortSignal;
  /** Aborting this pauses: finished ranges stay in the partial file, and the next download() of the same object to the same file continues. */
  pauseSignal?: AbortSignal;
  onProgress?: (p: Progress) => void;
  /** Bytes kept in the partial file so far (what a pause keeps). */
  onKept?: (bytes: number) => void;
  /** Called at the start when an earlier run's bytes are continued: how many of the object's. */
  onResume?: (bytes: number, size: number) => void;
  onWaiting?: (waiting: boolean) => void;
  /** Called when the server refuses a request as overloaded (a queue running several downloads lowers how many: adaptive.ts). */
  onOverload?: () => void;
  /** Called once the ranges are in, with how many were in flight (the CLI's --debug shows it). */
  onLane?: (trace: LimitTrace) => void;
  partSize?: number;
  concurrency?: number;
  /** false: what an earlier run kept of this download is dropped, and it starts afresh (--no-resume). */
  resume?: boolean;
  /**
   * Replace a file already at `file` (the CLI, where the user named it). Otherwise (the window)
   * the finished file takes the next free name beside it ("name (1).ext") rather than replace
   * anything that appeared there meanwhile; DownloadResult.file says which.
   */
  replace?: boolean;
  /**
   * The real path of the folder `file` was planned into (the real path of its folder now, when
   * not given). The download holds that folder open and writes only into it: it refuses to start
   * if the folder leads elsewhere now, and to finish if it was moved or replaced meanwhile.
   */
  folder?: string;
}

export interface DownloadResult {
  bucket: string;
  key: string;
  file: string;
  size: number;
  etag?: string;
  /**
   * How the whole file was checked: against the object's MD5 (a plain ETag), against the MD5s of
   * its parts (a multipart ETag whose part size is known or guessed right), or by size only
   * (every range's length, each asked for with If-Match on the ETag).
   */
  verified: DownloadCheck;
  /** Where only the size was checked: why. */
  sizeOnly?: SizeOnly;
  resumedBytes: number;
}

/**
 * Downloads objects in parallel byte ranges written in place into a partial file, so memory stays
 * bounded whatever the size. Every range is asked for with If-Match on the ETag seen at the start,
 * so a file can never be stitched from two versions of an object. Finished ranges are recorded
 * beside the partial file: a pause, a crash or a lost network continues where it stopped. The
 * file appears under its name only when whole and checked.
 */
export class Downloader {
  private readonly policy: RetryPolicy;
  constructor(
    private readonly opts: { storage: Storage; data: DataPath; /** The cap every download shares (none by default). */ bandwidth?: Bandwidth; clock: Clock; backoffMs?: number; networkWaitMs?: number; /** Where claims on target files are kept (the data folder), so two processes never write one file. */ locks?: string },
  ) {
    this.policy = retryPolicy(opts.clock, opts);
  }

  async download(req: DownloadRequest): Promise<DownloadResult> {
    // One download into a file at a time, across every Ferry process: two would share one partial file.
    // Keyed on the real folder and the name as case-insensitive file systems compare it, so two
    // spellings of one file (a symbolic link to the folder, "A.bin" and "a.bin" on macOS) share one claim.
    const folder = await realpath(dirname(req.file)).catch(() => resolve(dirname(req.file)));
    const id = join(folder, basename(req.file).normalize('NFC').toLowerCase());
    const claim = this.opts.locks ? await tryLock(join(this.opts.locks, `${createHash('sha256').update(id).digest('hex').slice(0, 32)}.lock`)) : { release: async () => {} };
    if ('heldBy' in claim) {
      throw new FerryError('FILE_CHANGED', `${req.file} is already being downloaded${claim.heldBy.pid === process.pid ? '' : ` by another Ferry (process ${claim.heldBy.pid})`}. Wait for that download to finish, or download to another name.`);
    }
    try {
      // The first question may go unanswered too: a cancel or pause still acts at once.
      const stop = joinSignals(req.signal, req.pauseSignal);
      const head = await this.opts.storage.head(req.bucket, req.key, stop.signal).finally(stop.release).catch(async (err: unknown) => {
        if (req.signal?.aborted) throw new FerryError('CANCELLED', 'Download cancelled.', { cause: err });
        if (req.pauseSignal?.aborted) throw new FerryError('PAUSED', 'Download paused.', { cause: err });
        // The object is gone: what an earlier run kept of it can never be finished.
        if (isFerryError(err, 'NO_SUCH_KEY')) {
          const kept = await loadState(req.file + PARTIAL_SUFFIX);
          if (kept?.bucket === req.bucket && kept.key === req.key) await discardPartial(req.file);
          // A HEAD says only "not found": a mistyped bucket is said as one, not as a missing key.
          await this.opts.storage.listPage(req.bucket, '', { pageSize: 1 }).catch((e: unknown) => {
            // Making the bucket cannot help a download: its name is what to check.
            if (isFerryError(e, 'NO_SUCH_BUCKET')) throw new FerryError('NO_SUCH_BUCKET', `The bucket "${req.bucket}" does not exist at ${this.opts.storage.endpoint}. Check its name: ferry ls lists your buckets.`, { cause: e });
          });
        }
        throw err;
      });
      const pinned = await PinnedFolder.open(req.folder ?? folder, dirname(req.file));
      try {
        return await this.run(req, head, pinned);
      } finally {
        await pinned.close();
      }
    } finally {
      await claim.release();
    }
  }

  private async run(req: DownloadRequest, head: Awaited<ReturnType<Storage['head']>>, pinned: PinnedFolder): Promise<DownloadResult> {
    const { storage } = this.opts;
    const etag = head.etag ?? '';
    const size = head.size;
    const name = basename(req.file);
    const target = pinned.at(name);
    const partial = pinned.at(name + PARTIAL_SUFFIX);
    await clearStaleTemps(partial);
    if (req.resume === false) await discardPartial(target);
    // A download that continues keeps the ranges it began with, whatever part size is asked now
    // (as an upload keeps its parts): what it kept is cut at those.
    const kept = await loadState(partial.path);
    const keepsCut = kept && kept.bucket === req.bucket && kept.key === req.key && kept.etag === etag && kept.size === size && sensiblePartSize(kept.partSize, size);
    const partSize = keepsCut ? kept.partSize : (req.partSize ?? autoPartSize(size));
    const parts = Math.max(1, Math.ceil(size / partSize));
    const opened = await openPartial(partial, { bucket: req.bucket, key: req.key, etag, size, partSize }, kept);
    const { handle } = opened;
    const resumable = Boolean(opened.saved);
    const { dev, ino } = await handle.stat();
    // Ranges done, and ranges begun but not finished: the bytes at their start already written (a
    // pause, a lost network or a misbehaving server keeps them; the next run asks only for the rest).
    const { done, begun } = keptOf(opened.saved ?? { done: [], partSize, size });
    const stop = new AbortController();
    const onCancel = () => stop.abort(new FerryError('CANCELLED', 'Download cancelled.'));
    const onPause = () => stop.abort(new FerryError('PAUSED', 'Download paused.'));
    req.signal?.addEventListener('abort', onCancel, { once: true });
    req.pauseSignal?.addEventListener('abort', onPause, { once: true });
    if (req.signal?.aborted) onCancel();
    else if (req.pauseSignal?.aborted) onPause();
    const meter = new ProgressMeter(size, this.opts.clock, (p) => req.onProgress?.(p));
    const keptBytes = () => bytesKept(done, begun, partSize, size);
    const resumedBytes = keptBytes();
    meter.addStored(resumedBytes);
    if (resumedBytes > 0) req.onResume?.(resumedBytes, size);
    let waiting = 0;
    const state = (): DownloadState => ({ version: 1, bucket: req.bucket, key: req.key, etag, size, partSize, done: [...done].sort((a, b) => a - b), ...(begun.size ? { begun: [...begun] } : {}), dev, ino });
    let saving = Promise.resolve();
    // Never makes a folder: a folder deleted meanwhile stays deleted (the end says so).
    const save = () => (saving = saving.then(() => writeFileAtomic(stateFile(partial.path), JSON.stringify(state()), { makeFolder: false })).catch(() => {}));
    // The whole file is checked where the ETag allows, hashed in order as ranges land.
    const plan = await checkPlanFor(storage, req.bucket, req.key, head);
    const hasher = plan.kind === 'size' ? undefined : new FileHasher(handle, size, plan);
    const contiguous = () => {
      let k = 1;
      while (done.has(k)) k++;
      return Math.min((k - 1) * partSize, size);
    };
    try {
      if (!resumable) {
        await handle.truncate(size).catch(async (e: unknown) => {
          throw await localWriteError(target, e, size);
        });
        await save();
      }
      let next = 1;
      // Ranges in flight: the user's number, or one found by measuring (adaptive.ts).
      const initial = Math.min(req.concurrency ?? autoConcurrency(size), parts);
      const lane = limitFor(req.concurrency !== undefined, { initial, max: Math.min(MAX_RANGES_IN_FLIGHT, parts), now: () => this.opts.clock.now() });
      const gate = new Gate(lane);
      const worker = async () => {
        for (;;) {
          const leave = await gate.enter();
          while (next <= parts && done.has(next)) next++;
          if (next > parts) return leave();
          const part = next++;
          try {
            await this.fetchRange(req, target, handle, part, partSize, size, etag, begun, stop.signal, meter, lane, (w) => {
              waiting += w ? 1 : -1;
              if ((w && waiting === 1) || (!w && waiting === 0)) req.onWaiting?.(w);
            });
            lane.done(partLength(part, partSize, size));
          } finally {
            leave();
          }
          begun.delete(part);
          done.add(part);
          hasher?.advance(contiguous());
          req.onKept?.(keptBytes());
          void save();
        }
      };
      const results = await Promise.allSettled(Array.from({ length: Math.min(Math.max(initial, MAX_RANGES_IN_FLIGHT), parts) }, worker));
      req.onLane?.(lane.trace());
      const failure = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
      if (failure) {
        stop.abort(failure.reason);
        throw stop.signal.reason instanceof FerryError ? stop.signal.reason : failure.reason;
      }
      await handle.sync();
      // Another program that cut the file after Ferry's last write leaves no finished download.
      if ((await handle.stat()).size !== size) {
        throw new FerryError('FILE_CHANGED', `${partial.shown} was cut short by another program while Ferry wrote it, so this download was not given its name. Nothing was kept; download again when nothing else writes there.`);
      }
      const judged = hasher ? await hasher.result() : 'unknown';
      if (judged === 'mismatch') {
        throw new FerryError('S3_ERROR', `${req.key} arrived damaged: its bytes do not match the server's ${plan.kind === 'parts' ? 'part checksums' : 'MD5'} (ETag ${etag}). Nothing was kept; download it again.`);
      }
      // The usual permissions for a finished file (the partial was this user's alone).
      await handle.chmod(0o666 & ~process.umask());
      // Dated as the object is, as aws s3 cp and rclone date it (so a later sync can compare).
      if (head.lastModified) await handle.utimes(new Date(), new Date(head.lastModified)).catch(() => {});
      await handle.close();
      await saving;
      await this.stillOurs(pinned, partial, dev, ino);
      const file = await giveName(partial, target, req.replace ?? false);
      await rm(stateFile(partial.path), { force: true });
      meter.finish();
      const verified: DownloadCheck = judged === 'match' ? (plan.kind === 'md5' ? 'md5' : 'parts-md5') : 'size';
      const sizeOnly: SizeOnly | undefined = plan.kind === 'size' ? plan.why : verified === 'size' ? 'part-size' : undefined;
      return { bucket: req.bucket, key: req.key, file, size, ...(etag ? { etag } : {}), verified, ...(sizeOnly ? { sizeOnly } : {}), resumedBytes };
    } catch (err) {
      await handle.close().catch(() => {});
      await saving;
      // A pause, or a network that did not come back, keeps what arrived; anything else leaves nothing behind.
      // A server that misbehaves on a range (cuts it again and again, answers other bytes) leaves
      // what arrived before as good as it was (every range under If-Match, the whole file checked
      // at the end): kept, where there is anything, so the next run goes on from it.
      const fault = faults.has(err as object);
      const keep = isFerryError(err, 'PAUSED') || isFerryError(err, 'ENDPOINT_UNREACHABLE') || (fault && keptBytes() > 0);
      if (keep) {
        await writeFileAtomic(stateFile(partial.path), JSON.stringify(state()), { makeFolder: false }).catch(() => {});
        req.onKept?.(keptBytes());
      } else await discardPartial(target, { dev, ino });
      if (fault) {
        const left = keep ? `The ${formatBytes(keptBytes())} that arrived before are kept beside ${target.shown}: run the same command again to continue` : 'Nothing was kept; try again';
        throw new FerryError('S3_ERROR', `${(err as Error).message} ${left} (later, if it happens again), or ask whoever runs ${this.opts.storage.endpoint}.`, { cause: (err as Error).cause });
      }
      throw err;
    } finally {
      // A failed, paused or cancelled download reports nothing more.
      meter.close();
      req.signal?.removeEventListener('abort', onCancel);
      req.pauseSignal?.removeEventListener('abort', onPause);
    }
  }

  /** Before the file gets its name: the partial is still the file this download wrote, in the folder the user named. */
  private async stillOurs(pinned: PinnedFolder, partial: Place, dev: number, ino: number): Promise<void> {
    await pinned.check();
    const now = await lstat(partial.path).catch(() => undefined);
    if (!now || now.ino !== ino || now.dev !== dev) {
      throw new FerryError('FILE_CHANGED', `${partial.shown} was replaced by another program while Ferry wrote it, so this download was not given its name. Download again when nothing else writes there.`);
    }
  }

  /** One range, retried as uploads are: server errors a few times, a lost network waited out. */
  private async fetchRange(
    req: DownloadRequest,
    target: Place,
    handle: FileHandle,
    part: number,
    partSize: number,
    size: number,
    etag: string,
    /** The bytes at the start of each unfinished range already written: this range's grows as it arrives. */
    begun: Map<number, number>,
    signal: AbortSignal,
    meter: ProgressMeter,
    lane: Limit,
    onWaiting: (w: boolean) => void,
  ): Promise<void> {
    const start = (part - 1) * partSize;
    const length = partLength(part, partSize, size);
    if (length === 0) return;
    // Bytes of this range already counted (kept from before, or sent before a retry): a retry
    // asks only for the rest, so progress never goes back and nothing arrives twice.
    let counted = begun.get(part) ?? 0;
    let cuts = 0;
    const stopped = () => (signal.reason instanceof FerryError ? signal.reason : new FerryError('CANCELLED', 'Download cancelled.'));
    const refuse = (err: unknown) =>
      (err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 412
        ? new FerryError('FILE_CHANGED', `${req.key} changed on the server while it was being downloaded. Download it again for the new version.`, { cause: err })
        : undefined;
    const onOverload = () => {
      lane.overloaded();
      req.onOverload?.();
    };
    await retrying(this.policy, { signal, op: { endpoint: this.opts.storage.endpoint, account: this.opts.storage.profile.name, bucket: req.bucket, key: req.key }, stopped, onWaiting, refuse, onOverload }, async () => {
      const from = start + counted;
      const asked = `bytes=${from}-${start + length - 1}`;
      const out = await this.opts.data.getObject({ Bucket: req.bucket, Key: req.key, Range: asked, ...(etag ? { IfMatch: etag } : {}) }, { signal });
      const body = out.Body as AsyncIterable<Uint8Array> | undefined;
      // A server that answers with fewer bytes than asked is not serving the object its HEAD
      // described (a cut connection would say the full length and end early): no waiting it out.
      if (out.ContentLength !== undefined && out.ContentLength !== start + length - from) {
        throw serverFault(`The server sent ${out.ContentLength} bytes of ${req.key} where ${start + length - from} were asked for: it does not serve the object its own listing describes (${size} bytes).`);
      }
      // The answer names what it is: another version (a server that ignored If-Match), or other
      // bytes than those asked for, is never written into this file.
      if (etag && out.ETag && unquote(out.ETag.replace(/^W\//i, '')) !== unquote(etag)) {
        throw new FerryError('FILE_CHANGED', `${req.key} changed on the server while it was being downloaded (it now answers with ETag ${out.ETag}, not ${etag}). Download it again for the new version.`);
      }
      // Part of the object is answered 206 with the range it is (RFC 9110): a 200 is the whole
      // object from its start, whatever was asked, and a range that names none cannot be trusted.
      const whole = from === 0 && length === size;
      const range = parseContentRange(out.ContentRange);
      if (!whole && (out.Status !== 206 || !range)) {
        throw serverFault(`The server answered ${asked.replace('=', ' ')} of ${req.key} with ${out.Status === 200 ? 'the whole object (HTTP 200): it ignores ranges' : out.ContentRange ? `"${out.ContentRange}", which names no range` : 'no Content-Range'}, so those bytes were not used.`);
      }
      if (range && (range.start !== from || range.end !== start + length - 1 || (range.size !== undefined && range.size !== size))) {
        throw serverFault(`The server answered ${asked.replace('=', ' ')} of ${req.key} with ${out.ContentRange}: not the bytes asked for.`);
      }
      if (!body) throw new FerryError('S3_ERROR', `The server sent no data for ${req.key}.`);
      let pos = from;
      // Chunks are written a batch at a time (one writev of up to WRITE_BATCH bytes, not one write
      // per 64 KiB the socket gives): a fraction of the system calls and thread-pool hand-offs.
      let batch: Uint8Array[] = [];
      let batched = 0;
      const flush = async () => {
        if (batched === 0) return;
        await writeAllAt(handle, batch, pos).catch(async (e: unknown) => {
          throw await localWriteError(target, e, size - meter.done);
        });
        pos += batched;
        batch = [];
        batched = 0;
        if (pos - start > counted) {
          meter.add(pos - start - counted);
          counted = pos - start;
        }
        // What is written is kept: a pause or a lost network from here on asks only for the rest.
        if (pos < start + length) begun.set(part, pos - start);
      };
      // A range cut short (ended early, or reset mid-body) is a lost connection, waited out as
      // one; but a server that answers every time and cuts every time, bringing little each time,
      // is not a network fault: a few such cuts in a row, and it is said. (A stall is waited out
      // as the network's: the link may be slow, not the server wrong.)
      const cut = (err: unknown, counts: boolean) => {
        if (pos - from >= LITTLE) cuts = 0;
        if (counts && ++cuts >= MAX_CUTS) {
          throw serverFault(`The connection to ${this.opts.storage.endpoint} keeps ending ${req.key} early (${MAX_CUTS} times in a row for bytes ${start}–${start + length - 1}, bringing almost nothing each time, though the server answers each time).`, err);
        }
        throw err;
      };
      try {
        for await (const chunk of body) {
          if (pos + batched + chunk.length > start + length) throw serverFault(`The server sent more of ${req.key} than was asked for (bytes ${from}–${start + length - 1}), so the download stopped.`);
          batch.push(chunk);
          batched += chunk.length;
          if (batched >= WRITE_BATCH || batch.length >= 64) await flush();
          // Under a cap, the next read waits: the socket's own back-pressure slows the server.
          await this.opts.bandwidth?.take(chunk.length, signal);
        }
        await flush();
      } catch (err) {
        // What arrived before a pause or a cut is written, to be kept (a cancel discards it all
        // the same); Ferry's own refusals go as they are.
        const ours = err instanceof FerryError;
        if (signal.aborted || !ours) await flush().catch(() => {});
        if (signal.aborted || ours) throw err;
        cut(err, (err as { name?: string }).name !== 'TimeoutError');
      }
      if (pos !== start + length) cut(Object.assign(new Error('socket hang up: the range ended early'), { name: 'TimeoutError' }), true);
    });
  }
}
