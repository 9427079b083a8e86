import { createHash } from 'node:crypto';
import { open, readFile, rename, rm, stat, type FileHandle } from 'node:fs/promises';
import { basename, extname, join } from 'node:path';
import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { Clock } from '../clock';
import { FerryError, isFerryError } from '../errors';
import { writeFileAtomic } from '../files';
import { toFerryError } from '../s3/errors';
import { UNSAFE } from '../text';
import type { Storage } from '../s3/storage';
import { autoConcurrency, autoPartSize, partLength } from './plan';
import { ProgressMeter, type Progress } from './progress';
import { isNetworkError, isRetryable, sleep } from './upload';

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
}

export interface DownloadResult {
  bucket: string;
  key: string;
  file: string;
  size: number;
  etag?: string;
  /** How the bytes were checked: the object's MD5 (a one-part ETag), or each range's length and ETag. */
  verified: 'md5' | 'ranges';
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
}

export const PARTIAL_SUFFIX = '.ferry-download';
const stateFile = (partial: string) => `${partial}.json`;

/**
 * The path a download should use in a folder without replacing anything there: "name.ext", or
 * "name (1).ext", "name (2).ext" … as browsers do.
 */
export async function freePath(folder: string, name: string): Promise<string> {
  const ext = extname(name);
  const stem = name.slice(0, name.length - ext.length) || name;
  for (let i = 0; ; i++) {
    const candidate = join(folder, i === 0 ? name : `${stem} (${i})${ext}`);
    const taken = await Promise.all([candidate, candidate + PARTIAL_SUFFIX].map((p) => stat(p).then(() => true, () => false)));
    if (!taken.includes(true)) return candidate;
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
    private readonly opts: { storage: Storage; dataClient: S3Client; clock: Clock; backoffMs?: number; networkWaitMs?: number },
  ) {}

  async download(req: DownloadRequest): Promise<DownloadResult> {
    const { storage } = this.opts;
    const head = await storage.head(req.bucket, req.key);
    const etag = head.etag ?? '';
    const size = head.size;
    const partial = req.file + PARTIAL_SUFFIX;
    const partSize = req.partSize ?? autoPartSize(size);
    const parts = Math.max(1, Math.ceil(size / partSize));
    const saved = await loadState(partial);
    const resumable = saved && saved.bucket === req.bucket && saved.key === req.key && saved.etag === etag && saved.size === size && saved.partSize === partSize && (await stat(partial).then((s) => s.size === size, () => false));
    const done = new Set<number>(resumable ? saved.done : []);
    const handle = await open(partial, resumable ? 'r+' : 'w').catch((err: unknown) => {
      throw new FerryError('FILE_UNREADABLE', `Cannot write ${partial}: ${(err as Error).message}. Choose a folder you can write to.`, { cause: err });
    });
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
    const state = (): DownloadState => ({ version: 1, bucket: req.bucket, key: req.key, etag, size, partSize, done: [...done].sort((a, b) => a - b) });
    let saving = Promise.resolve();
    const save = () => (saving = saving.then(() => writeFileAtomic(stateFile(partial), JSON.stringify(state()))).catch(() => {}));
    // One GET reads the whole object (hashed as it streams); larger ones go in ranges.
    const whole = parts === 1;
    const md5: Hasher | undefined = whole && /^"?[0-9a-f]{32}"?$/i.test(etag) && !head.encryption ? {} : undefined;
    try {
      if (!resumable) {
        await handle.truncate(size);
        await save();
      }
      let next = 1;
      const worker = async () => {
        for (;;) {
          while (next <= parts && done.has(next)) next++;
          if (next > parts) return;
          const part = next++;
          await this.fetchRange(req, handle, part, partSize, size, etag, stop.signal, meter, md5, (w) => {
            waiting += w ? 1 : -1;
            if ((w && waiting === 1) || (!w && waiting === 0)) req.onWaiting?.(w);
          });
          done.add(part);
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
      if (md5 && md5.hash?.digest('hex') !== etag.replace(/"/g, '').toLowerCase()) {
        throw new FerryError('S3_ERROR', `${req.key} arrived damaged: its MD5 does not match the server's ETag. Download it again.`);
      }
      await handle.close();
      await rename(partial, req.file);
      await saving;
      await rm(stateFile(partial), { force: true });
      meter.finish();
      return { bucket: req.bucket, key: req.key, file: req.file, size, ...(etag ? { etag } : {}), verified: md5 ? 'md5' : 'ranges', resumedBytes };
    } catch (err) {
      await handle.close().catch(() => {});
      await saving;
      // A pause, or a network that did not come back, keeps what arrived; anything else leaves nothing behind.
      const keep = isFerryError(err, 'PAUSED') || isFerryError(err, 'ENDPOINT_UNREACHABLE');
      if (keep && !md5) await writeFileAtomic(stateFile(partial), JSON.stringify(state())).catch(() => {});
      else await discardPartial(req.file);
      throw err;
    } finally {
      req.signal?.removeEventListener('abort', onCancel);
      req.pauseSignal?.removeEventListener('abort', onPause);
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
    md5: Hasher | undefined,
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
        if (md5) md5.hash = createHash('md5');
        const out = await this.opts.dataClient.send(
          new GetObjectCommand({ Bucket: req.bucket, Key: req.key, Range: `bytes=${start}-${start + length - 1}`, ...(etag ? { IfMatch: etag } : {}) }),
          { abortSignal: signal },
        );
        const body = out.Body as AsyncIterable<Uint8Array> | undefined;
        if (!body) throw new FerryError('S3_ERROR', `The server sent no data for ${req.key}.`);
        let pos = start;
        for await (const chunk of body) {
          if (pos + chunk.length > start + length) throw new FerryError('S3_ERROR', `The server sent more of ${req.key} than was asked for; the download stopped. Try again.`);
          await handle.write(chunk, 0, chunk.length, pos);
          md5?.hash?.update(chunk);
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
    const s = JSON.parse(await readFile(stateFile(partial), 'utf8')) as DownloadState;
    return s.version === 1 && Array.isArray(s.done) ? s : undefined;
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
  if (!(await stat(partial).then((st) => st.isFile(), () => false))) return undefined;
  return s.done.reduce((n, p) => n + partLength(p, s.partSize, s.size), 0);
}

/** Removes what a download to this file left behind (a cancelled or abandoned download). */
export async function discardPartial(file: string): Promise<void> {
  const partial = file + PARTIAL_SUFFIX;
  await rm(partial, { force: true });
  await rm(stateFile(partial), { force: true });
}

/** The file name a key downloads as: its last segment, made safe for every file system. */
export function downloadName(key: string, platform: NodeJS.Platform = process.platform): string {
  const leaf = basename(key.replace(/\/+$/, '')) || 'download';
  // Windows refuses more characters in names than macOS and Linux do.
  // eslint-disable-next-line no-control-regex -- control characters are exactly what must not reach a file name
  const unsafe = platform === 'win32' ? /[\u0000-\u001f<>:"/\\|?*\u007f]/g : /[\u0000-\u001f/\u007f]/g;
  // Nor may a saved file disguise itself: C1 and bidi controls go too ("invoice\u202Efdp.exe"
  // would show as "invoiceexe.pdf" in a file manager).
  const safe = leaf.replace(unsafe, '_').replace(UNSAFE, '_').replace(/^\.+$/, '_').slice(0, 200);
  return safe || 'download';
}

/** The MD5 of a one-GET download, started afresh on each attempt. */
interface Hasher {
  hash?: ReturnType<typeof createHash>;
}
