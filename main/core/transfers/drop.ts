import { lstat, readdir, stat } from 'node:fs/promises';
import { basename, join, relative, sep } from 'node:path';
import { FerryError, systemCode } from '../errors';

export interface DroppedFile {
  file: string;
  key: string;
  size: number;
}

/**
 * Turns dropped paths into files to upload under a prefix: a file goes to prefix + its name, a
 * folder recursively to prefix + folder name + its relative paths (with '/' separators on every
 * platform). Symbolic links to files are followed; links to folders are not, so a link loop
 * cannot make a drop endless.
 */
export async function expandDrop(paths: string[], prefix: string): Promise<DroppedFile[]> {
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
      await walk(path, path, `${base}${basename(path)}/`, out);
    }
  }
  return out;
}

async function walk(root: string, dir: string, keyPrefix: string, out: DroppedFile[]): Promise<void> {
  const entries = await readdir(dir, { withFileTypes: true });
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const entry of entries) {
    const full = join(dir, entry.name);
    if (entry.isDirectory()) {
      await walk(root, full, keyPrefix, out);
      continue;
    }
    let info = entry.isSymbolicLink() ? await stat(full).catch(() => undefined) : await lstat(full);
    if (entry.isSymbolicLink() && info?.isDirectory()) info = undefined;
    if (info?.isFile()) out.push({ file: full, key: keyPrefix + relative(root, full).split(sep).join('/'), size: info.size });
  }
}
