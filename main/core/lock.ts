import { mkdir, open, readFile, rm, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { systemCode } from './errors';

/** Who holds a lock: a process ID (another Ferry, or this one). */
export interface LockHolder {
  pid: number;
}

/** Lock files this process holds now, so a second holder inside the same process is told apart from a stale lock. */
const heldHere = new Set<string>();

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: the process exists but belongs to someone else.
    return systemCode(err) === 'EPERM';
  }
}

async function holder(path: string): Promise<LockHolder | undefined> {
  try {
    const pid = Number.parseInt((await readFile(path, 'utf8')).trim(), 10);
    return Number.isSafeInteger(pid) && pid > 0 ? { pid } : undefined;
  } catch (err) {
    if (systemCode(err) === 'ENOENT') return undefined;
    throw err;
  }
}

/**
 * Takes an exclusive lock shared by every Ferry process on this machine (the app and any number
 * of CLIs): a file created with O_EXCL holding the owner's process ID. A lock whose owner no
 * longer runs (killed, crashed) is stale and taken over. Returns the function that releases it,
 * or, when another live holder still has it after `waitMs`, who that is.
 */
export async function tryLock(path: string, waitMs = 0): Promise<{ release: () => Promise<void> } | { heldBy: LockHolder }> {
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  const deadline = Date.now() + waitMs;
  for (let delay = 5; ; delay = Math.min(delay * 2, 100)) {
    try {
      const fh = await open(path, 'wx', 0o600);
      try {
        await fh.writeFile(`${process.pid}\n`);
      } finally {
        await fh.close();
      }
      heldHere.add(path);
      return {
        release: async () => {
          heldHere.delete(path);
          await rm(path, { force: true });
        },
      };
    } catch (err) {
      if (systemCode(err) !== 'EEXIST') throw err;
    }
    const owner = await holder(path);
    let stale: boolean;
    if (owner) stale = owner.pid === process.pid ? !heldHere.has(path) : !alive(owner.pid);
    // No process ID yet: being written this instant, or left by a process killed in between.
    else stale = Date.now() - ((await stat(path).catch(() => undefined))?.mtimeMs ?? Date.now()) > 5000;
    if (stale) {
      await rm(path, { force: true });
      continue;
    }
    if (Date.now() >= deadline) return { heldBy: owner ?? { pid: 0 } };
    await new Promise((r) => setTimeout(r, delay));
  }
}
