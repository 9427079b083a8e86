import { limitFor, type Limit, type LimitTrace } from './adaptive';
import { randomUUID } from 'node:crypto';
import { isFerryError } from '../errors';
import type { Connection } from '../ferry';
import { existingKeys } from '../s3/collect';
import { keptBeside } from './free-names';
import { discardPartial } from './partial';
import type { PendingDownload, PendingDownloads } from './pending-downloads';
import { partLength } from './plan';
import type { Progress } from './progress';
import type { SavedUpload } from './state';
import type { MultipartState, UploadResult } from './upload';
import type { DownloadResult } from './download';
import type { Direction, TransferView } from './transfer-view';

export type { Direction, TransferStatus, TransferView } from './transfer-view';

export interface NewTransfer {
  account: string;
  bucket: string;
  key: string;
  /** The local file: read by an upload, written by a download. */
  file: string;
  size: number;
  /** Uploads unless said otherwise. */
  direction?: Direction;
  /** A download's folder (real path) as planned: it refuses to write if the folder leads elsewhere later. */
  folder?: string;
  /** A download replaces a file already at its name (as aws s3 cp does) instead of taking the next free name. */
  replace?: boolean;
  /** An upload or download starts afresh instead of continuing an interrupted one (the CLI's --no-resume). */
  fresh?: boolean;
  /** An upload stores nothing if the key holds an object by then (the CLI's --no-clobber; see UploadRequest.ifAbsent). */
  ifAbsent?: boolean;
  /**
   * Kept beside whatever is there (the window's Keep both, files shared from outside): stored
   * only-if-absent, and a name found taken when it is stored (another writer got there first, or
   * it waited offline where no one could say which names were free) moves the upload to the next
   * free numbered name ("report (2).pdf") instead of failing it.
   */
  keepBoth?: boolean;
}

interface Job extends TransferView {
  /** A download's planned folder (see NewTransfer.folder). */
  folder?: string;
  replace?: boolean;
  fresh?: boolean;
  ifAbsent?: boolean;
  keepBoth?: boolean;
  /** The name a keep-both upload was planned under: numbered names are counted from it. */
  wanted?: string;
  cancel?: AbortController;
  pause?: AbortController;
  state?: MultipartState;
  /** A download's bytes kept in its partial file (what a pause keeps). */
  kept?: number;
  /** How many later jobs started ahead of this one while it did not fit. */
  overtaken?: number;
  /** Held until released (see hold): told to plan the entry anew when Retry is asked for after its plan failed. */
  held?: (id: string) => void;
}

export interface QueueOptions {
  /** An open connection for an account (the queue does not close it). */
  connection(account: string): Promise<Connection>;
  /** Files uploading at once; each sends several parts at once itself. */
  maxActive?: number;
  /**
   * Lets the number of files at once grow from maxActive up to this many (in the same units)
   * while that moves more bytes, measured as files finish (adaptive.ts); unset, it stays.
   */
  adaptUpTo?: number;
  /** The clock the adapting number is measured by (the system's by default). */
  now?: () => number;
  /** Called on every change of a transfer; the IPC layer batches these. */
  onChange(view: TransferView): void;
  /** The user's part size and parts in flight, read as each upload starts (unset: Ferry chooses per file). */
  tuning?(): Promise<{ partSize?: number; concurrency?: number }>;
  /** Called once when a transfer finishes (with what it made, when it is done): notifications, history, copying a link. */
  onFinished?(view: TransferView, result?: UploadResult | DownloadResult): void;
  /** Where downloads that may still be continued are listed, so a later start can offer them again. */
  pendingDownloads?: PendingDownloads;
}

/**
 * The transfer queue behind the window (and the CLI's cp --recursive): uploads and downloads
 * wait, a few run at once, and each can be paused (an upload's finished parts stay on the server,
 * a download's bytes in its partial file), resumed, cancelled (the multipart upload is aborted,
 * the partial file removed) or retried.
 */
