import { lstat, readdir, realpath, stat } from 'node:fs/promises';
import { basename, join, relative, resolve, sep } from 'node:path';
import { FerryError, systemCode } from '../errors';

export interface DroppedFile {
  file: string;
  key: string;
  size: number;
}

/** A symbolic link inside a folder that points outside it: reported, not followed. */
export interface SkippedLink {
  link: string;
  target: string;
}

/**
 * Turns dropped paths into files to upload under a prefix: a file goes to prefix + its name, a
 * folder recursively to prefix + folder name + its relative paths (with '/' separators on every
 * platform). Inside a folder, symbolic links to files in that folder are followed; links that
 * lead out of it are reported through onSkipped and not followed (the folder grants what is in
 * it, nothing else), and links to folders are not followed, so a loop cannot make a drop endless.
 */
export async function expandDrop(paths: string[], prefix: string, onSkipped?: (skipped: SkippedLink) => void): Promise<DroppedFile[]> {
  const out: DroppedFile[] = [];
  const base = prefix && !prefix.endsWith('/') ? `${prefix}/` : prefix;
  for (const path of paths) {
    let info;
    try {
      info = await stat(path);
    } catch (err) {
      throw new FerryError('FILE_NOT_FOUND', `Cannot open ${path} (${systemCode(err) ?? 'unknown error'}).`, { cause: err });
    }
    if (info.isFile()) {
      out.push({ file: path, key: base + basename(path), size: info.size });
    } else if (info.isDirectory()) {
      // The folder's own name, also when it is given as "." or "..".
      await walk(path, await realpath(path), path, `${base}${basename(resolve(path))}/`, out, onSkipped);
    }
  }
  return out;
}

async function walk(root: string, realRoot: string, dir: string, keyPrefix: string, out: DroppedFile[], onSkipped?: (skipped: SkippedLink) => void): Promise<void> {
  const entries = await readdir(dir, { withFileTypes: true });
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const entry of entries) {
    const full = join(dir, entry.name);
    if (entry.isDirectory()) {
      await walk(root, realRoot, full, keyPrefix, out, onSkipped);
      continue;
    }
    if (entry.isSymbolicLink()) {
      const target = await realpath(full).catch(() => undefined);
      if (target && !target.startsWith(realRoot + sep)) {
        onSkipped?.({ link: full, target });
        continue;
      }
    }
    let info = entry.isSymbolicLink() ? await stat(full).catch(() => undefined) : await lstat(full);
    if (entry.isSymbolicLink() && info?.isDirectory()) info = undefined;
    if (info?.isFile()) out.push({ file: full, key: keyPrefix + relative(root, full).split(sep).join('/'), size: info.size });
  }
}
