import { createHash } from 'node:crypto';
import { constants } from 'node:fs';
import { link, lstat, open, readdir, realpath, rename, rm, statfs, type FileHandle } from 'node:fs/promises';
import { basename, dirname, extname, join, resolve } from 'node:path';
import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { Clock } from '../clock';
import { FerryError, isFerryError, systemCode } from '../errors';
import { writeFileAtomic } from '../files';
import { tryLock } from '../lock';
import { toFerryError } from '../s3/errors';
import type { Storage } from '../s3/storage';
import { autoConcurrency, autoPartSize, formatBytes, partLength } from './plan';
import { ProgressMeter, type Progress } from './progress';
import { PARTIAL_SUFFIX } from './targets';
import { isNetworkError, isRetryable, sleep } from './upload';
import { checkPlan, FileHasher, type DownloadCheck } from './verify';

export { PARTIAL_SUFFIX, downloadName } from './targets';

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
  onWaiting?: (waiting: boolean) => void;
  partSize?: number;
  concurrency?: number;
  /**
   * Replace a file already at `file` (the CLI, where the user named it). Otherwise (the window)
   * the finished file takes the next free name beside it ("name (1).ext") rather than replace
   * anything that appeared there meanwhile; DownloadResult.file says which.
   */
  replace?: boolean;
  /** The real path of the folder `file` was planned into; the download refuses to write if the folder leads elsewhere now. */
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
  resumedBytes: number;
}

/** What a partial download remembers beside its file, to continue after a pause, a crash or a lost network. */
interface DownloadState {
  version: 1;
  bucket: string;
  key: string;
  etag: string;
  size: number;
  partSize: number;
  done: number[];
  /** The partial file Ferry made (device and inode): it is reopened only if it is still that file. */
  dev?: number;
  ino?: number;
}

const stateFile = (partial: string) => `${partial}.json`;

/** Opens without following a link; a partial file is created only where nothing is. */
const NOFOLLOW = constants.O_NOFOLLOW ?? 0;
const CREATE_PARTIAL = constants.O_RDWR | constants.O_CREAT | constants.O_EXCL | NOFOLLOW;
const REOPEN_PARTIAL = constants.O_RDWR | NOFOLLOW;

/**
 * Opens the partial file of a download: the one Ferry made, if the saved state is for this object
 * and the file is still that regular file (same inode, one link, right size), to continue it;
 * otherwise a new one, created exclusively. A stale partial of Ferry's own (another version, an
 * abandoned run) is removed first. Anything else at that name (a symbolic link, a hard link, a
 * file Ferry did not make) is never written through or replaced: the download stops and says so.
 */
async function openPartial(partial: string, want: Omit<DownloadState, 'version' | 'done' | 'dev' | 'ino'>): Promise<{ handle: FileHandle; saved?: DownloadState }> {
  const saved = await loadState(partial);
  const there = await lstat(partial).catch(() => undefined);
  // State from before Ferry recorded the inode names no inode: then the file must at least be a
  // lone regular file of the size that state says.
  // And it must be this user's, writable by no one else: in a folder others can write to (a
  // shared /tmp), another user could plant a partial file and a state naming it.
  const mine = (st: { uid: number; mode: number }) => (process.getuid === undefined || st.uid === process.getuid()) && (st.mode & 0o022) === 0;
  const ours = Boolean(there && saved && there.isFile() && there.nlink === 1 && mine(there) && (saved.ino === undefined ? there.size === saved.size : saved.ino === there.ino && saved.dev === there.dev));
  const madeAs = { ino: saved?.ino ?? there?.ino, dev: saved?.dev ?? there?.dev };
  if (there && ours) {
    const resumable = saved!.bucket === want.bucket && saved!.key === want.key && saved!.etag === want.etag && saved!.size === want.size && saved!.partSize === want.partSize && there.size === want.size;
    if (resumable) {
      const handle = await open(partial, REOPEN_PARTIAL).catch(() => undefined);
      const now = await handle?.stat();
      if (handle && now && now.ino === madeAs.ino && now.dev === madeAs.dev && now.isFile() && now.nlink === 1 && mine(now)) return { handle, saved: saved! };
      await handle?.close();
    }
    await rm(partial, { force: true });
  } else if (there) {
    throw new FerryError(
      'FILE_CHANGED',
      `${partial} is in the way: it is not a partial download Ferry made (${there.isSymbolicLink() ? 'it is a symbolic link' : there.nlink > 1 ? 'it has other hard links' : !mine(there) ? 'another user owns it or can write to it' : 'Ferry has no record of making it'}). Ferry neither writes through it nor replaces it: move it away, or download to another folder.`,
    );
  }
  const stateThere = await lstat(stateFile(partial)).catch(() => undefined);
  if (stateThere && !stateThere.isFile()) {
    throw new FerryError('FILE_CHANGED', `${stateFile(partial)} is in the way: Ferry keeps a download's progress under that name, and something else is there. Move it away, or download to another folder.`);
  }
  try {
    // Only this user can write it while it is partial; it gets the usual permissions when whole.
    return { handle: await open(partial, CREATE_PARTIAL, 0o600) };
  } catch (err) {
    if (systemCode(err) === 'EEXIST' || systemCode(err) === 'ELOOP') {
      throw new FerryError('FILE_CHANGED', `${partial} appeared while Ferry was about to write it (another program is writing there). Nothing was written through it; try again.`, { cause: err });
    }
    const code = systemCode(err);
    if (code === 'ENOENT' || code === 'ENOTDIR') {
      throw new FerryError('FILE_NOT_FOUND', `The folder ${dirname(partial)} is not there any more (moved, deleted or unmounted). Create it or choose another folder, then download again.`, { cause: err });
    }
    if (code === 'EACCES' || code === 'EPERM') throw new FerryError('FILE_UNREADABLE', `You cannot write in ${dirname(partial)}. Choose a folder you can write to.`, { cause: err });
    throw await localWriteError(partial, err);
  }
}

