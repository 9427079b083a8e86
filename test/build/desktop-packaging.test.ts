import { createRequire } from 'node:module';
import { existsSync } from 'node:fs';
import { access, constants, readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { load } from 'js-yaml';
import { describe, expect, it } from 'vitest';
import { parseDesktopFile, parseExecValue } from '../../main/core/desktop';
import { tempDir } from '../support/helpers-fs';
import { standInElectron } from '../support/stand-in-electron';

const ROOT = resolve(__dirname, '../..');
const requireHere = createRequire(join(ROOT, 'package.json'));

interface DocumentType {
  CFBundleTypeName?: string;
  CFBundleTypeRole?: string;
  LSHandlerRank?: string;
  LSItemContentTypes?: string[];
}
interface BuilderConfig {
  linux?: { executableName?: string; target?: string[] };
  mac?: { target?: string[]; extendInfo?: { CFBundleDocumentTypes?: DocumentType[] } };
  nsis?: { include?: string; oneClick?: boolean };
}

function group(text: string, name: string): Map<string, string> {
  const g = parseDesktopFile(text).get(name);
  if (!g) throw new Error(`no [${name}] in\n${text}`);
  return g;
}

/** The macros of an NSIS script, each as its lines with !insertmacro of the script's own macros expanded and ${DEFINES} substituted. */
function nsisMacros(script: string, defines: Record<string, string>): Map<string, string[]> {
  const lines = script.split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith(';'));
  const defs = { ...defines };
  const raw = new Map<string, { params: string[]; body: string[] }>();
  for (let i = 0; i < lines.length; i++) {
    const def = /^!define\s+(\S+)\s+"(.*)"$/.exec(lines[i]!);
    if (def) defs[def[1]!] = def[2]!;
    const m = /^!macro\s+(\S+)\s*(.*)$/.exec(lines[i]!);
    if (!m) continue;
    const body: string[] = [];
    for (i++; lines[i] !== '!macroend'; i++) {
      if (i >= lines.length) throw new Error(`!macro ${m[1]} has no !macroend`);
      body.push(lines[i]!);
    }
    raw.set(m[1]!, { params: m[2]!.split(/\s+/).filter(Boolean), body });
  }
  const subst = (l: string, vars: Record<string, string>) => l.replace(/\$\{([A-Za-z_]+)\}/g, (all, n: string) => vars[n] ?? all);
  const expand = (name: string, args: string[]): string[] => {
    const macro = raw.get(name)!;
    const vars = { ...defs, ...Object.fromEntries(macro.params.map((p, i) => [p, args[i] ?? ''])) };
    return macro.body.flatMap((l) => {
      const call = /^!insertmacro\s+(\S+)\s*(.*)$/.exec(l);
      if (call && raw.has(call[1]!)) return expand(call[1]!, [...call[2]!.matchAll(/"([^"]*)"|(\S+)/g)].map((a) => subst(a[1] ?? a[2]!, vars)));
      return [subst(l, vars)];
    });
  };
  return new Map([...raw.keys()].map((n) => [n, expand(n, [])]));
}

describe('desktop integration as the installers register it', () => {
  it('electron-builder.yml: the Linux executable is ferry-app, the NSIS include is named, the Mac takes any file or folder', async () => {
    const config = load(await readFile(join(ROOT, 'electron-builder.yml'), 'utf8')) as BuilderConfig;
    // ferry is the CLI's name on PATH (package.json bin): the app must not take /usr/bin/ferry.
    expect(config.linux?.executableName).toBe('ferry-app');
    expect(config.linux?.target).toEqual(expect.arrayContaining(['AppImage', 'deb']));
    expect(config.nsis?.include).toBe('build/installer.nsh');
    expect(existsSync(join(ROOT, 'build/installer.nsh'))).toBe(true);
    // Targets another change set (the updater needs the zip): still there.
    expect(config.mac?.target).toEqual(expect.arrayContaining(['dmg', 'zip']));
    const types = config.mac?.extendInfo?.CFBundleDocumentTypes ?? [];
    for (const uti of ['public.data', 'public.folder']) {
      const t = types.find((d) => d.LSItemContentTypes?.includes(uti));
      // Viewer and Alternate: listed under Open With and accepted on the dock, never the default opener.
      expect(t, uti).toMatchObject({ CFBundleTypeRole: 'Viewer', LSHandlerRank: 'Alternate', CFBundleTypeName: expect.any(String) });
    }
  });

  it('the NSIS include: install adds "Share with Ferry" for files and folders where the install lives, quoted; uninstall removes every key it adds', async () => {
    const script = await readFile(join(ROOT, 'build/installer.nsh'), 'utf8');
    // The macro names electron-builder 26's templates call, and the option it reads the include from.
    const templates = join(ROOT, 'node_modules/app-builder-lib/templates/nsis');
    expect(await readFile(join(templates, 'installSection.nsh'), 'utf8')).toContain('!insertmacro customInstall');
    expect(await readFile(join(templates, 'uninstaller.nsh'), 'utf8')).toContain('!insertmacro customUnInstall');
    expect(await readFile(join(ROOT, 'node_modules/app-builder-lib/out/targets/nsis/NsisTarget.js'), 'utf8')).toContain('getResource(this.options.include, "installer.nsh")');

    const macros = nsisMacros(script, { APP_EXECUTABLE_FILENAME: 'Ferry.exe' });
    const install = macros.get('customInstall');
    const uninstall = macros.get('customUnInstall');
    expect(install, 'customInstall').toBeDefined();
    expect(uninstall, 'customUnInstall').toBeDefined();
    const writes = install!.filter((l) => l.startsWith('WriteRegStr')).map((l) => [...l.matchAll(/'([^']*)'|"([^"]*)"|(\S+)/g)].map((m) => m[1] ?? m[2] ?? m[3]!));
    // SHELL_CONTEXT only: HKCU for a per-user install, HKLM for a per-machine one, never one hard-coded.
    expect(writes.every((w) => w[1] === 'SHELL_CONTEXT'), JSON.stringify(writes)).toBe(true);
    const value = (key: string, name: string) => writes.find((w) => w[2] === key && w[3] === name)?.[4];
    for (const root of ['Software\\Classes\\*\\shell\\FerryShare', 'Software\\Classes\\Directory\\shell\\FerryShare']) {
      expect(value(root, ''), root).toBe('Share with Ferry');
      expect(value(root, 'MultiSelectModel')).toBe('Player');
      // The install folder may hold spaces (C:\Program Files\Ferry), and so may the file: both quoted.
      expect(value(`${root}\\command`, '')).toBe('"$INSTDIR\\Ferry.exe" --upload "%1"');
    }
    const deleted = uninstall!.filter((l) => l.startsWith('DeleteRegKey')).map((l) => /^DeleteRegKey\s+(\S+)\s+"([^"]+)"$/.exec(l)!.slice(1));
    for (const w of writes) {
      expect(
        deleted.some(([root, key]) => root === w[1] && (w[2] === key || w[2]!.startsWith(`${key}\\`))),
        `${w[2]} is removed by customUnInstall`,
      ).toBe(true);
    }
    // Removing must not take more than Ferry's own keys (Software\Classes\* itself, say).
    for (const [, key] of deleted) expect(key).toMatch(/\\shell\\FerryShare$/);
  });

  it('the deb and the AppImage: the desktop entry electron-builder puts in each (Exec, %F, the actions, ferry-app on PATH)', async () => {
    if (!existsSync(join(ROOT, 'out/main/index.js'))) throw new Error('Build first: npm run build');
    const dir = await tempDir('ferry-pack-desktop-');
    const dist = await standInElectron(dir);
    const out = join(dir, 'out');

    // fpm and appimagetool come from GitHub, out of reach here. electron-builder hands each Linux
    // target's computed result to effectiveOptionComputed just before running them (its own tests
    // use it); answering true ends that target there. What is looked at is what would be packed.
    const seen: { appImage?: { desktop: string; desktopFileName: string }; deb?: { args: string[]; desktop: string; afterInstall: string } } = {};
    const builder = requireHere('electron-builder') as typeof import('electron-builder');
    await builder.build({
      projectDir: ROOT,
      targets: builder.Platform.LINUX.createTarget(['AppImage', 'deb'], builder.Arch.x64),
      publish: 'never',
      config: { electronDist: dist, npmRebuild: false, directories: { output: out } },
      effectiveOptionComputed: async (o: unknown) => {
        if (Array.isArray(o)) {
          const [args, desktopPath] = o as [string[], string];
          const afterInstall = args[args.indexOf('--after-install') + 1]!;
          // Read now: electron-builder deletes its temporary files when the build ends.
          seen.deb = { args, desktop: await readFile(desktopPath, 'utf8'), afterInstall: await readFile(afterInstall, 'utf8') };
        } else {
          seen.appImage = o as { desktop: string; desktopFileName: string };
        }
        return true;
      },
    });

    // The AppImage: AppRun is its entry point; desktop integrators put the AppImage's path there.
    expect(seen.appImage?.desktopFileName).toBe('ferry-app.desktop');
    const ai = seen.appImage!.desktop;
    const aiEntry = group(ai, 'Desktop Entry');
    // electron-builder always ends the AppImage's Exec with %U (not configurable): files arrive as file:// URIs there.
    expect(parseExecValue(aiEntry.get('Exec')!)).toEqual(['AppRun', '--no-sandbox', '%U']);
    expect(aiEntry.get('Actions')).toBe('upload;share-clipboard;');
    expect(aiEntry.has('MimeType')).toBe(false);
    expect(aiEntry.get('Icon')).toBe('ferry-app');
    expect(Object.fromEntries(group(ai, 'Desktop Action upload'))).toMatchObject({ Name: 'Upload with Ferry' });
    expect(parseExecValue(group(ai, 'Desktop Action upload').get('Exec')!)).toEqual(['AppRun', '--no-sandbox', '--upload', '%F']);
    expect(parseExecValue(group(ai, 'Desktop Action share-clipboard').get('Exec')!)).toEqual(['AppRun', '--no-sandbox', '--share-clipboard']);

    // The deb: /opt/Ferry holds the app, its entry runs /opt/Ferry/ferry-app %F.
    const deb = seen.deb!;
    expect(deb.args).toContain(`${join(out, 'linux-unpacked')}/=/opt/Ferry`);
    await access(join(out, 'linux-unpacked', 'ferry-app'), constants.X_OK);
    expect(deb.args.some((a) => a.endsWith('=/usr/share/applications/ferry-app.desktop'))).toBe(true);
    const entry = group(deb.desktop, 'Desktop Entry');
    const exec = parseExecValue(entry.get('Exec')!);
    expect(exec).toEqual(['/opt/Ferry/ferry-app', '%F']);
    expect(entry.get('Actions')).toBe('upload;share-clipboard;');
    expect(entry.has('MimeType')).toBe(false);
    expect(parseExecValue(group(deb.desktop, 'Desktop Action upload').get('Exec')!)).toEqual([exec[0], '--upload', '%F']);
    expect(group(deb.desktop, 'Desktop Action upload').get('Name')).toBe('Upload with Ferry');
    expect(parseExecValue(group(deb.desktop, 'Desktop Action share-clipboard').get('Exec')!)).toEqual([exec[0], '--share-clipboard']);
    // ferry-app on PATH (a shortcut can run it by name), and /usr/bin/ferry left to the CLI.
    expect(deb.afterInstall).toContain("ln -sf '/opt/Ferry/ferry-app' '/usr/bin/ferry-app'");
    expect(deb.afterInstall).not.toMatch(/\/usr\/bin\/ferry'/);
    // The control file's fields a deb cannot be built without.
    expect(deb.args[deb.args.indexOf('--maintainer') + 1]).toMatch(/^.+ <[^>]+@[^>]+>$/);
    expect(deb.args[deb.args.indexOf('--url') + 1]).toMatch(/^https:\/\//);
  }, 180_000);
});
