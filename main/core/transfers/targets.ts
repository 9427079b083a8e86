/**
 * Where downloaded objects go on this computer: one writer per local file, nothing written
 * outside the chosen folder.
 *
 * Keys are made into file names segment by segment (downloadName), so two keys can become one
 * name ("f/a\x01.txt" and "f/a\x02.txt" both make "a_.txt"; on macOS and Windows "A.txt" and
 * "a.txt" are one file). A plan gives every object a target of its own, comparing names as the
 * folder's file system does (case folded where it folds case), and never a name a file and a
 * folder both need. A key that cannot become a file here is reported and skipped; the rest go on.
 */
import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { access, lstat, mkdir, open, realpath, rm, stat } from 'node:fs/promises';
import { basename, dirname, extname, join, resolve } from 'node:path';
import { FerryError, systemCode } from '../errors';
import { checkKey } from '../s3/names';
import { objectsUnder } from '../s3/collect';
import type { ObjectInfo, Storage } from '../s3/storage';
import { UNSAFE } from '../text';
import { PinnedFolder } from './pinned';

export const PARTIAL_SUFFIX = '.ferry-download';

/** A download's progress file's temporary copy (NAME.ferry-download.json.PID.RAND.tmp), which a later download clears. */
const FERRY_TEMP = /\.ferry-download\.json\.\d+\.[0-9a-f]{8}\.tmp$/;

/** The longest file name written (bytes of UTF-8): under every file system's 255. */
const MAX_NAME_BYTES = 200;
/** The longest path written; PATH_MAX is 4,096 on Linux, 1,024 on macOS. */
const MAX_PATH_BYTES = 1000;

/** Cuts a name to at most `max` bytes of UTF-8 without splitting a character, keeping its extension. */
function cutToBytes(name: string, max: number): string {
  if (Buffer.byteLength(name) <= max) return name;
  const ext = extname(name);
  const keep = Buffer.byteLength(ext) < max / 2 ? ext : '';
  let stem = name.slice(0, name.length - keep.length);
  while (Buffer.byteLength(stem) + Buffer.byteLength(keep) > max) stem = stem.slice(0, -1);
  // A lone high surrogate left at the end is half a character.
  if (/[\uD800-\uDBFF]$/.test(stem)) stem = stem.slice(0, -1);
  return stem + keep;
}