/**
 * Removes what a process killed while saving this download's progress left beside it
 * (NAME.ferry-download.json.PID.RAND.tmp). Called with the claim on the name held, so no live
 * writer owns such a file; only regular files of exactly that form are touched.
 */
async function clearStaleTemps(partial: string): Promise<void> {
  const state = stateFile(partial);
  const prefix = `${basename(state)}.`;
  const names = await readdir(dirname(state)).catch(() => [] as string[]);
  const stale = names.filter((n) => n.startsWith(prefix) && /^\d+\.[0-9a-f]{8}\.tmp$/.test(n.slice(prefix.length)));
  await Promise.all(
    stale.map(async (n) => {
      const path = join(dirname(state), n);
      const info = await lstat(path).catch(() => undefined);
      if (info?.isFile() && (process.getuid === undefined || info.uid === process.getuid())) await rm(path, { force: true }).catch(() => {});
    }),
  );
}

/**
 * Gives the finished partial file its name. Replacing (the CLI), a rename: atomic, and a link at
 * the name is replaced, never followed. Otherwise a hard link made only where nothing is (then
 * the partial name removed), trying "name (1).ext" … if something appeared at the name meanwhile;
 * where the file system has no hard links (FAT, some network shares), a rename after a look.
 */
async function giveName(partial: string, file: string, replace: boolean): Promise<string> {
  if (replace) {
    await rename(partial, file);
    return file;
  }
  const ext = extname(file);
  const stem = basename(file).slice(0, basename(file).length - ext.length);
  for (let i = 0; ; i++) {
    const candidate = i === 0 ? file : join(dirname(file), `${stem} (${i})${ext}`);
    try {
      await link(partial, candidate);
      await rm(partial, { force: true });
      return candidate;
    } catch (err) {
      const code = systemCode(err);
      if (code === 'EEXIST') continue;
      if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EOPNOTSUPP' && code !== 'ENOSYS' && code !== 'EMLINK') throw err;
      if (await lstat(candidate).then(() => true, () => false)) continue;
      await rename(partial, candidate);
      return candidate;
    }
  }
}

/**
 * Downloads objects in parallel byte ranges written in place into a partial file, so memory stays
 * bounded whatever the size. Every range is asked for with If-Match on the ETag seen at the start,
 * so a file can never be stitched from two versions of an object. Finished ranges are recorded
 * beside the partial file: a pause, a crash or a lost network continues where it stopped. The
 * file appears under its name only when whole and checked.
 */
