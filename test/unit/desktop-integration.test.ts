import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, lstat, mkdir, readFile, readdir, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  autostartEntry,
  autostartPath,
  dolphinServiceMenu,
  execValue,
  fileManagerItems,
  linuxAutostart,
  nautilusScript,
  nemoAction,
  parseDesktopFile,
  parseExecValue,
  quoteExecArg,
} from '../../main/core/desktop';
import { FerryError } from '../../main/core/errors';
import { tempDir } from '../support/helpers-fs';

const ROOT = resolve(__dirname, '../..');

/** Arguments that each break a naive Exec line or shell script in their own way. */
const NASTY = [
  'plain',
  'with space',
  'double"quote',
  "single'quote",
  'back`tick`',
  '$HOME',
  '$(touch pwned)',
  '100% %F %u %%',
  'back\\slash\\',
  'two\\\\back',
  'new\nline',
  'tab\tand\rreturn',
  ';&|<>*?#()~',
  'key=value',
  '-x',
  '--hidden',
  '',
  'ünïcødé 🚢',
  '\\n not a newline',
];

function entryOf(text: string, group = 'Desktop Entry'): Map<string, string> {
  const g = parseDesktopFile(text).get(group);
  if (!g) throw new Error(`no [${group}] in\n${text}`);
  return g;
}

async function mode(path: string): Promise<number> {
  return (await stat(path)).mode & 0o777;
}

const gio = spawnSync('gio', ['--version']).status === 0;

/** A stand-in program that writes the arguments it was given, NUL-separated, to `out`. */
async function recorder(dir: string, name: string, out: string): Promise<string> {
  await mkdir(dir, { recursive: true });
  const path = join(dir, name);
  const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
  // Written aside and renamed: whoever waits for the file sees all of it.
  await writeFile(path, `#!/bin/sh\n{ for a do printf '%s\\0' "$a"; done; } > ${q(`${out}.part`)} && mv ${q(`${out}.part`)} ${q(out)}\n`);
  await chmod(path, 0o755);
  return path;
}

async function recorded(out: string): Promise<string[]> {
  for (let i = 0; i < 100 && !existsSync(out); i++) await new Promise((r) => setTimeout(r, 50));
  const text = await readFile(out, 'utf8');
  return text === '' ? [] : text.slice(0, -1).split('\0');
}

