import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { access, lstat, mkdir, open, rename, rm, stat, unlink } from 'node:fs/promises';
import { dirname } from 'node:path';
import { FerryError, systemCode } from '../errors';

/**
 * Files Ferry puts in folders that belong to the desktop (autostart, file-manager menus): each
 * carries a marker line, so Ferry replaces or removes only a file it wrote; a symbolic link at the
 * path is never followed (it could point at any file of the user's); each is written to a temporary
 * sibling and renamed over the target, so a reader never sees half a file.
 */

export interface OwnedFile {
  path: string;
  content: string;
  /** Permission bits, applied whatever the umask: 0o755 where the reader insists on an executable file. */
  mode: number;
  /** A line that only a file Ferry wrote holds (`X-Ferry-Autostart=true`). */
  marker: string;
  /** What the file is, in the user's words: "the autostart entry", "the Dolphin menu item". */
  what: string;
}

export type OwnedState =
  | { kind: 'absent' }
  | { kind: 'ours'; content: string; mode: number }
  | { kind: 'foreign' }
  | { kind: 'symlink' }
  | { kind: 'not-a-file' };

/** Larger than any file Ferry writes: a bigger one is someone else's, and is not read. */
const MAX_OWNED = 64 * 1024;

export function hasMarker(content: string, marker: string): boolean {
  return content.split('\n').some((l) => l.replace(/\r$/, '').trim() === marker);
}

/** What is at `path` now, looked at without following a link. */
export async function ownedState(path: string, marker: string): Promise<OwnedState> {
  let st;
  try {
    st = await lstat(path);
  } catch (err) {
    if (systemCode(err) === 'ENOENT' || systemCode(err) === 'ENOTDIR') return { kind: 'absent' };
    throw unreadable(path, err);
  }
  if (st.isSymbolicLink()) return { kind: 'symlink' };
  if (!st.isFile()) return { kind: 'not-a-file' };
  if (st.size > MAX_OWNED) return { kind: 'foreign' };
  let content: string;
  try {
    // O_NOFOLLOW: a link swapped in since the lstat is refused, not read through.
    const fh = await open(path, constants.O_RDONLY | constants.O_NOFOLLOW);
    try {
      content = await fh.readFile('utf8');
    } finally {
      await fh.close();
    }
  } catch (err) {
    if (systemCode(err) === 'ELOOP') return { kind: 'symlink' };
    if (systemCode(err) === 'ENOENT') return { kind: 'absent' };
    throw unreadable(path, err);
  }
  return hasMarker(content, marker) ? { kind: 'ours', content, mode: st.mode & 0o7777 } : { kind: 'foreign' };
}

function unreadable(path: string, err: unknown): FerryError {
  return new FerryError('DESKTOP_INTEGRATION', `Ferry cannot read ${path} (${systemCode(err) ?? String(err)}). Check that folder's permissions and try again.`, { cause: err });
}

/** Why Ferry will not touch what is at `file.path`, or undefined when it may. */
export function refusal(file: Pick<OwnedFile, 'path' | 'what'>, state: OwnedState, doing: 'replace' | 'remove'): FerryError | undefined {
  const verb = doing === 'replace' ? 'write' : 'remove';
  switch (state.kind) {
    case 'symlink':
      return new FerryError('DESKTOP_INTEGRATION', `${cap(file.what)} would be ${file.path}, but that is a symbolic link; Ferry does not follow it (it could point at any of your files). Remove the link, then try again.`);
    case 'not-a-file':
      return new FerryError('DESKTOP_INTEGRATION', `${cap(file.what)} would be ${file.path}, but something that is not a file is there. Move it away, then try again.`);
    case 'foreign':
      return new FerryError('DESKTOP_INTEGRATION', `${file.path} was not written by Ferry, so Ferry will not ${verb} it. Rename or remove it yourself if it should go, then try again.`);
    default:
      return undefined;
  }
}

