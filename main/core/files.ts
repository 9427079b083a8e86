import { randomBytes } from 'node:crypto';
import { accessSync, constants, existsSync } from 'node:fs';
import { mkdir, open, rename, rm, type FileHandle } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join, relative, isAbsolute } from 'node:path';
import { FerryError, systemCode } from './errors';

/**
 * The directory where Ferry keeps settings and history. The same one Electron's
 * `app.getPath('userData')` gives for the product name "Ferry", so the CLI and the app share it.
 * FERRY_DATA_DIR overrides it (tests, portable installs).
 */
export function defaultDataDir(env: NodeJS.ProcessEnv = process.env, platform = process.platform): string {
  if (env.FERRY_DATA_DIR) return env.FERRY_DATA_DIR;
  const home = env.HOME || homedir();
  if (platform === 'darwin') return join(home, 'Library', 'Application Support', 'Ferry');
  if (platform === 'win32') return join(env.APPDATA || join(home, 'AppData', 'Roaming'), 'Ferry');
  return join(env.XDG_CONFIG_HOME || join(home, '.config'), 'Ferry');
}

/**
 * Replaces a file's contents so that a crash at any moment leaves either the old file or the
 * new one, never a half-written one: write a temporary sibling, flush it to disk, rename it over
 * the target, then flush the directory entry. Files are created readable by the owner only.
 * The folder is made if missing, unless `makeFolder` is false (a download's folder deleted
 * meanwhile must stay deleted, not come back holding one progress file).
 */
export async function writeFileAtomic(path: string, data: string, opts: { makeFolder?: boolean } = {}): Promise<void> {
  if (opts.makeFolder !== false) await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  const tmp = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  const fh = await open(tmp, 'wx', 0o600);
  try {
    await fh.writeFile(data, 'utf8');
    await fh.sync();
  } catch (err) {
    await fh.close();
    await rm(tmp, { force: true });
    // A write's error names no file: this one is `path`'s.
    throw Object.assign(err as object, { path });
  }
  await fh.close();
  try {
    await rename(tmp, path);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
  await syncDir(dirname(path));
}

async function syncDir(dir: string): Promise<void> {
  if (process.platform === 'win32') return;
  const fh = await open(dir, 'r');
  try {
    await fh.sync();
  } catch {
    // Some file systems do not support fsync on directories; the rename is still atomic.
  } finally {
    await fh.close();
  }
}

/**
 * A failure to write Ferry's own data folder (settings, saved uploads, locks), said in local
 * words instead of a bare ENOSPC or ENOENT, with what to do. Undefined when `err` is about
 * anything else. Node's recursive mkdir reports a read-only disk as ENOENT, so the nearest
 * folder that exists is asked.
 */
export function dataFolderError(err: unknown, dataDir: string): FerryError | undefined {
  const code = systemCode(err);
  const path = (err as { path?: string })?.path;
  if (!code || !path) return undefined;
  const rel = relative(dataDir, path);
  if (rel.startsWith('..') || isAbsolute(rel)) return undefined;
  let why: string | undefined;
  if (code === 'ENOSPC' || code === 'EDQUOT') why = 'the disk holding it is full';
  else if (code === 'EROFS') why = 'the disk holding it is read-only';
  else if (code === 'EACCES' || code === 'EPERM') why = 'you cannot write in it';
  else if (code === 'ENOENT') {
    let above = dirname(path);
    while (above !== dirname(above) && !existsSync(above)) above = dirname(above);
    try {
      accessSync(above, constants.W_OK);
    } catch (e) {
      why = systemCode(e) === 'EROFS' ? 'the disk holding it is read-only' : 'you cannot write in it';
    }
  }
  if (!why) return undefined;
  return new FerryError('DATA_FOLDER_UNWRITABLE', `Ferry cannot write in its data folder ${dataDir}: ${why}. Free some space or fix its permissions, or set FERRY_DATA_DIR to a folder you can write to; nothing was changed.`, { cause: err });
}

/**
 * Writes the chunks at `pos`, whole. A write may take fewer bytes than given (a disk filling up):
 * the rest is written again, so the file never holds a hole that the check would call damage
 * from the network; a write that takes nothing is a full disk.
 */
export async function writeAllAt(handle: Pick<FileHandle, 'write' | 'writev'>, chunks: Uint8Array[], pos: number): Promise<void> {
  let left = chunks.filter((c) => c.length > 0);
  while (left.length) {
    const { bytesWritten } = left.length === 1 ? await handle.write(left[0]!, 0, left[0]!.length, pos) : await handle.writev(left, pos);
    if (bytesWritten === 0) throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
    pos += bytesWritten;
    left = skipBytes(left, bytesWritten);
  }
}

/** The chunks after their first `n` bytes. */
function skipBytes(chunks: Uint8Array[], n: number): Uint8Array[] {
  let i = 0;
  while (i < chunks.length && n >= chunks[i]!.length) n -= chunks[i++]!.length;
  const rest = chunks.slice(i);
  if (n > 0 && rest.length) rest[0] = rest[0]!.subarray(n);
  return rest;
}