export class Downloader {
  private readonly attempts = 4;
  constructor(
    private readonly opts: { storage: Storage; dataClient: S3Client; clock: Clock; backoffMs?: number; networkWaitMs?: number; /** Where claims on target files are kept (the data folder), so two processes never write one file. */ locks?: string },
  ) {}

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
      return await this.run(req);
    } finally {
      await claim.release();
    }
  }

  private async run(req: DownloadRequest): Promise<DownloadResult> {
    const { storage } = this.opts;
    const head = await storage.head(req.bucket, req.key);
    const etag = head.etag ?? '';
    const size = head.size;
    const partial = req.file + PARTIAL_SUFFIX;
    const partSize = req.partSize ?? autoPartSize(size);
    const parts = Math.max(1, Math.ceil(size / partSize));
    await this.inFolder(req);
    await clearStaleTemps(partial);
    const opened = await openPartial(partial, { bucket: req.bucket, key: req.key, etag, size, partSize });
    const { handle } = opened;
    const resumable = Boolean(opened.saved);
    const { dev, ino } = await handle.stat();
    const done = new Set<number>(opened.saved?.done ?? []);
    const stop = new AbortController();
    const onCancel = () => stop.abort(new FerryError('CANCELLED', 'Download cancelled.'));
    const onPause = () => stop.abort(new FerryError('PAUSED', 'Download paused.'));
    req.signal?.addEventListener('abort', onCancel, { once: true });
    req.pauseSignal?.addEventListener('abort', onPause, { once: true });
    if (req.signal?.aborted) onCancel();
    else if (req.pauseSignal?.aborted) onPause();
    const meter = new ProgressMeter(size, this.opts.clock, (p) => req.onProgress?.(p));
    const keptBytes = () => [...done].reduce((n, p) => n + partLength(p, partSize, size), 0);
    const resumedBytes = keptBytes();
    meter.addStored(resumedBytes);
    let waiting = 0;
    const state = (): DownloadState => ({ version: 1, bucket: req.bucket, key: req.key, etag, size, partSize, done: [...done].sort((a, b) => a - b), dev, ino });
    let saving = Promise.resolve();
    const save = () => (saving = saving.then(() => writeFileAtomic(stateFile(partial), JSON.stringify(state()))).catch(() => {}));
    // The whole file is checked where the ETag allows, hashed in order as ranges land.
    let plan = checkPlan(etag, size, { encrypted: Boolean(head.encryption && /kms|customer/i.test(head.encryption)), ...(head.partSize ? { partSize: head.partSize } : {}) });
    if (plan.kind === 'parts' && !plan.known) {
      const told = await storage.firstPartSize(req.bucket, req.key, size);
      if (told) plan = checkPlan(etag, size, { partSize: told });
    }
    const hasher = plan.kind === 'size' ? undefined : new FileHasher(handle, size, plan);
    const contiguous = () => {
      let k = 1;
      while (done.has(k)) k++;
      return Math.min((k - 1) * partSize, size);
    };
    try {
      if (!resumable) {
        await handle.truncate(size).catch(async (e: unknown) => {
          throw await localWriteError(req.file, e, size);
        });
        await save();
      }
      let next = 1;
      const worker = async () => {
        for (;;) {
          while (next <= parts && done.has(next)) next++;
          if (next > parts) return;
          const part = next++;
          await this.fetchRange(req, handle, part, partSize, size, etag, stop.signal, meter, (w) => {
            waiting += w ? 1 : -1;
            if ((w && waiting === 1) || (!w && waiting === 0)) req.onWaiting?.(w);
          });
          done.add(part);
          hasher?.advance(contiguous());
          req.onKept?.(keptBytes());
          void save();
        }
      };
      const results = await Promise.allSettled(Array.from({ length: Math.min(req.concurrency ?? autoConcurrency(size), parts) }, worker));
      const failure = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
      if (failure) {
        stop.abort(failure.reason);
        throw stop.signal.reason instanceof FerryError ? stop.signal.reason : failure.reason;
      }
      await handle.sync();
      const judged = hasher ? await hasher.result() : 'unknown';
      if (judged === 'mismatch') {
        throw new FerryError('S3_ERROR', `${req.key} arrived damaged: its bytes do not match the server's ${plan.kind === 'parts' ? 'part checksums' : 'MD5'} (ETag ${etag}). Nothing was kept; download it again.`);
      }
      // The usual permissions for a finished file (the partial was this user's alone).
      await handle.chmod(0o666 & ~process.umask());
      await handle.close();
      await saving;
      await this.stillOurs(req, partial, dev, ino);
      const file = await giveName(partial, req.file, req.replace ?? false);
      await rm(stateFile(partial), { force: true });
      meter.finish();
      const verified: DownloadCheck = judged === 'match' ? (plan.kind === 'md5' ? 'md5' : 'parts-md5') : 'size';
      return { bucket: req.bucket, key: req.key, file, size, ...(etag ? { etag } : {}), verified, resumedBytes };
    } catch (err) {
      await handle.close().catch(() => {});
      await saving;
      // A pause, or a network that did not come back, keeps what arrived; anything else leaves nothing behind.
      const keep = isFerryError(err, 'PAUSED') || isFerryError(err, 'ENDPOINT_UNREACHABLE');
      if (keep) await writeFileAtomic(stateFile(partial), JSON.stringify(state())).catch(() => {});
      else await discardPartial(req.file, { dev, ino });
      throw err;
    } finally {
      req.signal?.removeEventListener('abort', onCancel);
      req.pauseSignal?.removeEventListener('abort', onPause);
    }
  }

  /**
   * The file's folder is still the one the download was planned into: a folder swapped for a
   * symbolic link since (the plan checked it then; a queued download may wait long) is refused.
   */
  private async inFolder(req: DownloadRequest): Promise<void> {
    if (!req.folder) return;
    const now = await realpath(dirname(req.file)).catch(() => undefined);
    if (now !== req.folder) {
      throw new FerryError('FILE_CHANGED', `${dirname(req.file)} is no longer the folder this download was planned into (it now leads to ${now ?? 'nothing'}; a symbolic link may have replaced it). Nothing was written there; download again.`);
    }
  }

  /** Before the file gets its name: the partial is still the file this download wrote, in its folder. */
  private async stillOurs(req: DownloadRequest, partial: string, dev: number, ino: number): Promise<void> {
    await this.inFolder(req);
    const now = await lstat(partial).catch(() => undefined);
    if (!now || now.ino !== ino || now.dev !== dev) {
      throw new FerryError('FILE_CHANGED', `${partial} was replaced by another program while Ferry wrote it, so this download was not given its name. Download again when nothing else writes there.`);
    }
  }

  /** One range, retried as uploads are: server errors a few times, a lost network waited out. */
  private async fetchRange(
    req: DownloadRequest,
    handle: FileHandle,
    part: number,
    partSize: number,
    size: number,
    etag: string,
    signal: AbortSignal,
    meter: ProgressMeter,
    onWaiting: (w: boolean) => void,
  ): Promise<void> {
    const start = (part - 1) * partSize;
    const length = partLength(part, partSize, size);
    const backoff = this.opts.backoffMs ?? 500;
    let attempt = 0;
    let netFailures = 0;
    let outageStart: number | undefined;
    // Bytes of this range already counted: a retry counts only what goes beyond, so progress never goes back.
    let counted = 0;
    for (;;) {
      try {
        if (length === 0) return;
        const out = await this.opts.dataClient.send(
          new GetObjectCommand({ Bucket: req.bucket, Key: req.key, Range: `bytes=${start}-${start + length - 1}`, ...(etag ? { IfMatch: etag } : {}) }),
          { abortSignal: signal },
        );
        const body = out.Body as AsyncIterable<Uint8Array> | undefined;
        // A server that answers with fewer bytes than asked is not serving the object its HEAD
        // described (a cut connection would say the full length and end early): no waiting it out.
        if (out.ContentLength !== undefined && out.ContentLength !== length) {
          throw new FerryError('S3_ERROR', `The server sent ${out.ContentLength} bytes of ${req.key} where ${length} were asked for: it does not serve the object its own listing describes (${size} bytes). Nothing was kept; try again later.`);
        }
        if (!body) throw new FerryError('S3_ERROR', `The server sent no data for ${req.key}.`);
        let pos = start;
        for await (const chunk of body) {
          if (pos + chunk.length > start + length) throw new FerryError('S3_ERROR', `The server sent more of ${req.key} than was asked for; the download stopped. Try again.`);
          await handle.write(chunk, 0, chunk.length, pos).catch(async (e: unknown) => {
            throw await localWriteError(req.file, e, size - meter.done);
          });
          pos += chunk.length;
          if (pos - start > counted) {
            meter.add(pos - start - counted);
            counted = pos - start;
          }
        }
        if (pos !== start + length) throw Object.assign(new Error('socket hang up: the range ended early'), { name: 'TimeoutError' });
        if (netFailures >= 2) onWaiting(false);
        return;
      } catch (err) {
        if (signal.aborted) throw signal.reason instanceof FerryError ? signal.reason : new FerryError('CANCELLED', 'Download cancelled.');
        const status = (err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
        if (status === 412) {
          throw new FerryError('FILE_CHANGED', `${req.key} changed on the server while it was being downloaded. Download it again for the new version.`, { cause: err });
        }
        let delay: number;
        if (isNetworkError(err)) {
          netFailures++;
          outageStart ??= this.opts.clock.now();
          if (this.opts.clock.now() - outageStart > (this.opts.networkWaitMs ?? 10 * 60_000)) throw toFerryError(err, { endpoint: this.opts.storage.endpoint, bucket: req.bucket, key: req.key });
          if (netFailures === 2) onWaiting(true);
          delay = Math.min(backoff * 2 ** Math.min(netFailures - 1, 6), 10_000) * (0.5 + Math.random());
        } else if (isRetryable(err) && ++attempt < this.attempts) {
          delay = backoff * 2 ** (attempt - 1) * (0.5 + Math.random());
        } else {
          throw toFerryError(err, { endpoint: this.opts.storage.endpoint, bucket: req.bucket, key: req.key });
        }
        await sleep(delay, signal).catch(() => {
          throw signal.reason instanceof FerryError ? signal.reason : new FerryError('CANCELLED', 'Download cancelled.');
        });
      }
    }
  }
}