describe('Exec quoting (desktop-entry)', () => {
  it('splits back into the original argv, for every nasty argument, as program or argument', () => {
    for (const arg of NASTY) {
      const args = [`/opt/${arg.replace(/=/g, '')}/ferry-app`, arg, '--hidden'];
      const value = execValue(args, ['%F']);
      expect(value, `one line for ${JSON.stringify(arg)}`).not.toMatch(/[\n\r]/);
      const back = parseExecValue(value);
      const program = args[0]!.includes('%') ? ['/usr/bin/env'] : [];
      expect(back, JSON.stringify(value)).toEqual([...program, ...args, '%F']);
    }
  });

  it('quotes by the specification: reserved characters quoted, " ` $ \\ escaped inside, % doubled', () => {
    expect(quoteExecArg('plain')).toBe('plain');
    expect(quoteExecArg('')).toBe('""');
    expect(quoteExecArg('a b')).toBe('"a b"');
    expect(quoteExecArg('say "hi" $HOME `x` \\')).toBe('"say \\"hi\\" \\$HOME \\`x\\` \\\\"');
    expect(quoteExecArg('100%')).toBe('100%%');
    // The file's string escapes come on top: a literal backslash in a quoted argument is four.
    expect(execValue(['/a b/c\\d'])).toBe('"/a b/c\\\\\\\\d"');
    expect(execValue(['/x', 'new\nline'])).toBe('/x "new\\nline"');
  });

  it('refuses what no desktop entry can run, saying what to do', () => {
    expect(() => execValue(['/opt/a=b/ferry-app'])).toThrow(/holds "=".*Move Ferry to a folder without "="/);
    expect(() => execValue(['/opt/bell\u0007/ferry-app'])).toThrow(/control character.*Move Ferry/);
    expect(() => execValue(['/opt/\ud800/ferry-app'])).toThrow(/not valid Unicode/);
    try {
      execValue(['/a=b']);
    } catch (err) {
      expect(err).toBeInstanceOf(FerryError);
      expect((err as FerryError).code).toBe('DESKTOP_INTEGRATION');
    }
  });

  it.runIf(gio)("GLib's own launcher (gio launch) runs the autostart entry and the menus' Exec with the exact arguments", async () => {
    const dir = await tempDir('ferry-gio-');
    // One folder name holding every character that needs care, but = (refused: the specification forbids it in the program).
    const nasty = join(dir, `a b "q" 'sq' $HOME \`t\` 100% \\b\\ \n nl ;&|<>*?#()~ ü`);
    const out = join(dir, 'argv');
    const program = await recorder(nasty, 'ferry app', out);

    const autostart = join(dir, 'autostart.desktop');
    await writeFile(autostart, autostartEntry({ env: {}, execPath: program }));
    let r = spawnSync('gio', ['launch', autostart], { encoding: 'utf8', timeout: 20_000 });
    expect(r.status, r.stderr).toBe(0);
    expect(await recorded(out)).toEqual(['--hidden']);

    // Nemo and Dolphin put the same Exec in their own groups; as an application entry GLib runs it.
    const files = NASTY.filter((n) => n !== '').map((n) => join(dir, 'files', n.replace(/\//g, '_')));
    for (const menu of [nemoAction([program]), dolphinServiceMenu([program])]) {
      const exec = parseDesktopFile(menu).get('Nemo Action')?.get('Exec') ?? entryOf(menu, 'Desktop Action ferryShare').get('Exec')!;
      const app = join(dir, 'menu.desktop');
      await writeFile(app, `[Desktop Entry]\nType=Application\nName=Ferry\nExec=${exec}\n`);
      await rm(out);
      r = spawnSync('gio', ['launch', app, ...files], { encoding: 'utf8', timeout: 20_000 });
      expect(r.status, r.stderr).toBe(0);
      expect(await recorded(out)).toEqual(['--upload', ...files]);
    }
  });
});

describe('linuxAutostart', () => {
  const execPath = '/opt/Ferry/ferry-app';

  it('writes $XDG_CONFIG_HOME/autostart/ferry.desktop (~/.config by default): Exec --hidden, enabled, marked as Ferry’s', async () => {
    const home = await tempDir('ferry-home-');
    expect(autostartPath({ env: {}, home })).toBe(join(home, '.config/autostart/ferry.desktop'));
    expect(autostartPath({ env: { XDG_CONFIG_HOME: '/elsewhere/cfg' }, home })).toBe('/elsewhere/cfg/autostart/ferry.desktop');
    // The base directory specification says a relative value is ignored.
    expect(autostartPath({ env: { XDG_CONFIG_HOME: 'relative' }, home })).toBe(join(home, '.config/autostart/ferry.desktop'));

    const config = join(home, 'cfg');
    const login = linuxAutostart({ env: { XDG_CONFIG_HOME: config }, home, execPath });
    expect(await login.state()).toBe(false);
    await login.set(true);
    const file = join(config, 'autostart/ferry.desktop');
    const text = await readFile(file, 'utf8');
    const entry = entryOf(text);
    expect(parseExecValue(entry.get('Exec')!)).toEqual([execPath, '--hidden']);
    expect(entry.get('Type')).toBe('Application');
    expect(entry.get('X-GNOME-Autostart-enabled')).toBe('true');
    expect(entry.get('X-Ferry-Autostart')).toBe('true');
    expect(entry.get('TryExec')).toBe(execPath);
    expect(await mode(file)).toBe(0o644);
    expect(await login.state()).toBe(true);
    // Nothing else was left in the folder (no temporary file).
    expect(await readdir(join(config, 'autostart'))).toEqual(['ferry.desktop']);
  });

  it('on, on, off, off, on: idempotent, an unchanged entry is not rewritten', async () => {
    const home = await tempDir('ferry-home-');
    const login = linuxAutostart({ env: {}, home, execPath });
    const file = autostartPath({ env: {}, home });
    await login.set(true);
    const first = await stat(file);
    await login.set(true);
    expect((await stat(file)).ino).toBe(first.ino);
    await login.set(false);
    expect(existsSync(file)).toBe(false);
    expect(await login.state()).toBe(false);
    await login.set(false);
    await login.set(true);
    expect(await login.state()).toBe(true);
  });

  it('is rewritten where Ferry moved, and taken as off when the session turned it off in the file', async () => {
    const home = await tempDir('ferry-home-');
    const file = autostartPath({ env: {}, home });
    await linuxAutostart({ env: {}, home, execPath: '/old/ferry-app' }).set(true);
    const login = linuxAutostart({ env: {}, home, execPath });
    await login.set(true);
    expect(parseExecValue(entryOf(await readFile(file, 'utf8')).get('Exec')!)[0]).toBe(execPath);
    // GNOME's startup applications tool keeps the file and writes this into it.
    await writeFile(file, (await readFile(file, 'utf8')).replace('X-GNOME-Autostart-enabled=true', 'X-GNOME-Autostart-enabled=false'));
    expect(await login.state()).toBe(false);
    await login.set(true);
    expect(await login.state()).toBe(true);
  });

  it('inside an AppImage runs the AppImage file, not the temporary mount; an inherited APPIMAGE is not believed', async () => {
    const home = await tempDir('ferry-home-');
    const inside = { APPIMAGE: '/home/u/Apps/Ferry 1.0.AppImage', APPDIR: '/tmp/.mount_FerryAb12' };
    await linuxAutostart({ env: inside, home, execPath: '/tmp/.mount_FerryAb12/ferry-app' }).set(true);
    const exec = () => readFile(autostartPath({ env: {}, home }), 'utf8').then((t) => parseExecValue(entryOf(t).get('Exec')!));
    // An AppImage's sandbox helper cannot be setuid in its mount: it runs with --no-sandbox, as its own entry does.
    expect(await exec()).toEqual(['/home/u/Apps/Ferry 1.0.AppImage', '--no-sandbox', '--hidden']);
    // A deb install started from another AppImage's terminal inherits that one's variables.
    await linuxAutostart({ env: { APPIMAGE: '/home/u/Other.AppImage', APPDIR: '/tmp/.mount_OtherXy' }, home, execPath }).set(true);
    expect(await exec()).toEqual([execPath, '--hidden']);
    await linuxAutostart({ env: {}, home, execPath: '/tmp/.mount_x/ferry-app', appImage: '/a/Ferry.AppImage' }).set(true);
    expect(await exec()).toEqual(['/a/Ferry.AppImage', '--no-sandbox', '--hidden']);
  });

  it('never replaces nor removes an entry Ferry did not write', async () => {
    const home = await tempDir('ferry-home-');
    const file = autostartPath({ env: {}, home });
    await mkdir(join(home, '.config/autostart'), { recursive: true });
    const mine = '[Desktop Entry]\nType=Application\nName=My ferry\nExec=/usr/local/bin/my-ferry\n';
    await writeFile(file, mine);
    const login = linuxAutostart({ env: {}, home, execPath });
    expect(await login.state()).toBe(false);
    await expect(login.set(true)).rejects.toThrow(`${file} was not written by Ferry, so Ferry will not write it. Rename or remove it yourself if it should go, then try again.`);
    await expect(login.set(false)).rejects.toThrow(/was not written by Ferry, so Ferry will not remove it/);
    expect(await readFile(file, 'utf8')).toBe(mine);
  });

  it('refuses a symbolic link at the path, and says so, leaving the link and its target as they were', async () => {
    const home = await tempDir('ferry-home-');
    const file = autostartPath({ env: {}, home });
    await mkdir(join(home, '.config/autostart'), { recursive: true });
    const victim = join(home, '.bashrc');
    await writeFile(victim, 'export PATH\n');
    await symlink(victim, file);
    const login = linuxAutostart({ env: {}, home, execPath });
    await expect(login.set(true)).rejects.toThrow(/is a symbolic link; Ferry does not follow it.*Remove the link, then try again/);
    await expect(login.set(false)).rejects.toThrow(/symbolic link/);
    expect(await readFile(victim, 'utf8')).toBe('export PATH\n');
    expect((await lstat(file)).isSymbolicLink()).toBe(true);
    expect(await login.state()).toBe(false);
    // A link to a file Ferry wrote is refused all the same: it is not read through.
    const elsewhere = join(home, 'ferry.desktop');
    await writeFile(elsewhere, autostartEntry({ env: {}, execPath }));
    await rm(file);
    await symlink(elsewhere, file);
    expect(await login.state()).toBe(false);
    await expect(login.set(true)).rejects.toThrow(/symbolic link/);
  });

  it('a folder it cannot write in: says which folder and what to do', async () => {
    const home = await tempDir('ferry-home-');
    const config = join(home, '.config');
    await mkdir(config);
    await chmod(config, 0o555);
    // The module bundled into one file beside the script, so the user it runs as needs to read
    // nothing of the checkout (whose folder may be private to root, as a CI clone's is).
    const { build } = await import('esbuild');
    const bundle = join(home, 'desktop.mjs');
    await build({ entryPoints: [join(ROOT, 'main/core/desktop/index.ts')], bundle: true, platform: 'node', format: 'esm', outfile: bundle, logLevel: 'silent' });
    const script = join(home, 'set.mjs');
    await writeFile(
      script,
      `import { linuxAutostart } from ${JSON.stringify(bundle)};
try { await linuxAutostart({ env: {}, home: ${JSON.stringify(home)}, execPath: '/opt/Ferry/ferry-app' }).set(true); console.log(JSON.stringify({ ok: true })); }
catch (e) { console.log(JSON.stringify({ code: e.code, message: e.message })); }`,
    );
    // Root writes anywhere: the write is tried as nobody then, as a user would meet it.
    const asNobody = process.getuid?.() === 0;
    if (asNobody) await chmod(home, 0o755);
    const r = spawnSync(process.execPath, [script], { cwd: home, encoding: 'utf8', timeout: 60_000, ...(asNobody ? { uid: 65534, gid: 65534 } : {}) });
    await chmod(config, 0o755);
    expect(r.status, r.stderr).toBe(0);
    const result = JSON.parse(r.stdout.trim().split('\n').pop()!) as { code?: string; message?: string };
    expect(result.code).toBe('DESKTOP_INTEGRATION');
    expect(result.message).toBe(
      `Ferry could not write the autostart entry (${join(config, 'autostart/ferry.desktop')}): you cannot write in ${config}. Make ${config} yours and writable (ls -ld ${JSON.stringify(config)} shows who owns it), then try again.`,
    );
  });
});

describe('fileManagerItems', () => {
  const launcher = '/opt/Ferry/ferry-app';

  it('lists the three, present when the program is on PATH or its data folder exists', async () => {
    const home = await tempDir('ferry-home-');
    const bin = join(home, 'bin');
    await mkdir(bin);
    const items = fileManagerItems({ env: { PATH: bin }, home, execPath: launcher });
    expect(await items.list()).toEqual([
      { id: 'nautilus', label: 'Files (Nautilus)', present: false, installed: false },
      { id: 'nemo', label: 'Nemo', present: false, installed: false },
      { id: 'dolphin', label: 'Dolphin', present: false, installed: false },
    ]);
    await writeFile(join(bin, 'nemo'), '#!/bin/sh\n');
    await chmod(join(bin, 'nemo'), 0o755);
    await writeFile(join(bin, 'nautilus'), 'not executable\n');
    await mkdir(join(home, '.local/share/dolphin'), { recursive: true });
    expect((await items.list()).map((i) => [i.id, i.present])).toEqual([
      ['nautilus', false],
      ['nemo', true],
      ['dolphin', true],
    ]);
  });

  it('installs each where its file manager reads it, with the mode it needs; on, on, off, on', async () => {
    const home = await tempDir('ferry-home-');
    const data = join(home, 'data');
    const items = fileManagerItems({ env: { XDG_DATA_HOME: data }, home, execPath: launcher });
    const where = {
      nautilus: [[join(data, 'nautilus/scripts/Share with Ferry'), 0o755]],
      nemo: [[join(data, 'nemo/actions/ferry-share.nemo_action'), 0o644]],
      dolphin: [
        [join(data, 'kio/servicemenus/ferry-share.desktop'), 0o755],
        [join(data, 'kservices5/ServiceMenus/ferry-share.desktop'), 0o755],
      ],
    } as const;
    for (const id of ['nautilus', 'nemo', 'dolphin'] as const) {
      await items.set(id, true);
      await items.set(id, true);
      for (const [path, m] of where[id]) expect(await mode(path), path).toBe(m);
      expect((await items.list()).find((i) => i.id === id)?.installed).toBe(true);
      await items.set(id, false);
      for (const [path] of where[id]) expect(existsSync(path), path).toBe(false);
      expect((await items.list()).find((i) => i.id === id)?.installed).toBe(false);
      await items.set(id, false);
      await items.set(id, true);
      expect((await items.list()).find((i) => i.id === id)?.installed).toBe(true);
    }
  });

  it('Nemo and Dolphin files: the formats they read, Exec running the launcher with --upload %F', async () => {
    const nasty = `/home/u/My "Apps" $x 100%/Ferry's.AppImage`;
    const nemo = entryOf(nemoAction([nasty]), 'Nemo Action');
    expect(Object.fromEntries(nemo)).toMatchObject({ Name: 'Share with Ferry', Selection: 'notnone', 'Extensions': 'any;', 'X-Ferry-FileManager': 'nemo' });
    expect(parseExecValue(nemo.get('Exec')!)).toEqual(['/usr/bin/env', nasty, '--upload', '%F']);

    const dolphin = dolphinServiceMenu([nasty]);
    expect(Object.fromEntries(entryOf(dolphin))).toMatchObject({
      Type: 'Service',
      ServiceTypes: 'KonqPopupMenu/Plugin',
      MimeType: 'all/allfiles;inode/directory;',
      Actions: 'ferryShare;',
      'X-KDE-Priority': 'TopLevel',
    });
    const action = entryOf(dolphin, 'Desktop Action ferryShare');
    expect(action.get('Name')).toBe('Share with Ferry');
    expect(parseExecValue(action.get('Exec')!)).toEqual(['/usr/bin/env', nasty, '--upload', '%F']);
  });

  for (const shell of ['dash', 'bash']) {
    it.runIf(spawnSync(shell, ['-c', 'true']).status === 0)(`the Nautilus script (run by ${shell}) passes each selected file on as one absolute path`, async () => {
      const dir = await tempDir('ferry-nautilus-');
      const out = join(dir, 'argv');
      const program = await recorder(join(dir, `app's "dir" $HOME`), 'ferry-app', out);
      const script = join(dir, 'Share with Ferry');
      await writeFile(script, nautilusScript([program]));
      await chmod(script, 0o755);
      const shown = join(dir, `shown folder; $(x)`);
      await mkdir(shown);
      const names = NASTY.filter((n) => n !== '' && !n.includes('/'));
      for (const n of names) await writeFile(join(shown, n), 'x');
      // As Nautilus runs it: in the folder shown, names relative to it (one absolute: a search result elsewhere).
      const elsewhere = join(dir, 'other file');
      const r = spawnSync(shell, [script, ...names, elsewhere], { cwd: shown, encoding: 'utf8', env: { PATH: process.env.PATH, PWD: '/somewhere/stale' } });
      expect(r.status, r.stderr).toBe(0);
      expect(await recorded(out)).toEqual(['--upload', ...names.map((n) => join(shown, n)), elsewhere]);
      expect(existsSync(join(shown, 'pwned'))).toBe(false);
      expect(existsSync(join(dir, 'pwned'))).toBe(false);
    });

    it.runIf(spawnSync(shell, ['-c', 'true']).status === 0)(`the Nautilus script (run by ${shell}) in a remote folder passes the selected addresses on, one argument each`, async () => {
      const dir = await tempDir('ferry-nautilus-');
      const out = join(dir, 'argv');
      const program = await recorder(join(dir, 'app'), 'ferry-app', out);
      const script = join(dir, 'Share with Ferry');
      await writeFile(script, nautilusScript([program]));
      await chmod(script, 0o755);
      const uris = ['sftp://host/home/me/a%20report.pdf', 'smb://nas/share/*.txt'];
      const r = spawnSync(shell, [script], { cwd: dir, encoding: 'utf8', env: { PATH: process.env.PATH, NAUTILUS_SCRIPT_SELECTED_URIS: `${uris.join('\n')}\n` } });
      expect(r.status, r.stderr).toBe(0);
      expect(await recorded(out)).toEqual(['--upload', ...uris]);
    });
  }

  it('refuses a file it did not write or a link, for every file of the item, before writing any', async () => {
    const home = await tempDir('ferry-home-');
    const data = join(home, '.local/share');
    const items = fileManagerItems({ env: {}, home, execPath: launcher });
    // Someone's own service menu where Ferry's KF5 copy would go: neither copy is written.
    const legacy = join(data, 'kservices5/ServiceMenus/ferry-share.desktop');
    await mkdir(join(data, 'kservices5/ServiceMenus'), { recursive: true });
    await writeFile(legacy, '[Desktop Entry]\nType=Service\n');
    await expect(items.set('dolphin', true)).rejects.toThrow(`${legacy} was not written by Ferry, so Ferry will not write it.`);
    expect(existsSync(join(data, 'kio/servicemenus/ferry-share.desktop'))).toBe(false);
    await expect(items.set('dolphin', false)).rejects.toThrow(/will not remove it/);
    expect(await readFile(legacy, 'utf8')).toBe('[Desktop Entry]\nType=Service\n');

    const action = join(data, 'nemo/actions/ferry-share.nemo_action');
    await mkdir(join(data, 'nemo/actions'), { recursive: true });
    const victim = join(home, 'victim');
    await writeFile(victim, 'keep me\n');
    await symlink(victim, action);
    await expect(items.set('nemo', true)).rejects.toThrow(/is a symbolic link; Ferry does not follow it/);
    expect(await readFile(victim, 'utf8')).toBe('keep me\n');
    expect((await items.list()).find((i) => i.id === 'nemo')?.installed).toBe(false);
  });

  it('inside an AppImage every item runs the AppImage file, with --no-sandbox as the AppImage\'s own entry', async () => {
    const home = await tempDir('ferry-home-');
    const env = { APPIMAGE: '/home/u/Ferry.AppImage', APPDIR: '/tmp/.mount_Ferry1' };
    const items = fileManagerItems({ env, home, execPath: '/tmp/.mount_Ferry1/ferry-app' });
    for (const id of ['nemo', 'dolphin', 'nautilus'] as const) await items.set(id, true);
    const text = await readFile(join(home, '.local/share/nemo/actions/ferry-share.nemo_action'), 'utf8');
    expect(parseExecValue(entryOf(text, 'Nemo Action').get('Exec')!)).toEqual(['/home/u/Ferry.AppImage', '--no-sandbox', '--upload', '%F']);
    const dolphin = await readFile(join(home, '.local/share/kio/servicemenus/ferry-share.desktop'), 'utf8');
    expect(parseExecValue(entryOf(dolphin, 'Desktop Action ferryShare').get('Exec')!)).toEqual(['/home/u/Ferry.AppImage', '--no-sandbox', '--upload', '%F']);
    expect(await readFile(join(home, '.local/share/nautilus/scripts/Share with Ferry'), 'utf8')).toContain(`exec '/home/u/Ferry.AppImage' '--no-sandbox' --upload "$@"`);
  });
});
