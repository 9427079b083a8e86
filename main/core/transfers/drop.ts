import { lstat, readdir, realpath, stat } from 'node:fs/promises';
import { basename, join, relative, resolve, sep } from 'node:path';
import { FerryError, systemCode } from '../errors';
import { numbered } from './free-names';

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
  | { kind: 'folder-link' | 'broken-link' | 'not-a-file'; link: string }
  /** An item given that cannot be opened (gone since it was handed over, or not readable): with `missing: 'skip'` only. */
  | { kind: 'missing'; link: string; code: string | undefined; inFolder?: boolean };

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
    case 'missing':
      if (s.inFolder && (s.code === 'ENOENT' || s.code === 'ENOTDIR')) return 'the folder lists it, but it cannot be opened by that name (a name not in UTF-8, or removed meanwhile)';
      return s.code === 'EACCES' || s.code === 'EPERM' ? 'it cannot be read (permission denied)' : s.code === 'ENOENT' || s.code === 'ENOTDIR' ? 'it is not there (moved or deleted since it was given)' : `it cannot be opened (${s.code ?? 'unknown error'})`;
  }
}

/**
 * Turns dropped paths into files to upload under a prefix: a file goes to prefix + its name, a
 * folder recursively to prefix + folder name + its relative paths (with '/' separators on every
 * platform). Inside a folder, symbolic links to files in that folder are followed; whatever else
 * is not uploaded is reported through onSkipped (see Skipped), never left out silently.
 *
 * Every file gets a key of its own: two dropped items of one name from different folders
 * (a/report.pdf and b/report.pdf, or two folders called photos) would otherwise be sent to one
 * key, the second replacing the first. The first given keeps the name; each later one is
 * numbered as a file manager numbers a copy ("report (2).pdf", "photos (2)/"), never onto a name
 * the drop itself holds. One path given twice (a shell glob and its file) is one file.
 *
 * An item given that cannot be opened stops the drop (the command line says it before anything
 * is sent), or with `missing: 'skip'` is reported and the rest go on (a share handed over by the
 * desktop, where one file gone since must not lose the others).
 */
export async function expandDrop(paths: string[], prefix: string, onSkipped?: (skipped: Skipped) => void, opts: { missing?: 'skip' } = {}): Promise<DroppedFile[]> {
  const out: DroppedFile[] = [];
  const base = prefix && !prefix.endsWith('/') ? `${prefix}/` : prefix;
  const names = new TopNames(paths);
  for (const path of paths) {
    let info;
    try {
      info = await stat(path);
    } catch (err) {
      const code = systemCode(err);
      if (opts.missing === 'skip') {
        onSkipped?.({ kind: 'missing', link: path, code });
        continue;
      }
      if (code === 'ENOENT' || code === 'ENOTDIR') throw new FerryError('FILE_NOT_FOUND', `There is no file at ${path}. Check the path and try again.`, { cause: err });
      throw new FerryError('FILE_NOT_FOUND', `Cannot open ${path} (${code === 'EACCES' || code === 'EPERM' ? 'permission denied' : (code ?? 'unknown error')}). Check that it is yours to read, then try again.`, { cause: err });
    }
    if (!info.isFile() && !info.isDirectory()) {
      onSkipped?.({ kind: 'not-a-file', link: path });
      continue;
    }
    const name = names.take(await realpath(path), basename(resolve(path)), info.isDirectory());
    if (name === undefined) continue;
    if (info.isFile()) {
      out.push({ file: path, key: base + name, size: info.size });
    } else {
      await walk(path, await realpath(path), path, `${base}${name}/`, out, onSkipped);
    }
  }
  return out;
}

/** The names a drop's items take at the top of the prefix: one each, the first given keeping its own. */
class TopNames {
  /** Every name the drop's items have, so a numbered name never lands on one of them. */
  private readonly held: Set<string>;
  private readonly given = new Set<string>();
  private readonly byPath = new Map<string, string>();

  constructor(paths: string[]) {
    // The folder's own name, also when it is given as "." or "..".
    this.held = new Set(paths.map((p) => basename(resolve(p))));
  }

  /** The name for the item at this real path; undefined when the same item was given before. */
  take(real: string, own: string, folder: boolean): string | undefined {
    if (this.byPath.has(real)) return undefined;
    let name = own;
    for (let n = 2; this.given.has(name) || (name !== own && this.held.has(name)); n++) name = folder ? `${own} (${n})` : numbered(own, n);
    this.given.add(name);
    this.byPath.set(real, name);
    return name;
  }
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
    const info = entry.isSymbolicLink() ? await stat(full).catch(() => undefined) : await lstat(full).catch((err: unknown) => err as Error);
    // Listed but not opened (a name this system cannot pass back, a file gone since, no permission): said, never left out silently.
    if (info instanceof Error) {
      onSkipped?.({ kind: 'missing', link: full, code: systemCode(info), inFolder: true });
      continue;
    }
    if (info?.isFile()) out.push({ file: full, key: keyPrefix + relative(root, full).split(sep).join('/'), size: info.size });
    else if (info) onSkipped?.({ kind: info.isDirectory() ? 'folder-link' : 'not-a-file', link: full });
  }
}
