/**
 * A download's partial file and what it keeps beside it: NAME.ferry-download, written in place,
 * and NAME.ferry-download.json, the ranges already there. Ferry writes only files it made itself
 * (checked by inode, link count and owner), never through a link or over something it did not
 * make, gives the file its name only when whole, and says local faults in local words.
 */
import { constants } from 'node:fs';
import { copyFile, link, lstat, open, readdir, rename, rm, statfs, type FileHandle } from 'node:fs/promises';
import { basename, dirname, extname, join } from 'node:path';
import { FerryError, systemCode } from '../errors';
import type { Place } from './pinned';
import { formatBytes, partLength } from './plan';
import { PARTIAL_SUFFIX } from './targets';

/** What a partial download remembers beside its file, to continue after a pause, a crash or a lost network. */
export interface DownloadState {
  version: 1;
  bucket: string;
  key: string;
  etag: string;
  size: number;
  partSize: number;
  done: number[];
  /** Ranges begun but not finished: [range number, bytes at its start already written]. */
  begun?: Array<[number, number]>;
  /** The partial file Ferry made (device and inode): it is reopened only if it is still that file. */
  dev?: number;
  ino?: number;
}

export const stateFile = (partial: string) => `${partial}.json`;

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
export async function openPartial(at: Place, want: Omit<DownloadState, 'version' | 'done' | 'dev' | 'ino'>, /** The state saved beside it (loadState), as the caller read it. */ saved: DownloadState | undefined): Promise<{ handle: FileHandle; saved?: DownloadState }> {
  const { path: partial, shown } = at;
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
      `${shown} is in the way: it is not a partial download Ferry made (${there.isSymbolicLink() ? 'it is a symbolic link' : there.nlink > 1 ? 'it has other hard links' : !mine(there) ? 'another user owns it or can write to it' : 'Ferry has no record of making it'}). Ferry neither writes through it nor replaces it: move it away, or download to another folder.`,
    );
  }
  const stateThere = await lstat(stateFile(partial)).catch(() => undefined);
  if (stateThere && !stateThere.isFile()) {
    throw new FerryError('FILE_CHANGED', `${stateFile(shown)} is in the way: Ferry keeps a download's progress under that name, and something else is there. Move it away, or download to another folder.`);
  }
  try {
    // Only this user can write it while it is partial; it gets the usual permissions when whole.
    return { handle: await open(partial, CREATE_PARTIAL, 0o600) };
  } catch (err) {
    if (systemCode(err) === 'EEXIST' || systemCode(err) === 'ELOOP') {
      throw new FerryError('FILE_CHANGED', `${shown} appeared while Ferry was about to write it (another program is writing there). Nothing was written through it; try again.`, { cause: err });
    }
    const code = systemCode(err);
    if (code === 'ENOENT' || code === 'ENOTDIR') {
      throw new FerryError('FILE_NOT_FOUND', `The folder ${dirname(shown)} is not there any more (moved, deleted or unmounted). Create it or choose another folder, then download again.`, { cause: err });
    }
    if (code === 'EACCES' || code === 'EPERM') throw new FerryError('FILE_UNREADABLE', `You cannot write in ${dirname(shown)}. Choose a folder you can write to.`, { cause: err });
    if (code === 'EROFS') throw new FerryError('FILE_UNREADABLE', `Cannot write in ${dirname(shown)}: the disk is read-only. Choose another folder, then download again.`, { cause: err });
    throw await localWriteError(at, err);
  }
}

/**
 * Removes what a process killed while saving this download's progress left beside it
 * (NAME.ferry-download.json.PID.RAND.tmp). Called with the claim on the name held, so no live
 * writer owns such a file; only regular files of exactly that form are touched.
 */
