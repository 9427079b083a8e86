/**
 * What is on the clipboard, as Ferry shares it: copied files (a file manager's Copy), else an
 * image (a screenshot, an image copied from a page), else text. Read through the shape of
 * Electron's W3C-style clipboard (clipboard.read(): entries with MIME types and their bytes; a
 * platform format without a MIME type as `electron application/osclipboard;format="…"`), which
 * clipboard-electron.ts adapts and tests fill with real bytes.
 */
import { parse } from 'node:path';
import { fileURLToPath } from 'node:url';

/** One entry of the clipboard: its types, and the bytes of each. */
export interface ClipboardEntry {
  types: string[];
  getType(type: string): Promise<Buffer>;
}

export interface ClipboardSource {
  read(): Promise<ClipboardEntry[]>;
}

export type ClipboardItem =
  /** Copied files; `notFiles`, file:// addresses among them with no path here (another host's, a NUL in the name): said, not shared. */
  | { kind: 'files'; paths: string[]; notFiles?: string[] }
  | { kind: 'image'; png: Buffer; ext?: 'png' | 'jpg' } | { kind: 'text'; text: string } | { kind: 'empty' };

/** A platform format as Electron names one with no MIME type. */
const raw = (format: string) => `electron application/osclipboard;format="${format}"`;

/** The formats file managers put copied files in, each with how to read paths from its bytes. */
const FILE_FORMATS: Array<[string, (bytes: Buffer) => Copied]> = [
  // GNOME Files, Nemo, Caja: "copy" or "cut", then one file:// URI per line.
  ['x-special/gnome-copied-files', (b) => fromUris(b.toString('utf8').replace(/^(copy|cut)\s*\n/, ''), { allFiles: true })],
  // Dolphin, Thunar, and what Chromium calls a file list everywhere.
  ['text/uri-list', (b) => fromUris(b.toString('utf8'))],
  // Finder, several files: a property list of paths.
  ['NSFilenamesPboardType', (b) => asPaths([...b.toString('utf8').matchAll(/<string>([^<]*)<\/string>/g)].map((m) => unescapeXml(m[1]!)))],
  // Finder, one file.
  ['public.file-url', (b) => fromUris(b.toString('utf8'))],
  // Explorer: the first copied file's path, UTF-16 and NUL-terminated.
  ['FileNameW', (b) => asPaths(b.toString('utf16le').split('\0').filter(Boolean))],
];

export async function whatIsCopied(clip: ClipboardSource): Promise<ClipboardItem> {
  const entries = await clip.read().catch(() => []);
  const bytesOf = async (type: string): Promise<Buffer | undefined> => {
    for (const e of entries) {
      for (const t of [type, raw(type)]) {
        if (!e.types.includes(t)) continue;
        const b = await e.getType(t).catch(() => undefined);
        if (b?.length) return b;
      }
    }
    return undefined;
  };
  for (const [format, read] of FILE_FORMATS) {
    const bytes = await bytesOf(format);
    const { paths, notFiles } = bytes ? read(bytes) : { paths: [], notFiles: [] };
    if (paths.length || notFiles.length) return { kind: 'files', paths, ...(notFiles.length ? { notFiles } : {}) };
  }
  const png = await bytesOf('image/png');
  if (png) return { kind: 'image', png };
  const jpeg = await bytesOf('image/jpeg');
  if (jpeg) return { kind: 'image', png: jpeg, ext: 'jpg' };
  const text = (await bytesOf('text/plain'))?.toString('utf8') ?? '';
  if (text.trim()) return { kind: 'text', text };
  return { kind: 'empty' };
}

/** Paths read from a clipboard format, and the file addresses in it that name no file here. */
interface Copied {
  paths: string[];
  notFiles: string[];
}

function asPaths(paths: string[]): Copied {
  return { paths: paths.filter((p) => !p.includes('\0')), notFiles: paths.filter((p) => p.includes('\0')) };
}

/**
 * A URI list's local files, and the copied items that are addresses instead (a file manager's
 * sftp:// or smb:// file: said, not shared as text). In a plain URI list an http(s) line is a
 * link copied with its page, not a file: passed over, so the text copied with it is shared. In
 * a file manager's own list (`allFiles`) every line is a copied file.
 */
function fromUris(text: string, opts: { allFiles?: boolean } = {}): Copied {
  const out: Copied = { paths: [], notFiles: [] };
  for (const line of text.split(/\r?\n/).map((l) => l.trim().replace(/\0+$/, ''))) {
    if (!line || line.startsWith('#')) continue;
    if (!/^file:\/\//i.test(line)) {
      if (opts.allFiles || (/^[a-z][a-z0-9+.-]*:/i.test(line) && !/^https?:/i.test(line))) out.notFiles.push(line);
      continue;
    }
    const path = filePath(line);
    if (path === undefined) out.notFiles.push(line);
    else out.paths.push(path);
  }
  return out;
}

/** A file:// URI's local path; undefined where it names none (another host's file, a NUL in the name). */
function filePath(uri: string): string | undefined {
  try {
    const path = fileURLToPath(uri);
    // A whole disk ("file:///") is no file anyone copied to share: said, never walked.
    return path.includes('\0') || parse(path).root === path ? undefined : path;
  } catch {
    // file://host/… on a system that does not take hosts
    return undefined;
  }
}

function unescapeXml(s: string): string {
  return s.replace(/&(lt|gt|quot|apos|amp);/g, (_, e: string) => ({ lt: '<', gt: '>', quot: '"', apos: "'", amp: '&' })[e]!);
}
