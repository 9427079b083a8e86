import { createHash } from 'node:crypto';
import { readdir, readFile, rm, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { FerryError, systemCode } from '../errors';
import { writeFileAtomic } from '../files';
import { lockHolder, tryLock } from '../lock';
import { MIN_PART_SIZE } from './plan';
import { arr, bool, num, obj, opt, str, type Infer } from '../shape';

const PartSchema = obj({
  PartNumber: num({ int: true, positive: true }),
  ETag: str(),
  /** The part's MD5 as Ferry sent it (hex), where the server's ETag is not one. */
  md5: opt(str()),
});

/** A multipart upload in progress, as persisted so it survives a crash, kill -9 or quit. */
export const SavedUploadSchema = obj({
  account: str(),
  /** The server it lives on: the same account name may point elsewhere later. */
  endpoint: str(),
  file: str(),
  bucket: str(),
  key: str(),
  /** Absent while no upload of this run's is known on the server (only `unsure` windows are). */
  uploadId: opt(str()),
  partSize: num({ int: true, positive: true }),
  size: num({ int: true, nonnegative: true }),
  mtimeMs: num(),
  parts: arr(PartSchema),
  startedAt: str(),
  /** Paused by the user (the app shows it paused after a restart). */
  paused: opt(bool()),
  /**
   * Times (this machine's clock, ms) when a CreateMultipartUpload was sent whose answer never
   * came: the server may have started an upload then that nobody knows the ID of. The next run
   * finds such uploads of this key by their start time and aborts them. `to` is absent when the
   * process died while waiting.
   */
  unsure: opt(arr(obj({ from: num(), to: opt(num()) }))),
  /** Cancelled, but the server did not confirm the abort in time: the next run aborts it. */
  cancelled: opt(bool()),
});
export type SavedUpload = Infer<typeof SavedUploadSchema>;

/** Which upload a saved state belongs to: one file, to one key, on one server, as one account. */
export interface UploadIdentity {
  account: string;
  endpoint: string;
  file: string;
  bucket: string;
  key: string;
}

/** The multipart upload's fields a run saves; the identity and start time are the keeper's. */
export type UploadProgressState = Omit<SavedUpload, keyof UploadIdentity | 'startedAt' | 'paused'>;

/**
 * Keeps one upload's saved state for the upload engine: read once at the start, saved as parts
 * finish (in order, never two writes at once), removed when the upload completes or is aborted.
 */
export interface UploadKeeper {
  load(): Promise<SavedUpload | undefined>;
  /** Upload IDs other saved uploads on this machine hold (never another's to abort). */
  others(): Promise<Set<string>>;
  save(state: UploadProgressState, paused?: boolean): Promise<void>;
  remove(): Promise<void>;
}

/** For uploads nothing needs to survive (tests of the engine alone). */
export const NO_KEEPER: UploadKeeper = { load: async () => undefined, others: async () => new Set(), save: async () => {}, remove: async () => {} };

/**
 * Unfinished multipart uploads, one small JSON file each under transfers/ in the data
 * directory, rewritten atomically as parts finish. Holds no secret: account name, paths, IDs.
 */
export class UploadStateStore {
  readonly dir: string;
  constructor(dataDir: string) {
    this.dir = join(dataDir, 'transfers');
  }

  private path(id: UploadIdentity): string {
    return join(this.dir, `${this.hash([id.account, id.endpoint, id.file, id.bucket, id.key])}.json`);
  }

  private hash(parts: string[]): string {
    return createHash('sha256').update(JSON.stringify(parts)).digest('hex').slice(0, 32);
  }

  async get(id: UploadIdentity): Promise<SavedUpload | undefined> {
    try {
      const parsed = SavedUploadSchema.read(JSON.parse(await readFile(this.path(id), 'utf8')));
      return parsed.ok ? parsed.value : undefined;
    } catch (err) {
      if (systemCode(err) === 'ENOENT' || err instanceof SyntaxError) return undefined;
      throw err;
    }
  }

  async save(state: SavedUpload): Promise<void> {
    await writeFileAtomic(this.path(state), JSON.stringify(state));
  }

  async delete(id: UploadIdentity): Promise<void> {
    const path = this.path(id);
    await rm(path, { force: true });
    // A process killed mid-save leaves its temporary file beside the state; clear those too.
    const prefix = `${basename(path)}.`;
    const names = await readdir(this.dir).catch(() => [] as string[]);
    await Promise.all(names.filter((n) => n.startsWith(prefix) && n.endsWith('.tmp')).map((n) => rm(join(this.dir, n), { force: true })));
  }

  /**
   * Claims the right to upload this file to this key: one process and one queue item at a time,
   * since two at once would abort or overwrite each other's multipart upload and saved state.
   * Returns the keeper for the run and the function that gives the claim back.
   */
  async claim(id: UploadIdentity, startedAt: () => string): Promise<{ keeper: UploadKeeper; release: () => Promise<void> }> {
    const inProgress = (heldBy: { pid: number }) =>
      new FerryError(
        'UPLOAD_IN_PROGRESS',
        `${id.file} is already being uploaded to s3://${id.bucket}/${id.key}${heldBy.pid === process.pid ? '' : ` by another Ferry (process ${heldBy.pid})`}. Wait for that upload to finish, or cancel it first.`,
      );
    const byPath = await tryLock(`${this.path(id)}.lock`);
    if ('heldBy' in byPath) throw inProgress(byPath.heldBy);
    // The same file under another name (a symbolic or hard link) is the same upload: one that may
    // go in parts (larger than the smallest part) is claimed by the file itself too, so two runs
    // never send and complete it twice. (The claim by path stays: an abort from outside looks at
    // it.) A smaller file goes as one PUT of the same bytes whichever name sent it.
    const file = await stat(id.file).catch(() => undefined);
    let byFile: Awaited<ReturnType<typeof tryLock>> | undefined;
    try {
      if (file && file.size > MIN_PART_SIZE) byFile = await tryLock(join(this.dir, `${this.hash([id.account, id.endpoint, String(file.dev), String(file.ino), id.bucket, id.key])}.file.lock`));
    } catch (err) {
      await byPath.release();
      throw err;
    }
    if (byFile && 'heldBy' in byFile) {
      await byPath.release();
      throw inProgress(byFile.heldBy);
    }
    const held = byFile;
    const lock = {
      release: async () => {
        await held?.release();
        await byPath.release();
      },
    };
    let saved: SavedUpload | undefined;
    let writes = Promise.resolve();
    const keeper: UploadKeeper = {
      load: async () => (saved = await this.get(id)),
      others: async () => {
        const mine = this.path(id);
        return new Set((await this.list().catch(() => [])).flatMap((s) => (s.uploadId && this.path(s) !== mine ? [s.uploadId] : [])));
      },
      save: (state, paused) => {
        const record: SavedUpload = { ...state, ...id, startedAt: saved?.startedAt ?? startedAt(), ...(paused ? { paused } : {}) };
        const next = writes.then(() => this.save(record));
        writes = next.catch(() => {});
        return next;
      },
      remove: () => {
        const next = writes.then(() => this.delete(id));
        writes = next.catch(() => {});
        return next;
      },
    };
    return { keeper, release: () => writes.then(lock.release) };
  }

  /**
   * Aborts an unfinished upload from outside its run (ferry uploads abort, the window's list of
   * unfinished uploads). Refused while a Ferry on this computer is sending it: that upload's
   * claim is held, and aborting under it would fail it. Its saved state goes with it, so nothing
   * later tries to continue an upload that is gone.
   */
  async abortFromOutside(storage: { abortMultipartUpload(bucket: string, key: string, uploadId: string): Promise<unknown> }, bucket: string, key: string, uploadId: string): Promise<void> {
    // Any live upload of this key counts, not only one that already knows this upload ID: one
    // whose Create answer is still on its way is sending exactly this upload.
    const states = (await this.list().catch(() => [])).filter((s) => s.bucket === bucket && s.key === key);
    const saved = states.find((s) => s.uploadId === uploadId);
    let live: { state: SavedUpload; holder: { pid: number } } | undefined;
    for (const state of states) {
      const holder = await lockHolder(`${this.path(state)}.lock`);
      if (holder && (state.uploadId === uploadId || !state.uploadId)) live = { state, holder };
    }
    if (live) {
      const { holder } = live;
      throw new FerryError(
        'UPLOAD_IN_PROGRESS',
        `s3://${bucket}/${key} is being uploaded right now by ${holder.pid === process.pid ? 'this Ferry' : `another Ferry on this computer (process ${holder.pid})`}, from ${live.state.file}. Cancel it there first, or wait for it to finish.`,
      );
    }
    await storage.abortMultipartUpload(bucket, key, uploadId);
    if (saved) await this.delete(saved);
  }

  async list(): Promise<SavedUpload[]> {
    let names: string[];
    try {
      names = await readdir(this.dir);
    } catch (err) {
      if (systemCode(err) === 'ENOENT') return [];
      throw err;
    }
    const out: SavedUpload[] = [];
    for (const name of names.filter((n) => n.endsWith('.json'))) {
      try {
        const parsed = SavedUploadSchema.read(JSON.parse(await readFile(join(this.dir, name), 'utf8')));
        if (parsed.ok) out.push(parsed.value);
      } catch {
        // unreadable or torn: ignore (it was never renamed into place half-written)
      }
    }
    return out.sort((a, b) => a.startedAt.localeCompare(b.startedAt));
  }
}
