/**
 * A download's folder, held open for the whole download so that everything it writes lands in
 * that folder and nowhere else, even if someone swaps the folder (or one above it) for a
 * symbolic link meanwhile.
 *
 * On Linux the folder is opened component by component from "/", never following a link
 * (O_NOFOLLOW | O_DIRECTORY), and every file operation then goes through /proc/self/fd/N/NAME,
 * which the kernel resolves to the directory held open, not to whatever the path names now.
 * Elsewhere (no /proc) the folder is named by its real path and checked before and after, as
 * well as a path can be.
 */
import { constants } from 'node:fs';
import { access, open, realpath, stat, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { FerryError, systemCode } from '../errors';

const DIR = constants.O_RDONLY | (constants.O_DIRECTORY ?? 0);
const DIR_NOFOLLOW = DIR | (constants.O_NOFOLLOW ?? 0);

/** A name in the pinned folder: where the file system finds it, and how the user knows it. */
export interface Place {
  path: string;
  shown: string;
}

let procFd: Promise<boolean> | undefined;
/** Whether this system resolves /proc/self/fd/N/NAME (Linux with /proc mounted). */
const hasProcFd = () => (procFd ??= process.platform === 'linux' ? access('/proc/self/fd').then(() => true, () => false) : Promise.resolve(false));

export class PinnedFolder {
  private constructor(
    /** The folder as the user named it (messages). */
    private readonly shownDir: string,
    /** Where its files are reached: /proc/self/fd/N, or the real path where there is no /proc. */
    private readonly base: string,
    private readonly handle: FileHandle | undefined,
    private readonly id: { dev: number; ino: number },
  ) {}

  /**
   * Opens `real` (the folder's real path, as planned) without following any link on the way.
   * Refused when a part of it is now a link or not a folder, or when `shown` (the folder as the
   * user named it) no longer leads there.
   */
  static async open(real: string, shown: string): Promise<PinnedFolder> {
    const moved = (now: string) =>
      new FerryError('FILE_CHANGED', `${shown} is no longer the folder this download was planned into (${now}; a symbolic link may have replaced it). Nothing was written there; download again.`);
    let handle: FileHandle | undefined;
    let base = real;
    if (await hasProcFd()) {
      try {
        handle = await open('/', DIR);
        for (const part of real.split('/').filter(Boolean)) {
          const next = await open(`/proc/self/fd/${handle.fd}/${part}`, DIR_NOFOLLOW).finally(() => handle!.close());
          handle = next;
        }
      } catch (err) {
        const code = systemCode(err);
        if (code === 'ELOOP' || code === 'ENOTDIR') throw moved(`a part of ${real} is now a link or a file`);
        if (code === 'ENOENT') throw new FerryError('FILE_NOT_FOUND', `The folder ${shown} is not there any more (moved, deleted or unmounted). Create it or choose another folder, then download again.`, { cause: err });
        if (code === 'EACCES' || code === 'EPERM') throw new FerryError('FILE_UNREADABLE', `You cannot open the folder ${shown}. Choose a folder you can write to.`, { cause: err });
        throw err;
      }
      base = `/proc/self/fd/${handle.fd}`;
    } else if ((await realpath(real).catch(() => undefined)) !== real) {
      throw moved(`${real} now leads elsewhere`);
    }
    const pinned = new PinnedFolder(shown, base, handle, await stat(base));
    try {
      await pinned.check();
    } catch (err) {
      await pinned.close();
      throw err;
    }
    return pinned;
  }

  /** A name in this folder. */
  at(name: string): Place {
    return { path: join(this.base, name), shown: join(this.shownDir, name) };
  }

  /**
   * The folder is still where the user named it: not deleted, not moved away, not swapped for a
   * link to somewhere else. Checked before a finished file is given its name, so a file never
   * turns up somewhere other than where the download says it went.
   */
  async check(): Promise<void> {
    const held = await stat(this.base).catch(() => undefined);
    const named = await stat(this.shownDir).catch(() => undefined);
    if (!held || held.nlink === 0 || !named) {
      throw new FerryError('FILE_NOT_FOUND', `The folder ${this.shownDir} was deleted or moved away during the download, so nothing was kept. Create it or choose another folder, then download again.`);
    }
    if (held.dev !== this.id.dev || held.ino !== this.id.ino || named.dev !== held.dev || named.ino !== held.ino) {
      throw new FerryError('FILE_CHANGED', `${this.shownDir} is no longer the folder this download was writing into (it was moved, or a symbolic link replaced it). Nothing was written anywhere else and nothing was kept; download again.`);
    }
  }

  async close(): Promise<void> {
    await this.handle?.close().catch(() => {});
  }
}