async function loadState(partial: string): Promise<DownloadState | undefined> {
  try {
    // Never blocks on a FIFO planted there, and reads only a regular file.
    const fh = await open(stateFile(partial), constants.O_RDONLY | NOFOLLOW | (constants.O_NONBLOCK ?? 0));
    try {
      if (!(await fh.stat()).isFile()) return undefined;
      const s = JSON.parse(await fh.readFile('utf8')) as DownloadState;
      return s.version === 1 && Array.isArray(s.done) && Number.isSafeInteger(s.size) && Number.isSafeInteger(s.partSize) && s.partSize > 0 ? s : undefined;
    } finally {
      await fh.close();
    }
  } catch {
    return undefined;
  }
}

/**
 * The bytes a partial download of this object to this file already holds, or undefined when there
 * is nothing to continue (no partial file, or one of another object).
 */
export async function keptDownload(d: { bucket: string; key: string; file: string; size: number }): Promise<number | undefined> {
  const partial = d.file + PARTIAL_SUFFIX;
  const s = await loadState(partial);
  if (!s || s.bucket !== d.bucket || s.key !== d.key || s.size !== d.size) return undefined;
  if (!(await lstat(partial).then((st) => st.isFile() && (s.ino === undefined || st.ino === s.ino), () => false))) return undefined;
  return s.done.reduce((n, p) => n + partLength(p, s.partSize, s.size), 0);
}