/** Writes `file` unless the same content (and mode) is already there; refuses a link or a file Ferry did not write. */
export async function writeOwned(file: OwnedFile): Promise<void> {
  const state = await ownedState(file.path, file.marker);
  const refused = refusal(file, state, 'replace');
  if (refused) throw refused;
  if (state.kind === 'ours' && state.content === file.content && state.mode === file.mode) return;
  const dir = dirname(file.path);
  const tmp = `${file.path}.ferry-${process.pid}-${randomBytes(4).toString('hex')}.tmp`;
  try {
    // 0o700, as the XDG base directory specification asks for a folder it has to make.
    await mkdir(dir, { recursive: true, mode: 0o700 });
    const fh = await open(tmp, 'wx', 0o600);
    try {
      await fh.writeFile(file.content, 'utf8');
      await fh.chmod(file.mode);
      await fh.sync();
    } finally {
      await fh.close();
    }
    // rename replaces whatever name is there (a link swapped in meanwhile included) and never writes through it.
    await rename(tmp, file.path);
  } catch (err) {
    await rm(tmp, { force: true }).catch(() => {});
    throw await unwritable(file, err, 'write');
  }
  await syncDir(dir);
}

/** Removes `file` if it is Ferry's; nothing there is fine; a link or someone else's file is refused and left alone. */
export async function removeOwned(file: Pick<OwnedFile, 'path' | 'marker' | 'what'>): Promise<void> {
  const state = await ownedState(file.path, file.marker);
  if (state.kind === 'absent') return;
  const refused = refusal(file, state, 'remove');
  if (refused) throw refused;
  try {
    await unlink(file.path);
  } catch (err) {
    if (systemCode(err) === 'ENOENT') return;
    throw await unwritable(file, err, 'remove');
  }
  await syncDir(dirname(file.path));
}

async function syncDir(dir: string): Promise<void> {
  try {
    const fh = await open(dir, 'r');
    try {
      await fh.sync();
    } finally {
      await fh.close();
    }
  } catch {
    // Some file systems cannot fsync a folder; the rename is atomic all the same.
  }
}

/** The nearest folder on the way to `path` that exists: the one that refused, when a recursive mkdir fails. */
async function nearestFolder(path: string): Promise<string> {
  let dir = dirname(path);
  for (;;) {
    try {
      if ((await stat(dir)).isDirectory()) return dir;
    } catch {
      // not there: look further up
    }
    const up = dirname(dir);
    if (up === dir) return dir;
    dir = up;
  }
}

/** A failure to write or remove in the folder, in the user's words: which folder, why, what to do. */
async function unwritable(file: Pick<OwnedFile, 'path' | 'what'>, err: unknown, doing: 'write' | 'remove'): Promise<FerryError> {
  const code = systemCode(err);
  const folder = await nearestFolder(file.path);
  let writable = true;
  try {
    await access(folder, constants.W_OK);
  } catch {
    writable = false;
  }
  let why: string;
  if (code === 'EROFS') why = `${folder} is on a read-only disk`;
  else if (code === 'ENOSPC' || code === 'EDQUOT') why = `the disk holding ${folder} is full`;
  else if (code === 'EACCES' || code === 'EPERM' || !writable) why = `you cannot write in ${folder}`;
  else if (code === 'ENOTDIR' || code === 'EEXIST') why = `a file stands where a folder on the way to ${file.path} should be`;
  else why = `${code ?? String(err)} in ${folder}`;
  const todo =
    code === 'ENOSPC' || code === 'EDQUOT'
      ? 'Free some space, then try again.'
      : code === 'EROFS'
        ? 'Make that disk writable (or point XDG_CONFIG_HOME / XDG_DATA_HOME elsewhere), then try again.'
        : code === 'ENOTDIR' || code === 'EEXIST'
          ? 'Move that file away, then try again.'
          : `Make ${folder} yours and writable (ls -ld ${JSON.stringify(folder)} shows who owns it), then try again.`;
  return new FerryError('DESKTOP_INTEGRATION', `Ferry could not ${doing} ${file.what} (${file.path}): ${why}. ${todo}`, { cause: err });
}

function cap(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}
