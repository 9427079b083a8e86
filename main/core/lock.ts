import { randomBytes } from 'node:crypto';
import { constants, readFileSync } from 'node:fs';
import { link, mkdir, open, rename, rm, unlink } from 'node:fs/promises';
import { dirname } from 'node:path';
import { systemCode } from './errors';

/** Who holds a lock: a process ID (another Ferry, or this one). */
export interface LockHolder {
  pid: number;
}

/**
 * Lock files this process holds or is taking now. A path enters this set synchronously, before
 * the file is touched, so two holders inside one process (the app's stores, a queue's jobs) never
 * race each other on the file: they queue here, and the file orders processes only.
 */
const heldHere = new Set<string>();

/** Rethrows any failure but the file's being gone already. */
const unlessMissing = (err: unknown) => {
  if (systemCode(err) !== 'ENOENT') throw err;
};

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Who a process is beyond its ID, where the system says (Linux): the boot and the process's start
 * time in it. A lock left by a Ferry killed before a reboot, or whose ID has since gone to another
 * program, then names a process that is not its holder. Elsewhere: undefined (the ID alone).
 */
export function processIdentity(pid: number): string | undefined {
  try {
    const boot = readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Field 22, the start time: counted after the command's name, which may hold spaces and parentheses.
    const started = stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
    return boot && started ? `${boot}:${started}` : undefined;
  } catch {
    return undefined;
  }
}

/** This process's identity, written into every lock it takes: read once. */
let own: { identity: string | undefined } | undefined;
export const myIdentity = () => (own ??= { identity: processIdentity(process.pid) }).identity;

/** Whether the process a lock names still holds it: alive, and (where the system tells) the very process that wrote it. */
export function holds(pid: number, identity: string | undefined): boolean {
  if (!alive(pid)) return false;
  if (!identity) return true;
  const now = processIdentity(pid);
  return now === undefined || now === identity;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: the process exists but belongs to someone else.
    return systemCode(err) === 'EPERM';
  }
}

/** One look at a lock file: its owner (once written), and what tells this file from a later one. */
export interface LockSeen {
  pid?: number;
  token?: string;
  /** The writer's processIdentity, where the system gave one. */
  identity?: string;
  ino: number;
  mtimeMs: number;
  text: string;
}

/** Reads a lock file as `removeStale` compares it. */
export async function lookAtLock(path: string): Promise<LockSeen | undefined> {
  let fh;
  try {
    // Never blocks on a FIFO put there, and reads a regular file only.
    fh = await open(path, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0) | (constants.O_NOFOLLOW ?? 0));
  } catch (err) {
    if (systemCode(err) === 'ENOENT') return undefined;
    throw err;
  }
  try {
    const { ino, mtimeMs, isFile } = await fh.stat().then((st) => ({ ino: st.ino, mtimeMs: st.mtimeMs, isFile: st.isFile() }));
    if (!isFile) return { ino, mtimeMs, text: '' };
    const text = await fh.readFile('utf8');
    const [first, token, written] = text.split('\n');
    // Trusted only whole: read while being written, it may be cut short (then the ID alone judges).
    const identity = written && /^[0-9a-f-]{36}:\d+$/.test(written) && text.endsWith(`${written}\n`) ? written : undefined;
    const pid = Number.parseInt(first ?? '', 10);
    return { ...(Number.isSafeInteger(pid) && pid > 0 ? { pid } : {}), ...(token ? { token } : {}), ...(identity ? { identity } : {}), ino, mtimeMs, text };
  } finally {
    await fh.close();
  }
}

/** Who holds this lock now, if anyone: a live process, this one included (a stale file counts as no one). */
export async function lockHolder(path: string): Promise<LockHolder | undefined> {
  if (heldHere.has(path)) return { pid: process.pid };
  const seen = await lookAtLock(path).catch(() => undefined);
  if (!seen) return undefined;
  if (seen.pid === undefined) return Date.now() - seen.mtimeMs > 5000 ? undefined : { pid: 0 };
  return seen.pid !== process.pid && holds(seen.pid, seen.identity) ? { pid: seen.pid } : undefined;
}

const same = (a: LockSeen, b: LockSeen) => a.ino === b.ino && a.mtimeMs === b.mtimeMs && a.text === b.text;

