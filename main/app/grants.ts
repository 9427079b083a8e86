import { realpath } from 'node:fs/promises';
import { sep } from 'node:path';
import { FerryError } from '../core/errors';

/**
 * The files and folders the user handed to Ferry with a gesture (a drop, the file dialog, a
 * paste). The window may ask to upload these and what lies inside the granted folders, nothing
 * else: a page that runs script cannot make Ferry read ~/.ssh. Paths are compared by their real
 * location, so neither "..", nor a symbolic link inside a granted folder, reaches outside it.
 */
export class PathGrants {
  private readonly granted = new Set<string>();

  async grant(paths: string[]): Promise<void> {
    for (const path of paths) {
      // Both the name the user dropped and what it really is (a dropped link is the user's choice).
      this.granted.add(path);
      const real = await realpath(path).catch(() => undefined);
      if (real) this.granted.add(real);
    }
  }

  /** Whether a path is one the user granted, or lies inside a granted folder. */
  async covers(path: string): Promise<boolean> {
    if (this.granted.has(path)) return true;
    const real = await realpath(path).catch(() => undefined);
    if (!real) return false;
    if (this.granted.has(real)) return true;
    for (let dir = real; ; ) {
      const up = dir.slice(0, Math.max(dir.lastIndexOf(sep), 0)) || sep;
      if (up === dir) return false;
      if (this.granted.has(up)) return true;
      dir = up;
    }
  }

  /** Refuses the request unless every path was granted. */
  async check(paths: string[]): Promise<void> {
    const refused: string[] = [];
    for (const p of paths) if (!(await this.covers(p))) refused.push(p);
    if (refused.length) {
      throw new FerryError(
        'FORBIDDEN',
        `Ferry uploads only files and folders you dropped on its window, pasted or chose in its file dialog; ${refused.length === 1 ? `${refused[0]} was not one of them` : `${refused.length} of these were not`}. Drop them or choose them with Upload.`,
      );
    }
  }
}