export class TransferQueue {
  private readonly jobs = new Map<string, Job>();
  /** Jobs waiting to start, oldest first; started or dropped ones become holes skipped by `head`. */
  private waiting: Array<Job | undefined> = [];
  private head = 0;
  private active = 0;
  /** Room for running jobs, in weights (a small file 1, a large one LARGE). */
  private readonly room: Limit;

  constructor(private readonly opts: QueueOptions) {
    const capacity = (opts.maxActive ?? 2) * LARGE;
    this.room = limitFor(!opts.adaptUpTo, { initial: capacity, max: Math.max(capacity, (opts.adaptUpTo ?? 0) * LARGE), min: 1, now: opts.now ?? Date.now });
  }

  /** How the room for running transfers changed (the benchmark and --debug show it). */
  roomTrace(): LimitTrace {
    return this.room.trace();
  }

  add(items: NewTransfer[]): TransferView[] {
    const added = items.map((item) => this.newJob(item, 'queued'));
    this.enqueue(added);
    return added.map(view);
  }

  /**
   * Lists entries that cannot start yet, because what they are must be learnt from a server
   * that cannot be reached now (see offline.ts): shown as waiting for the network, they take no
   * slot, send and write nothing, and can be paused or cancelled meanwhile. `release` turns
   * each into the transfer planned for it. `again` is told when Retry asks to plan anew one
   * whose plan failed.
   */
  hold(items: NewTransfer[], again: (id: string) => void): TransferView[] {
    return items.map((item) => {
      const job = this.newJob(item, 'queued');
      job.held = again;
      this.changed(job);
      return view(job);
    });
  }

  /**
   * A held entry becomes the first transfer planned for it (the same row, with its size and
   * file now known), and the others its plan made (a folder's files) are listed after it in its
   * state: queued ones start, paused ones wait for Resume. An error fails it with its reason.
   * Nothing happens to an entry cancelled meanwhile, or not held.
   */
  release(id: string, planned: [NewTransfer, ...NewTransfer[]] | Error): TransferView[] {
    const job = this.jobs.get(id);
    if (!job?.held || job.status === 'cancelled') return [];
    if (planned instanceof Error) {
      this.set(job, { status: 'failed', error: planned.message, ...(isFerryError(planned) ? { errorCode: planned.code } : {}) });
      this.opts.onFinished?.(view(job));
      return [];
    }
    const [first, ...rest] = planned;
    Object.assign(job, first);
    delete job.held;
    const all = [job, ...rest.map((item) => this.newJob(item, job.status))];
    this.enqueue(all, job.status === 'queued');
    return all.map(view);
  }

  private newJob(item: NewTransfer, status: Job['status']): Job {
    const job: Job = { ...item, direction: item.direction ?? 'upload', id: randomUUID(), status, bytesDone: 0, bytesPerSecond: 0 };
    this.jobs.set(job.id, job);
    return job;
  }

  /** Lists new jobs (downloads in pendingDownloads too); queued ones wait for a slot, paused ones for Resume. */
  private enqueue(jobs: Job[], start = true): void {
    for (const job of jobs) this.changed(job);
    const downloads = jobs.filter((j) => j.direction === 'download');
    if (downloads.length) this.remember(this.opts.pendingDownloads?.add(downloads));
    if (!start) return;
    this.waiting.push(...jobs);
    this.pump();
  }

  /**
   * Brings back uploads saved by an earlier run (interrupted by a crash or quit, or paused) as
   * paused transfers, so the window offers to resume them.
   */
  restore(saved: SavedUpload[]): TransferView[] {
    const restored = saved.map((s) => {
      const job: Job = {
        id: randomUUID(),
        direction: 'upload',
        account: s.account,
        bucket: s.bucket,
        key: s.key,
        file: s.file,
        size: s.size,
        status: 'paused',
        bytesDone: storedBytes(s),
        bytesBefore: storedBytes(s),
        bytesPerSecond: 0,
      };
      this.jobs.set(job.id, job);
      this.changed(job);
      return view(job);
    });
    return restored;
  }

