import { lstat, readdir, realpath, stat } from 'node:fs/promises';
import { basename, join, relative, resolve, sep } from 'node:path';
import { FerryError, systemCode } from '../errors';

export interface DroppedFile {
  file: string;
  key: string;
  size: number;
}

/**
 * Something inside a dropped folder that is not uploaded, and why: a symbolic link that points
 * outside the folder (the folder grants what is in it, nothing else), a link to a folder (not
 * followed, so a loop cannot make a drop endless), a link that leads nowhere, or something that
 * is not a file (a FIFO, socket or device: reading it could wait for ever).
 */
export type Skipped =
  | { kind: 'outside'; link: string; target: string }
  | { kind: 'folder-link' | 'broken-link' | 'not-a-file'; link: string };

/** Why it was skipped, in a few words after "skipped PATH: ". */
export function skippedReason(s: Skipped, folder: string): string {
  switch (s.kind) {
    case 'outside':
      return `the link points outside ${folder}, to ${s.target}`;
    case 'folder-link':
      return 'it is a link to a folder, and links to folders are not followed (upload that folder itself if you want it)';
    case 'broken-link':
      return 'it is a link to something that is not there';
    case 'not-a-file':
      return 'it is not a regular file (a FIFO, socket or device)';
  }
}

/**
 * Turns dropped paths into files to upload under a prefix: a file goes to prefix + its name, a
 * folder recursively to prefix + folder name + its relative paths (with '/' separators on every
 * platform). Inside a folder, symbolic links to files in that folder are followed; whatever else
 * is not uploaded is reported through onSkipped (see Skipped), never left out silently.
 */
export async function expandDrop(paths: string[], prefix: string, onSkipped?: (skipped: Skipped) => void): Promise<DroppedFile[]> {
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

async function walk(root: string, realRoot: string, dir: string, keyPrefix: string, out: DroppedFile[], onSkipped?: (skipped: Skipped) => void): Promise<void> {
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
      if (!target) {
        onSkipped?.({ kind: 'broken-link', link: full });
        continue;
      }
      if (!target.startsWith(realRoot + sep)) {
        onSkipped?.({ kind: 'outside', link: full, target });
        continue;
      }
    }
    const info = entry.isSymbolicLink() ? await stat(full).catch(() => undefined) : await lstat(full).catch(() => undefined);
    if (info?.isFile()) out.push({ file: full, key: keyPrefix + relative(root, full).split(sep).join('/'), size: info.size });
    else if (info) onSkipped?.({ kind: info.isDirectory() ? 'folder-link' : 'not-a-file', link: full });
  }
}