/**
 * Removes what a download to this file left behind (a cancelled or abandoned download): only the
 * partial file Ferry made (the one `made` names, or its saved state names), never one another
 * program put there since.
 */
export async function discardPartial(file: string, made?: { dev: number; ino: number }): Promise<void> {
  const partial = file + PARTIAL_SUFFIX;
  const state = await loadState(partial);
  const there = await lstat(partial).catch(() => undefined);
  const expect = made ?? (state?.ino !== undefined ? { dev: state.dev, ino: state.ino } : undefined);
  // State from before Ferry recorded inodes: the lone regular file of this user's that it names.
  const legacy = !made && state && state.ino === undefined && there?.isFile() && there.nlink === 1 && (process.getuid === undefined || there.uid === process.getuid());
  if (there && (legacy || (expect && there.ino === expect.ino && there.dev === expect.dev))) await rm(partial, { force: true });
  if (state) await rm(stateFile(partial), { force: true }).catch(() => {});
}

/**
 * A local write failure (a full disk, a read-only folder), said as such and never retried or
 * blamed on the server. A full disk says how much room it has and how much the download needs.
 */
async function localWriteError(file: string, err: unknown, needed?: number): Promise<FerryError> {
  const code = systemCode(err);
  if (code === 'ENOSPC' || code === 'EDQUOT') {
    const free = await statfs(dirname(file)).then((f) => f.bavail * f.bsize, () => undefined);
    const room = free !== undefined && needed !== undefined ? ` (${formatBytes(free)} free, ${formatBytes(needed)} more needed)` : '';
    const what = code === 'ENOSPC' ? `the disk holding ${dirname(file)} is full` : `your disk quota on ${dirname(file)} is used up`;
    return new FerryError('DISK_FULL', `Cannot write ${file}: ${what}${room}. Nothing was left behind there; free some space or choose another folder, then download again.`, { cause: err });
  }
  const why = code === 'EROFS' ? 'the disk is read-only' : code === 'EFBIG' ? 'the file is larger than this disk allows' : code === 'EACCES' || code === 'EPERM' ? 'permission denied' : (code ?? (err as Error).message);
  return new FerryError('FILE_UNREADABLE', `Cannot write ${file}: ${why}. Choose another folder, then download again.`, { cause: err });
}