  /** Brings back downloads an earlier run did not finish, paused, with the bytes they already hold. */
  restoreDownloads(saved: Array<PendingDownload & { kept: number }>): TransferView[] {
    const known = new Set([...this.jobs.values()].filter((j) => j.direction === 'download').map((j) => j.file));
    return saved
      .filter((d) => !known.has(d.file))
      .map((d) => {
        const job: Job = { id: randomUUID(), direction: 'download', account: d.account, bucket: d.bucket, key: d.key, file: d.file, ...(d.folder ? { folder: d.folder } : {}), size: d.size, status: 'paused', bytesDone: d.kept, bytesBefore: d.kept, bytesPerSecond: 0, kept: d.kept };
        this.jobs.set(job.id, job);
        this.changed(job);
        return view(job);
      });
  }

  /** A failure to write the list of pending downloads loses only the offer after a restart. */
  private remember(p: Promise<void> | undefined): void {
    p?.catch(() => {});
  }

  list(): TransferView[] {
    return [...this.jobs.values()].map(view);
  }

  get(id: string): TransferView | undefined {
    const job = this.jobs.get(id);
    return job && view(job);
  }

  pause(id: string): void {
    const job = this.find(id);
    if (job.status === 'queued') this.set(job, { status: 'paused', bytesPerSecond: 0 });
    else if (job.status === 'running') job.pause?.abort();
  }

  resume(id: string): void {
    const job = this.find(id);
    if (job.status === 'paused') {
      this.set(job, { status: 'queued' });
      // A held entry waits for its release, not for a slot.
      if (job.held) return;
      this.waiting.push(job);
      this.pump();
    }
  }

  async cancel(id: string): Promise<void> {
    const job = this.find(id);
    if (job.status === 'running') {
      job.cancel?.abort();
      return;
    }
    // A held entry has nothing anywhere yet (its file name is not even planned): nothing to clean up.
    if (job.held && (job.status === 'queued' || job.status === 'paused')) {
      this.set(job, { status: 'cancelled', bytesPerSecond: 0 });
      this.opts.onFinished?.(view(job));
      return;
    }
    if (job.status === 'queued' || job.status === 'paused') {
      job.state = undefined;
      this.set(job, { status: 'cancelled', bytesPerSecond: 0 });
      // A paused upload keeps parts on the server: abort it so they stop being billed. A paused
      // download keeps a partial file: remove it.
      try {
        if (job.direction === 'download') {
          await discardPartial(job.file);
          this.remember(this.opts.pendingDownloads?.remove(job.file));
        }
        else await (await this.opts.connection(job.account)).abandon(job.file, job.bucket, job.key);
      } catch (err) {
        this.set(job, { status: 'failed', error: err instanceof Error ? err.message : String(err) });
      }
      this.opts.onFinished?.(view(job));
    }
  }

  retry(id: string): void {
    const job = this.find(id);
    if (job.held && job.status === 'failed') {
      const { error: _error, errorCode: _code, ...rest } = job;
      const again: Job = { ...rest, status: 'queued' };
      this.jobs.set(id, again);
      this.changed(again);
      again.held?.(id);
      return;
    }
    if (job.status === 'failed' || job.status === 'cancelled') {
      const { error: _error, bytesBefore: _before, ...rest } = job;
      const again: Job = { ...rest, status: 'queued', bytesDone: 0, bytesPerSecond: 0, overtaken: 0 };
      this.jobs.set(id, again);
      this.changed(again);
      if (again.direction === 'download') this.remember(this.opts.pendingDownloads?.add([again]));
      this.waiting.push(again);
      this.pump();
    }
  }

  /** The files downloads in this queue will write or are writing (queued, running, paused or failed): a new plan gives none of them out again. */
  downloadTargets(): string[] {
    // A held entry's file is only a name to show until its plan gives it one.
    return [...this.jobs.values()].filter((j) => j.direction === 'download' && !j.held && j.status !== 'done' && j.status !== 'cancelled').map((j) => j.file);
  }

  /** Forgets finished and cancelled transfers; failed ones stay listed, to be retried. */
  clearFinished(): void {
    for (const [id, job] of this.jobs) if (job.status === 'done' || job.status === 'cancelled') this.jobs.delete(id);
  }

  private find(id: string): Job {
    const job = this.jobs.get(id);
    if (!job) throw new Error(`No transfer ${id}`);
    return job;
  }