/**
 * Removes the stale lock file `seen`, and nothing else. It is moved aside first and compared (a
 * file system reuses inode numbers, so the content and time are compared too): if another process
 * took the stale lock over between the look and the move, the file moved is that process's live
 * lock, and it is put back.
 */
export async function removeStale(path: string, seen: LockSeen): Promise<void> {
  const aside = `${path}.${process.pid}.${randomBytes(6).toString('hex')}.stale`;
  try {
    await rename(path, aside);
  } catch (err) {
    if (systemCode(err) === 'ENOENT') return;
    throw err;
  }
  try {
    const moved = await lookAtLock(aside);
    if (moved && !same(moved, seen)) await link(aside, path).catch(() => {});
  } finally {
    await rm(aside, { force: true });
  }
}

/**
 * Creates the lock file with its content, failing with EEXIST when it exists. Where the file
 * system has hard links, the content is written under a name of its own first and linked into
 * place, so the lock appears whole: a process killed while writing (kill -9, a crash) leaves no
 * empty lock that others must wait out as "being written". Elsewhere (FAT, some network file
 * systems) it is made and written in place, and an empty one counts as stale after 5 s.
 */
async function place(path: string, content: string): Promise<void> {
  const make = async (file: string) => {
    const fh = await open(file, 'wx', 0o600).catch(async (err: unknown) => {
      // The folder is made only when it is missing (a lock per file of a folder of thousands otherwise pays a mkdir each).
      if (systemCode(err) !== 'ENOENT') throw err;
      await mkdir(dirname(file), { recursive: true, mode: 0o700 });
      return open(file, 'wx', 0o600);
    });
    try {
      await fh.writeFile(content);
    } catch (err) {
      // Made but not written (a full disk): an empty lock must not stand for a holder.
      await fh.close();
      await rm(file, { force: true });
      // A write's error names no file; this one is the lock's.
      throw Object.assign(err as object, { path: file });
    }
    await fh.close();
  };
  const written = `${path}.${process.pid}.${randomBytes(6).toString('hex')}.new`;
  await make(written);
  try {
    await link(written, path);
  } catch (err) {
    const code = systemCode(err);
    if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EOPNOTSUPP' && code !== 'EXDEV' && code !== 'ENOSYS') throw err;
    await make(path);
  } finally {
    await unlink(written).catch(() => {});
  }
}

/**
 * Takes an exclusive lock shared by every Ferry process on this machine (the app and any number
 * of CLIs): a file created with O_EXCL holding the owner's process ID and a token of its own. A
 * lock whose owner no longer runs (killed, crashed) is stale and taken over. Returns the function
 * that releases it, or, when another live holder still has it after `waitMs`, who that is.
 */
export async function tryLock(path: string, waitMs = 0): Promise<{ release: () => Promise<void> } | { heldBy: LockHolder }> {
  const deadline = Date.now() + waitMs;
  let delay = 5;
  const backOff = async () => {
    await sleep(delay);
    delay = Math.min(delay * 2, 100);
  };
  while (heldHere.has(path)) {
    if (Date.now() >= deadline) return { heldBy: { pid: process.pid } };
    await backOff();
  }
  heldHere.add(path);
  try {
    for (;;) {
      const token = randomBytes(9).toString('base64url');
      try {
        await place(path, `${process.pid}\n${token}\n${myIdentity() ?? ''}\n`);
        return {
          release: async () => {
            try {
              // Only our own file: never one another process took over after judging ours stale.
              if ((await lookAtLock(path))?.token === token) await unlink(path).catch(unlessMissing);
            } finally {
              heldHere.delete(path);
            }
          },
        };
      } catch (err) {
        if (systemCode(err) !== 'EEXIST') throw err;
      }
      const seen = await lookAtLock(path);
      if (!seen) continue;
      // Our own process ID: left behind by this process (no holder here has it: we are the one
      // taking it). None yet: being written this instant, or left by a process killed in between.
      const stale = seen.pid !== undefined ? seen.pid === process.pid || !holds(seen.pid, seen.identity) : Date.now() - seen.mtimeMs > 5000;
      if (stale) {
        await removeStale(path, seen);
        continue;
      }
      if (Date.now() >= deadline) {
        heldHere.delete(path);
        return { heldBy: { pid: seen.pid ?? 0 } };
      }
      await backOff();
    }
  } catch (err) {
    heldHere.delete(path);
    throw err;
  }
}