/** The file name a key (or one segment of one) downloads as: its last segment, made safe for every file system. */
export function downloadName(key: string, platform: NodeJS.Platform = process.platform): string {
  const leaf = basename(key.replace(/\/+$/, '')) || 'download';
  // Windows refuses more characters in names than macOS and Linux do.
  // eslint-disable-next-line no-control-regex -- control characters are exactly what must not reach a file name
  const unsafe = platform === 'win32' ? /[\u0000-\u001f<>:"/\\|?*\u007f]/g : /[\u0000-\u001f/\u007f]/g;
  // Nor may a saved file disguise itself: C1 and bidi controls go too ("invoice\u202Efdp.exe"
  // would show as "invoiceexe.pdf" in a file manager).
  const safe = leaf.replace(unsafe, '_').replace(UNSAFE, '_').replace(/^\.+$/, '_');
  return cutToBytes(safe, MAX_NAME_BYTES) || 'download';
}

/**
 * Makes the folder a download goes into, and its parents, one at a time from the nearest that
 * exists (Node's recursive mkdir spins for ever where a folder refuses a child with ENOENT, as
 * /proc does). A failure is said in local words: a read-only disk also answers ENOENT, so the
 * nearest folder that exists is asked what is wrong.
 */
export async function makeFolder(path: string): Promise<void> {
  try {
    const missing: string[] = [];
    let at = path;
    while (at !== dirname(at) && !(await exists(at))) {
      missing.unshift(at);
      at = dirname(at);
    }
    for (const dir of missing) {
      await mkdir(dir).catch((err: unknown) => {
        if (systemCode(err) !== 'EEXIST') throw err;
      });
    }
    // A file (or a link to one) of that name is no folder.
    if (!(await stat(path)).isDirectory()) throw Object.assign(new Error(`ENOTDIR: not a directory, mkdir '${path}'`), { code: 'ENOTDIR' });
  } catch (err) {
    let above = dirname(path);
    while (above !== dirname(above) && !(await exists(above))) above = dirname(above);
    const info = await lstat(path).catch(() => undefined);
    const why = info && !info.isDirectory()
      ? 'a file of that name is in the way'
      : await access(above, constants.W_OK).then(
          () => (systemCode(err) === 'ENOENT' ? `${above} does not take new folders` : `${systemCode(err) ?? (err as Error).message} in ${above}`),
          (e: unknown) => (systemCode(e) === 'EROFS' ? `the disk holding ${above} is read-only` : `you cannot write in ${above}`),
        );
    throw new FerryError('FILE_UNREADABLE', `Cannot make the folder ${path}: ${why}. Choose another folder, then download again.`, { cause: err });
  }
}

/** Whether the file system of `dir` treats names that differ only in case as one (macOS, Windows; Linux with casefold). */
export async function foldsCase(dir: string): Promise<boolean> {
  const probe = join(dir, `.ferry-case-${randomBytes(6).toString('hex')}-Aa`);
  const fh = await open(probe, 'wx').catch(() => undefined);
  if (!fh) return process.platform === 'darwin' || process.platform === 'win32';
  await fh.close();
  try {
    return await lstat(probe.replace(/-Aa$/, '-aA')).then(() => true, () => false);
  } finally {
    await rm(probe, { force: true });
  }
}

/** Names as the file system compares them. */
export type Fold = (path: string) => string;
const folder = (folds: boolean): Fold => (folds ? (p) => p.normalize('NFC').toLowerCase() : (p) => p);

const exists = (p: string) => lstat(p).then(() => true, (err: unknown) => systemCode(err) !== 'ENOENT');

export interface DownloadTarget {
  key: string;
  file: string;
  size: number;
  /** The real path of the file's folder, as checked when planned: the download refuses to write if it leads elsewhere later. */
  folder: string;
}

export interface SkippedObject {
  key: string;
  reason: string;
}

export interface DownloadPlan {
  items: DownloadTarget[];
  skipped: SkippedObject[];
}

export interface PlanOptions {
  /**
   * Replace files already there (the CLI, as aws s3 cp does) instead of choosing "name (1).ext"
   * beside them (the window, as browsers do).
   */
  replace: boolean;
  /** Whether the folder's file system folds case; found out by a probe file unless given (tests). */
  folds?: boolean;
  /** Whether a path is one some other download in this process will write (queued, running or paused), compared as `fold` does: never given out again. */
  busy?: (file: string, fold: Fold) => boolean;
}

/**
 * Plans a download of objects and folders into `root`: a name ending in "/" is a folder,
 * downloaded with everything below it into a folder of that name (the CLI's --recursive passes
 * the objects' common prefix with `into: root` to put its contents into root itself).
 * Directories are made as the plan goes, and each is checked to be inside root once made (a
 * symbolic link in the way is not followed out of it).
 */
export class TargetPlanner {
  private readonly claimed = new Set<string>();
  private readonly dirs = new Set<string>();
  /**
   * The real path of each folder of the plan (root, and each folder made or found in it), as
   * made: the root's real path joined with the names the plan chose, never looked up again (a
   * folder swapped for a link after it was made must not move the plan elsewhere). Downloads
   * walk this path without following links, so a swap later is refused, not followed.
   */
  private readonly real = new Map<string, string>();
  private readonly out: DownloadPlan = { items: [], skipped: [] };
  private realRoot = '';

  private constructor(
    private readonly root: string,
    private readonly fold: Fold,
    private readonly opts: PlanOptions,
  ) {}

  static async create(root: string, opts: PlanOptions): Promise<TargetPlanner> {
    const abs = resolve(root);
    await makeFolder(abs);
    const planner = new TargetPlanner(abs, folder(opts.folds ?? (await foldsCase(abs))), opts);
    planner.realRoot = await realpath(abs);
    planner.real.set(abs, planner.realRoot);
    return planner;
  }

  get plan(): DownloadPlan {
    return this.out;
  }

  /**
   * The first of "name.ext", "name (1).ext", … in `dir` that is free for this plan: not given to
   * another object of it, nor to another download of this process, and on disk either nothing,
   * or (when replacing) a file to replace, or (for a folder, when merging) a folder.
   */
  private async free(dir: string, name: string, kind: 'file' | 'dir'): Promise<string> {
    const ext = kind === 'file' ? extname(name) : '';
    const stem = name.slice(0, name.length - ext.length) || name;
    for (let i = 0; ; i++) {
      const candidate = join(dir, i === 0 ? name : `${stem} (${i})${ext}`);
      const f = this.fold(candidate);
      if (kind === 'dir' && this.dirs.has(f)) return candidate;
      // Names Ferry gives its own files beside a download (cleared as stale when found) are never a target.
      if (FERRY_TEMP.test(candidate)) continue;
      // A file's name brings its partial file and progress file with it: none of the three may be another's.
      const companions = [candidate + PARTIAL_SUFFIX, candidate + PARTIAL_SUFFIX + '.json'];
      if (this.claimed.has(f) || this.dirs.has(f) || companions.some((c) => this.claimed.has(this.fold(c))) || this.opts.busy?.(candidate, this.fold)) continue;
      const info = await lstat(candidate).catch(() => undefined);
      if (!info) {
        if (kind === 'dir' || this.opts.replace) return candidate;
        if (!(await exists(companions[0]!)) && !(await exists(companions[1]!))) return candidate;
        continue;
      }
      // Replacing is for files, merging for folders; a link or anything else at the name stays.
      if (this.opts.replace && (kind === 'file' ? info.isFile() : info.isDirectory())) return candidate;
    }
  }

  /**
   * Makes (or finds) the folder `name` in `dir` for this plan, inside root; a reason when it
   * cannot be. It is made through its parent held open (never through a link swapped in above
   * it), and must then be a real folder, not a link.
   */
  private async folder(dir: string, name: string): Promise<string | { reason: string }> {
    const path = await this.free(dir, name, 'dir');
    if (!this.dirs.has(this.fold(path))) {
      const parentReal = this.real.get(dir)!;
      const real = join(parentReal, basename(path));
      const parent = await PinnedFolder.open(parentReal, dir).catch((err: unknown) => err as Error);
      if (parent instanceof Error) return { reason: `${dir} changed while the download was planned (${parent.message}), so nothing is written there` };
      try {
        await mkdir(parent.at(basename(path)).path);
      } catch (err) {
        const code = systemCode(err);
        const why = code === 'EROFS' ? `the disk holding ${dir} is read-only` : code === 'ENOSPC' || code === 'EDQUOT' ? `the disk holding ${dir} is full` : code === 'EACCES' || code === 'EPERM' ? `you cannot write in ${dir}` : (code ?? (err as Error).message);
        if (code !== 'EEXIST') return { reason: `the folder ${path} cannot be made: ${why}` };
      } finally {
        await parent.close();
      }
      const made = await PinnedFolder.open(real, path).catch(() => undefined);
      if (!made) return { reason: `${path} leads outside ${this.root} (a symbolic link), so nothing is written through it` };
      await made.close();
      this.dirs.add(this.fold(path));
      this.real.set(path, real);
    }
    return path;
  }

  /** Adds one object: `rel` is its path below the download's folder, as key segments. */
  async add(key: string, size: number, rel: string[], base: string = this.root): Promise<void> {
    try {
      checkKey(key);
    } catch {
      return void this.out.skipped.push({ key: key.slice(0, 200), reason: 'its name is longer than S3 allows (1,024 bytes); the server sent something no S3 server stores' });
    }
    // An empty segment ("a//b") names no folder: it is dropped, as joining the path drops it.
    const names = innerNamed(rel).map((s) => downloadName(s));
    let dir = base;
    for (const segment of names.slice(0, -1)) {
      const made = await this.folder(dir, segment);
      if (typeof made !== 'string') return void this.out.skipped.push({ key, reason: made.reason });
      dir = made;
    }
    const file = await this.free(dir, names.at(-1) ?? 'download', 'file');
    if (Buffer.byteLength(file) > MAX_PATH_BYTES) return void this.out.skipped.push({ key, reason: `its path here would be over ${MAX_PATH_BYTES} bytes long` });
    for (const name of [file, file + PARTIAL_SUFFIX, file + PARTIAL_SUFFIX + '.json']) this.claimed.add(this.fold(name));
    this.out.items.push({ key, file, size, folder: this.real.get(dir)! });
  }

  /** A folder of the plan's own (a selected folder in the window): a fresh one beside anything there. */
  async addFolder(name: string): Promise<string | undefined> {
    const made = await this.folder(this.root, downloadName(name));
    return typeof made === 'string' ? made : undefined;
  }
}

/** Key segments below a download's folder without the empty ones between slashes (the last stays: it is the file). */
const innerNamed = (rel: string[]) => rel.filter((s, i) => s !== '' || i === rel.length - 1);

/**
 * Objects whose names are already file names first, so each keeps its own name and a name
 * that had to be cleaned (a control character made "_") takes the next free one, never theirs.
 */
function exactFirst<T extends { key: string }>(objects: T[], from: number): T[] {
  // An empty segment dropped ("a//b.txt") is a changed name too.
  const exact = (o: T) => o.key.slice(from).split('/').every((s) => downloadName(s) === s);
  return [...objects.filter(exact), ...objects.filter((o) => !exact(o))];
}

/**
 * The window's download: files and folders (names ending in "/") from one bucket into `root`,
 * never replacing anything there, each selected folder made anew beside what is there.
 * Everything is asked of the server before anything is made here, so a server that cannot be
 * reached (the window then plans again when it is back: waiting-transfers.ts) or that refuses
 * leaves no empty folder behind to push the next plan to "name (1)".
 */
export async function planDownload(storage: Storage, bucket: string, names: string[], root: string, opts: Omit<PlanOptions, 'replace'> = {}): Promise<DownloadPlan> {
  const found: Array<{ name: string; size: number } | { name: string; objects: ObjectInfo[] }> = [];
  for (const name of names) found.push(name.endsWith('/') ? { name, objects: await objectsUnder(storage, bucket, name) } : { name, size: (await storage.head(bucket, name)).size });
  const planner = await TargetPlanner.create(root, { ...opts, replace: false });
  for (const f of found) {
    const { name } = f;
    if ('size' in f) {
      await planner.add(name, f.size, [name.slice(name.lastIndexOf('/') + 1)]);
      continue;
    }
    const top = await planner.addFolder(name);
    if (!top) {
      planner.plan.skipped.push({ key: name, reason: `no folder for it can be made in ${root}` });
      continue;
    }
    for (const o of exactFirst(f.objects, name.length)) {
      if (o.key.endsWith('/')) {
        if (o.size > 0) planner.plan.skipped.push({ key: o.key, reason: `its name ends in "/", the mark of a folder, yet it holds ${o.size} bytes; no file can have that name` });
        continue;
      }
      await planner.add(o.key, o.size, o.key.slice(name.length).split('/'), top);
    }
  }
  return planner.plan;
}

/** The CLI's --recursive download: every object below `prefix` into `root`, keeping the tree, replacing files there. */
export async function planRecursive(storage: Storage, bucket: string, prefix: string, root: string, signal?: AbortSignal, opts: Omit<PlanOptions, 'replace'> = {}): Promise<DownloadPlan> {
  // Listed first: a prefix with nothing under it (a typo) or a bucket that is not there makes no folder.
  const objects = await objectsUnder(storage, bucket, prefix, signal);
  if (!objects.length) return { items: [], skipped: [] };
  const planner = await TargetPlanner.create(root, { ...opts, replace: true });
  for (const o of exactFirst(objects, prefix.length)) {
    if (o.key.endsWith('/')) {
      if (o.size > 0) planner.plan.skipped.push({ key: o.key, reason: `its name ends in "/", the mark of a folder, yet it holds ${o.size} bytes; no file can have that name` });
      continue;
    }
    await planner.add(o.key, o.size, o.key.slice(prefix.length).split('/'));
  }
  return planner.plan;
}