  private set(job: Job, patch: Partial<Job>): void {
    Object.assign(job, patch);
    if ((!('etaSeconds' in patch) && patch.status && patch.status !== 'running') || job.etaSeconds === undefined) delete job.etaSeconds;
    this.changed(job);
  }

  private changed(job: Job): void {
    this.opts.onChange(view(job));
  }

  /**
   * Starts queued transfers while there is room, oldest first. A large file (sent in parallel
   * parts) takes a whole slot; small files take a quarter, so a folder of small files moves
   * several at a time. Fairness: when the oldest waiting job does not fit, the small ones behind
   * it may start ahead of it only OVERTAKE_LIMIT times, and only from the next SCAN_LIMIT
   * entries; after that nothing passes it, and it starts as soon as room frees up.
   */
  private pump(): void {
    let blocked: Job | undefined;
    let scanned = 0;
    for (let i = this.head; i < this.waiting.length && this.active < this.room.limit; i++) {
      const job = this.waiting[i];
      if (!job) continue;
      if (job.status !== 'queued' || this.jobs.get(job.id) !== job) {
        this.waiting[i] = undefined;
        continue;
      }
      if (blocked && ++scanned > SCAN_LIMIT) break;
      // With nothing running, any job fits (a room cut below a large file's weight never starves it).
      if (this.active > 0 && this.active + weight(job) > this.room.limit) {
        blocked ??= job;
        if ((blocked.overtaken ?? 0) >= OVERTAKE_LIMIT) break;
        continue;
      }
      if (blocked) blocked.overtaken = (blocked.overtaken ?? 0) + 1;
      this.waiting[i] = undefined;
      void this.run(job);
    }
    // Starting from the first job still waiting keeps a drop of 10,000 files linear, not quadratic.
    while (this.head < this.waiting.length && !this.waiting[this.head]) this.head++;
    if (this.head > 1024 && this.head * 2 > this.waiting.length) {
      this.waiting = this.waiting.slice(this.head);
      this.head = 0;
    }
  }

