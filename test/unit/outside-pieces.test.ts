import { chmod, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { captureAdvice, findCaptureTool } from '../../main/app/capture';
import { whatIsCopied, type ClipboardSource } from '../../main/app/clipboard-share';
import { parseLaunch } from '../../main/app/launch';
import { checkAccelerator, shareClipboardCommand, shortcutSupport } from '../../main/app/shortcut';
import { numbered, freeNames } from '../../main/core/transfers/free-names';
import { tempDir } from '../support/helpers';

const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAIAAAABCAYAAAD0In+KAAAAEUlEQVR4nGP4z8DwHwQZGBgAQP8H+Qr8aNQAAAAASUVORK5CYII=', 'base64');

/** A clipboard of one entry holding these types and bytes, as Electron's clipboard.read() gives it. */
function clip(formats: Record<string, string | Buffer>, png = Buffer.alloc(0), text = ''): ClipboardSource {
  const all: Record<string, Buffer> = {};
  for (const [t, v] of Object.entries(formats)) all[t] = Buffer.isBuffer(v) ? v : Buffer.from(v);
  if (png.length) all['image/png'] = png;
  if (text) all['text/plain'] = Buffer.from(text);
  return { read: async () => [{ types: Object.keys(all), getType: async (t) => all[t]! }] };
}
const raw = (f: string) => `electron application/osclipboard;format="${f}"`;

describe('launch arguments', () => {
  const packaged = { cwd: '/home/ana/Downloads', fromCheckout: false };
  it('takes files after the executable, resolving relative ones against the launching shell’s folder', () => {
    expect(parseLaunch(['/usr/bin/ferry-app', 'a b.txt', '/tmp/x.png'], packaged).files).toEqual(['/home/ana/Downloads/a b.txt', '/tmp/x.png']);
  });
  it('passes over the app folder of a checkout and Chromium’s own switches, and reads the three of Ferry’s', () => {
    expect(parseLaunch(['/x/electron', '/x/ferry', '--allow-file-access-from-files', '--share-clipboard', '--hidden'], { cwd: '/', fromCheckout: true })).toEqual({ files: [], notFiles: [], shareClipboard: true, capture: false, hidden: true });
    expect(parseLaunch(['ferry-app', '--capture'], packaged).capture).toBe(true);
  });
  it('after -- a name that looks like a switch is a file; file:// URIs are paths; repeats are one; other addresses are kept apart to be said', () => {
    const u = pathToFileURL('/tmp/with space/é.txt').href;
    const launch = parseLaunch(['ferry-app', '--upload', u, 'https://example.com/x', u, 'sftp://host/home/ana/a.txt', '--', '--hidden'], packaged);
    expect(launch.files).toEqual(['/tmp/with space/é.txt', '/home/ana/Downloads/--hidden']);
    expect(launch.notFiles).toEqual(['https://example.com/x', 'sftp://host/home/ana/a.txt']);
  });
});

describe('what is on the clipboard', () => {
  it('files copied in GNOME Files, Dolphin (uri-list), Finder (one or several) and Explorer', async () => {
    expect(await whatIsCopied(clip({ [raw('x-special/gnome-copied-files')]: 'cut\nfile:///tmp/a%20b.txt\nfile:///tmp/c.txt' }))).toEqual({ kind: 'files', paths: ['/tmp/a b.txt', '/tmp/c.txt'] });
    expect(await whatIsCopied(clip({ 'text/uri-list': '# comment\r\nfile:///tmp/d.txt\r\nhttps://example.com/not-a-file\r\n' }))).toEqual({ kind: 'files', paths: ['/tmp/d.txt'] });
    expect(await whatIsCopied(clip({ [raw('public.file-url')]: 'file:///Users/ana/e.pdf' }))).toEqual({ kind: 'files', paths: ['/Users/ana/e.pdf'] });
    const plist = '<?xml version="1.0"?><plist><array><string>/Users/ana/R&amp;D.key</string><string>/Users/ana/f.mov</string></array></plist>';
    expect(await whatIsCopied(clip({ [raw('NSFilenamesPboardType')]: plist, [raw('public.file-url')]: 'file:///Users/ana/R&D.key' }))).toEqual({ kind: 'files', paths: ['/Users/ana/R&D.key', '/Users/ana/f.mov'] });
    expect(await whatIsCopied(clip({ [raw('FileNameW')]: Buffer.from('/c/Users/ana/g.docx\0', 'utf16le') }))).toEqual({ kind: 'files', paths: ['/c/Users/ana/g.docx'] });
  });
  it('an image before its alt text; text only when there is something besides blanks', async () => {
    expect(await whatIsCopied(clip({}, PNG, 'a picture'))).toEqual({ kind: 'image', png: PNG });
    expect(await whatIsCopied(clip({ 'image/jpeg': PNG }))).toEqual({ kind: 'image', png: PNG, ext: 'jpg' });
    // A clipboard that cannot be read is empty, not a crash.
    expect(await whatIsCopied({ read: async () => Promise.reject(new Error('no X server')) })).toEqual({ kind: 'empty' });
    expect(await whatIsCopied(clip({}, Buffer.alloc(0), ' note '))).toEqual({ kind: 'text', text: ' note ' });
    expect(await whatIsCopied(clip({}, Buffer.alloc(0), ' \n\t'))).toEqual({ kind: 'empty' });
    // A URI list with no file in it is not files.
    expect(await whatIsCopied(clip({ 'text/uri-list': 'https://example.com/' }, Buffer.alloc(0), 'https://example.com/'))).toEqual({ kind: 'text', text: 'https://example.com/' });
  });
});

describe('the global shortcut', () => {
  it('takes modifier combinations and keys that type nothing; refuses what would steal typing or is not a key', () => {
    for (const ok of ['CommandOrControl+Shift+U', 'Alt+Space', 'Super+F5', 'F13', 'PrintScreen', 'Ctrl+Alt+9']) expect(checkAccelerator(ok)).toBe(ok);
    expect(() => checkAccelerator('U')).toThrow(/take that key from everything you type/);
    expect(() => checkAccelerator('Shift+U')).toThrow(/Add one of them/);
    expect(() => checkAccelerator('Ctrl+Hyper+U')).toThrow(/modifiers .* joined by \+/);
    expect(() => checkAccelerator('Ctrl+Ctrl+U')).toThrow(/named twice/);
    expect(() => checkAccelerator('Ctrl+Shift+Banana')).toThrow(/“banana” is not a key/);
    expect(() => checkAccelerator('Ctrl+')).toThrow(/modifiers/);
  });
  it('Wayland and a session without a display say why and what to bind instead; X11, macOS and Windows work', () => {
    expect(shortcutSupport('linux', { XDG_SESSION_TYPE: 'wayland', WAYLAND_DISPLAY: 'wayland-0', DISPLAY: ':0' })).toMatchObject({ works: false, why: expect.stringContaining('keyboard settings') });
    expect(shortcutSupport('linux', { XDG_SESSION_TYPE: 'x11', DISPLAY: ':0' })).toEqual({ works: true });
    expect(shortcutSupport('linux', {})).toMatchObject({ works: false });
    expect(shortcutSupport('darwin', {})).toEqual({ works: true });
    expect(shortcutSupport('win32', {})).toEqual({ works: true });
  });
  it('the command to bind runs this very app: the AppImage file, not its temporary mount; quoted for a shell', () => {
    expect(shareClipboardCommand({ execPath: '/tmp/.mount_Ferry1/ferry-app', appImage: '/home/ana/Apps/Ferry 1.0.AppImage' })).toBe(`'/home/ana/Apps/Ferry 1.0.AppImage' --share-clipboard`);
    expect(shareClipboardCommand({ execPath: '/opt/Ferry/ferry-app' })).toBe('/opt/Ferry/ferry-app --share-clipboard');
    expect(shareClipboardCommand({ execPath: "/home/o'neil/electron", appPath: '/home/o\'neil/ferry' })).toBe(`'/home/o'\\''neil/electron' '/home/o'\\''neil/ferry' --share-clipboard`);
  });
});

describe('numbered names where one is taken', () => {
  it('puts the number before the extension, and never gives two files one name', async () => {
    expect(numbered('a/report.pdf', 2)).toBe('a/report (2).pdf');
    expect(numbered('a.b/.bashrc', 3)).toBe('a.b/.bashrc (3)');
    expect(numbered('archive.tar.gz', 2)).toBe('archive.tar (2).gz');
    // Counted on from the base, never numbered twice.
    expect(numbered('a/report (2).pdf', 3)).toBe('a/report (3).pdf');
    expect(numbered('photos (2)', 3)).toBe('photos (3)');
    expect(numbered('(2).txt', 3)).toBe('(2) (3).txt');
    const taken = new Set(['x/a.txt', 'x/a (2).txt']);
    const names = await freeNames(['x/a.txt', 'x/b.txt'], async (keys) => new Set(keys.filter((k) => taken.has(k))));
    expect(names).toEqual(['x/a (3).txt', 'x/b.txt']);
    // Two files of one name handed over together (from two folders) both get a name of their own.
    expect(await freeNames(['r.pdf', 'r.pdf', 'r.pdf'], async () => new Set())).toEqual(['r.pdf', 'r (2).pdf', 'r (3).pdf']);
  });
  it('gives up with a clear message when a hundred numbered names are taken', async () => {
    await expect(freeNames(['a.txt'], async (keys) => new Set(keys))).rejects.toThrow(/numbered names after it are all taken/);
  });
});

describe('capture an area: the platform’s own tool, where there is one', () => {
  const fakeTool = async (dir: string, name: string, script: string) => {
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, name), `#!/bin/sh\n${script}\n`);
    await chmod(join(dir, name), 0o755);
  };
  const pngB64 = PNG.toString('base64');
  const deps = (PATH: string) => ({ platform: 'linux' as const, env: { PATH }, readClipboardPng: async () => Buffer.alloc(0) });

  it('gnome-screenshot -a -f FILE: the picture it wrote; nothing when the user pressed Escape', async () => {
    const bin = join(await tempDir(), 'bin');
    await fakeTool(bin, 'gnome-screenshot', `[ "$1" = -a ] && [ "$2" = -f ] && echo ${pngB64} | base64 -d > "$3"`);
    const tool = await findCaptureTool(deps(bin));
    expect(tool?.name).toBe('gnome-screenshot');
    expect(await tool!.capture()).toEqual(PNG);
    await fakeTool(bin, 'gnome-screenshot', 'exit 1');
    expect(await tool!.capture()).toBeUndefined();
  });

  it('grim with the area slurp printed; cancelled slurp captures nothing', async () => {
    const bin = join(await tempDir(), 'bin');
    await fakeTool(bin, 'slurp', 'echo "10,20 300x200"');
    await fakeTool(bin, 'grim', `[ "$1" = -g ] && [ "$2" = "10,20 300x200" ] && echo ${pngB64} | base64 -d > "$3"`);
    const tool = await findCaptureTool(deps(bin));
    expect(tool?.name).toBe('grim and slurp');
    expect(await tool!.capture()).toEqual(PNG);
    await fakeTool(bin, 'slurp', 'echo "selection cancelled" >&2; exit 1');
    expect(await tool!.capture()).toBeUndefined();
  });

  it('is not offered where no tool is installed, and Settings says what to install', async () => {
    expect(await findCaptureTool(deps(join(await tempDir(), 'empty')))).toBeUndefined();
    expect(captureAdvice('linux')).toMatch(/gnome-screenshot.*grim and slurp/);
  });
});
