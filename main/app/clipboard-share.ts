/**
 * What is on the clipboard, as Ferry shares it: copied files (a file manager's Copy), else an
 * image (a screenshot, an image copied from a page), else text. Reads through a small interface
 * that Electron's clipboard satisfies (see index.ts) and tests fill with real bytes.
 */
import { fileURLToPath } from 'node:url';

/** The parts of Electron's clipboard read here. */
export interface ClipboardSource {
  availableFormats(): string[];
  read(format: string): string;
  readBuffer(format: string): Buffer;
  /** The image as PNG bytes; empty when there is none. */
  readImagePng(): Buffer;
  readText(): string;
}

export type ClipboardItem = { kind: 'files'; paths: string[] } | { kind: 'image'; png: Buffer } | { kind: 'text'; text: string } | { kind: 'empty' };

export function whatIsCopied(clip: ClipboardSource): ClipboardItem {
  const formats = new Set(clip.availableFormats());
  const paths = copiedFiles(clip, formats);
  if (paths.length) return { kind: 'files', paths };
  const png = clip.readImagePng();
  if (png.length) return { kind: 'image', png };
  const text = clip.readText();
  if (text.trim()) return { kind: 'text', text };
  return { kind: 'empty' };
}

/** Files a file manager copied: text/uri-list (Linux, and Chromium's name for them elsewhere), GNOME's list, macOS file URLs, Windows' FileNameW. */
function copiedFiles(clip: ClipboardSource, formats: Set<string>): string[] {
  const tryRead = (read: () => string | string[]): string[] => {
    try {
      const got = read();
      return Array.isArray(got) ? got : [got];
    } catch {
      return [];
    }
  };
  const fromUris = (text: string) =>
    text
      .split(/\r?\n/)
      .map((l) => l.trim())
      .filter((l) => l && !l.startsWith('#'))
      .map(filePath)
      .filter((p): p is string => p !== undefined);
  if (formats.has('x-special/gnome-copied-files')) {
    // "copy" or "cut", then one file:// URI per line.
    const paths = tryRead(() => fromUris(clip.read('x-special/gnome-copied-files').replace(/^(copy|cut)\s*\n/, '')));
    if (paths.length) return paths;
  }
  if (formats.has('text/uri-list')) {
    const paths = tryRead(() => fromUris(clip.read('text/uri-list')));
    if (paths.length) return paths;
  }
  if (formats.has('NSFilenamesPboardType')) {
    // A property list of paths (macOS, several files copied in Finder).
    const paths = tryRead(() => [...clip.read('NSFilenamesPboardType').matchAll(/<string>([^<]*)<\/string>/g)].map((m) => unescapeXml(m[1]!)));
    if (paths.length) return paths;
  }
  if (formats.has('public.file-url')) {
    const paths = tryRead(() => fromUris(clip.read('public.file-url')));
    if (paths.length) return paths;
  }
  if (formats.has('FileNameW')) {
    // Windows: the first copied file's path, UTF-16 and NUL-terminated.
    const paths = tryRead(() => clip.readBuffer('FileNameW').toString('utf16le').split('\0').filter(Boolean));
    if (paths.length) return paths;
  }
  return [];
}

/** A file:// URI's local path; undefined for anything else (an http link in a URI list is not a file). */
function filePath(uri: string): string | undefined {
  if (!/^file:\/\//i.test(uri)) return undefined;
  try {
    return fileURLToPath(uri);
  } catch {
    // file://host/… on a system that does not take hosts
    return undefined;
  }
}

function unescapeXml(s: string): string {
  return s.replace(/&(lt|gt|quot|apos|amp);/g, (_, e: string) => ({ lt: '<', gt: '>', quot: '"', apos: "'", amp: '&' })[e]!);
}