  private async run(job: Job): Promise<void> {
    const w = weight(job);
    this.active += w;
    job.cancel = new AbortController();
    job.pause = new AbortController();
    this.set(job, { status: 'running', waiting: false });
    try {
      const conn = await this.opts.connection(job.account);
      // The server says it has too much to do: fewer transfers at once (each also has fewer requests).
      const onOverload = () => this.room.overloaded();
      const onWaiting = (waiting: boolean) => this.set(job, { waiting, ...(waiting ? { bytesPerSecond: 0, etaSeconds: undefined } : {}) });
      const onProgress = (p: Progress) => {
        if (job.status !== 'running') return;
        // Bytes moving again means the network is back, whatever the retry bookkeeping says.
        const flowing = job.waiting && p.bytesDone > job.bytesDone;
        // While it waits for the network nothing moves, whatever the recent rate was.
        const stalled = job.waiting && !flowing;
        // Never backwards: parts a pause cut off are sent again before the count moves on. No time
        // left is no time left: once every byte is taken, the window says "Finishing…" (the
        // meter's etaSeconds is undefined), so an earlier "1s left" must not stay behind.
        this.set(job, {
          bytesDone: Math.max(job.bytesDone, p.bytesDone),
          ...(p.bytesBefore ? { bytesBefore: p.bytesBefore } : {}),
          bytesPerSecond: stalled ? 0 : p.bytesPerSecond,
          etaSeconds: stalled ? undefined : p.etaSeconds,
          ...(flowing ? { waiting: false } : {}),
        });
      };
      const tuning = (await this.opts.tuning?.()) ?? {};
      if (job.direction === 'download') {
        // Afresh once (--no-resume): a pause and resume after that continues what this run kept.
        const fresh = job.fresh;
        job.fresh = false;
        const got = await conn.download({
          ...tuning,
          ...(fresh ? { resume: false } : {}),
          bucket: job.bucket,
          key: job.key,
          file: job.file,
          ...(job.folder ? { folder: job.folder } : {}),
          ...(job.replace ? { replace: true } : {}),
          signal: job.cancel.signal,
          pauseSignal: job.pause.signal,
          onKept: (b) => (job.kept = b),
          onWaiting,
          onProgress,
          onOverload,
        });
        job.kept = undefined;
        this.remember(this.opts.pendingDownloads?.remove(job.file));
        // The file's name, if something appeared at the planned one meanwhile, is the next free one.
        this.set(job, { status: 'done', file: got.file, bytesDone: job.size, bytesPerSecond: 0, verified: got.verified });
        this.room.done(job.size);
        this.opts.onFinished?.(view(job), got);
        return;
      }
      const upload = () =>
        conn.upload({
          ...tuning,
          file: job.file,
          bucket: job.bucket,
          key: job.key,
          signal: job.cancel!.signal,
          pauseSignal: job.pause!.signal,
          ...(job.ifAbsent || job.keepBoth ? { ifAbsent: true } : {}),
          onState: (state) => (job.state = state),
          onWaiting,
          onProgress,
          onOverload,
        }, job.fresh ? { resume: false } : {});
      // Keep both: taken by the time it was stored, it moves to the next name free on the server
      // and not planned for another transfer in this list (nothing was stored under the taken name).
      const othersInList = (keys: string[]) =>
        existingKeys(conn.storage, job.bucket, keys, job.cancel!.signal).then((there) => {
          for (const other of this.jobs.values()) if (other !== job && other.bucket === job.bucket && other.account === job.account && other.direction === 'upload' && other.status !== 'cancelled' && other.status !== 'failed') there.add(other.key);
          return there;
        });
      const result: UploadResult = job.keepBoth
        ? await keptBeside((job.wanted ??= job.key), job.key, othersInList, upload, (key) => {
            job.state = undefined;
            this.set(job, { key, bytesDone: 0, bytesPerSecond: 0, etaSeconds: undefined });
          })
        : await upload();
      job.state = undefined;
      this.set(job, { status: 'done', bytesDone: job.size, bytesPerSecond: 0 });
      this.room.done(job.size);
      this.opts.onFinished?.(view(job), result);
    } catch (err) {
      if (isFerryError(err, 'PAUSED')) {
        // The count shown stays where it was (it never goes back); parts cut off by the pause are
        // sent again on resume before it moves on.
        this.set(job, { status: 'paused', bytesPerSecond: 0, waiting: false });
      } else if (isFerryError(err, 'CANCELLED')) {
        job.state = undefined;
        if (job.direction === 'download') this.remember(this.opts.pendingDownloads?.remove(job.file));
        // A cancel that could not clean up on the server says what is left and how it goes.
        const plain = /^(Upload|Download) cancelled\.$/.test(err.message);
        this.set(job, { status: 'cancelled', bytesPerSecond: 0, ...(plain ? {} : { error: err.message }) });
        this.opts.onFinished?.(view(job));
      } else {
        job.state = undefined;
        this.set(job, { status: 'failed', bytesPerSecond: 0, error: err instanceof Error ? err.message : String(err), ...(isFerryError(err) ? { errorCode: err.code } : {}) });
        this.opts.onFinished?.(view(job));
      }
    } finally {
      job.cancel = undefined;
      job.pause = undefined;
      this.active -= w;
      this.pump();
    }
  }
}

const LARGE = 4;
/** How many later jobs may start ahead of one that does not fit yet, and how far behind it to look for them. */
const OVERTAKE_LIMIT = 8;
const SCAN_LIMIT = 64;
const weight = (job: { size: number }) => (job.size > 8 * 1024 * 1024 ? LARGE : 1);

function storedBytes(state: Pick<MultipartState, 'parts' | 'partSize' | 'size'>): number {
  return state.parts.reduce((sum, p) => sum + partLength(p.PartNumber, state.partSize, state.size), 0);
}

function view(job: Job): TransferView {
  const { cancel: _c, pause: _p, state: _s, overtaken: _o, kept: _k, folder: _f, replace: _r, fresh: _n, ifAbsent: _a, keepBoth: _b, wanted: _w, held, ...rest } = job;
  return held ? { ...rest, waiting: job.status === 'queued' } : { ...rest };
}