export async function clearStaleTemps(partial: Place): Promise<void> {
  const state = stateFile(partial.path);
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
 * where the file system has no hard links (FAT, some network shares), a rename after a look; from
 * another disk, an exclusive copy.
 */
export async function giveName(partial: Place, file: Place, replace: boolean): Promise<string> {
  try {
    if (replace) {
      await rename(partial.path, file.path);
      return file.shown;
    }
    const ext = extname(file.path);
    const stem = basename(file.path).slice(0, basename(file.path).length - ext.length);
    const named = (i: number, p: string) => (i === 0 ? p : join(dirname(p), `${stem} (${i})${ext}`));
    for (let i = 0; ; i++) {
      const candidate = named(i, file.path);
      try {
        await link(partial.path, candidate);
        await rm(partial.path, { force: true });
        return named(i, file.shown);
      } catch (err) {
        const code = systemCode(err);
        if (code === 'EEXIST') continue;
        // Another disk (a file opened in Ferry's working folder): copied where nothing is.
        if (code === 'EXDEV') {
          const copied = await copyFile(partial.path, candidate, constants.COPYFILE_EXCL).then(
            () => true,
            (e: unknown) => {
              if (systemCode(e) === 'EEXIST') return false;
              throw e;
            },
          );
          if (!copied) continue;
          await rm(partial.path, { force: true });
          return named(i, file.shown);
        }
        if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EOPNOTSUPP' && code !== 'ENOSYS' && code !== 'EMLINK') throw err;
        if (await lstat(candidate).then(() => true, () => false)) continue;
        await rename(partial.path, candidate);
        return named(i, file.shown);
      }
    }
  } catch (err) {
    const code = systemCode(err);
    if (code === 'ENOENT') throw new FerryError('FILE_NOT_FOUND', `The folder ${dirname(file.shown)} was deleted or moved away during the download, so nothing was kept. Create it or choose another folder, then download again.`, { cause: err });
    throw await localWriteError(file, err);
  }
}

export async function loadState(partial: string): Promise<DownloadState | undefined> {
  try {
    // Never blocks on a FIFO planted there, and reads only a regular file.
    const fh = await open(stateFile(partial), constants.O_RDONLY | NOFOLLOW | (constants.O_NONBLOCK ?? 0));
    try {
      if (!(await fh.stat()).isFile()) return undefined;
      const s = JSON.parse(await fh.readFile('utf8')) as DownloadState;
      if (!(s.version === 1 && Array.isArray(s.done) && Number.isSafeInteger(s.size) && Number.isSafeInteger(s.partSize) && s.partSize > 0)) return undefined;
      // What is not a list of [range, bytes] pairs is left out (the download checks each pair against its ranges).
      const begun = Array.isArray(s.begun) ? s.begun.filter((b): b is [number, number] => Array.isArray(b) && b.length === 2 && b.every(Number.isSafeInteger)) : undefined;
      const { begun: _listed, ...rest } = s;
      return begun?.length ? { ...rest, begun } : rest;
    } finally {
      await fh.close();
    }
  } catch {
    return undefined;
  }
}

/**
 * What a saved state says is kept, counted as the download counts it: each range once, done
 * ranges whole, begun ones (not done) for the bytes at their start, nothing outside the object.
 */
export function keptOf(s: Pick<DownloadState, 'done' | 'begun' | 'partSize' | 'size'>): { done: Set<number>; begun: Map<number, number>; bytes: number } {
  const parts = Math.max(1, Math.ceil(s.size / s.partSize));
  const valid = (p: number) => Number.isSafeInteger(p) && p >= 1 && p <= parts;
  const done = new Set(s.done.filter(valid));
  const begun = new Map((s.begun ?? []).filter(([p, n]) => valid(p) && !done.has(p) && Number.isSafeInteger(n) && n > 0 && n < partLength(p, s.partSize, s.size)));
  return { done, begun, bytes: bytesKept(done, begun, s.partSize, s.size) };
}

/** The bytes held by ranges done (whole) and ranges begun (the bytes at their start). */
export function bytesKept(done: ReadonlySet<number>, begun: ReadonlyMap<number, number>, partSize: number, size: number): number {
  let bytes = 0;
  for (const p of done) bytes += partLength(p, partSize, size);
  for (const n of begun.values()) bytes += n;
  return bytes;
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
  return keptOf(s).bytes;
}

/**
 * Removes what a download to this file left behind (a cancelled or abandoned download): only the
 * partial file Ferry made (the one `made` names, or its saved state names), never one another
 * program put there since.
 */
export async function discardPartial(file: string | Place, made?: { dev: number; ino: number }): Promise<void> {
  const partial = (typeof file === 'string' ? file : file.path) + PARTIAL_SUFFIX;
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
export async function localWriteError(file: string | Place, err: unknown, needed?: number): Promise<FerryError> {
  const { path, shown } = typeof file === 'string' ? { path: file, shown: file } : file;
  const code = systemCode(err);
  if (code === 'ENOSPC' || code === 'EDQUOT') {
    const free = await statfs(dirname(path)).then((f) => f.bavail * f.bsize, () => undefined);
    const room = free !== undefined && needed !== undefined ? ` (${formatBytes(free)} free, ${formatBytes(needed)} more needed)` : '';
    const what = code === 'ENOSPC' ? `the disk holding ${dirname(shown)} is full` : `your disk quota on ${dirname(shown)} is used up`;
    return new FerryError('DISK_FULL', `Cannot write ${shown}: ${what}${room}. Nothing was left behind there; free some space or choose another folder, then download again.`, { cause: err });
  }
  const why = code === 'EROFS' ? 'the disk is read-only' : code === 'EFBIG' ? 'the file is larger than this disk allows' : code === 'EACCES' || code === 'EPERM' ? 'permission denied' : (code ?? (err as Error).message);
  return new FerryError('FILE_UNREADABLE', `Cannot write ${shown}: ${why}. Choose another folder, then download again.`, { cause: err });
}
