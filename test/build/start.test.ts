import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { chmod, copyFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../support/helpers-fs';

const ROOT = resolve(__dirname, '../..');
const ELECTRON_VERSION = (JSON.parse(readFileSync(join(ROOT, 'node_modules/electron/package.json'), 'utf8')) as { version: string }).version;

/**
 * A checkout as npm install leaves it where Electron's binary could not be downloaded: the
 * launcher, and node_modules/electron without path.txt or dist/. `electron` adds a stand-in binary
 * (a script that says what it was given), `vite` a stand-in for electron-vite's build.
 */
async function checkout(opts: { electron?: 'absent' | 'no-path' | 'no-dist' | 'installed'; vite?: number } = {}): Promise<string> {
  const dir = await tempDir('ferry-start-');
  await mkdir(join(dir, 'build'));
  await copyFile(join(ROOT, 'build/start.mjs'), join(dir, 'build/start.mjs'));
  await writeFile(join(dir, 'package.json'), JSON.stringify({ name: 'ferry', version: '0.1.0', scripts: { start: 'node build/start.mjs' } }));
  const state = opts.electron ?? 'no-path';
  if (state !== 'absent') {
    const pkg = join(dir, 'node_modules/electron');
    await mkdir(pkg, { recursive: true });
    await writeFile(join(pkg, 'package.json'), JSON.stringify({ name: 'electron', version: ELECTRON_VERSION, main: 'index.js' }));
    if (state !== 'no-path') await writeFile(join(pkg, 'path.txt'), 'electron');
    if (state === 'installed') {
      await mkdir(join(pkg, 'dist'));
      await writeFile(join(pkg, 'dist/electron'), '#!/bin/sh\necho "electron $* in $(pwd)"\nexit 3\n');
      await chmod(join(pkg, 'dist/electron'), 0o755);
    }
  }
  const vite = join(dir, 'node_modules/electron-vite');
  await mkdir(join(vite, 'bin'), { recursive: true });
  await writeFile(join(vite, 'package.json'), JSON.stringify({ name: 'electron-vite', exports: { './package.json': './package.json' }, bin: { 'electron-vite': 'bin/electron-vite.js' } }));
  await writeFile(join(vite, 'bin/electron-vite.js'), `console.log('built: ' + process.argv.slice(2).join(' ')); process.exit(${opts.vite ?? 0});`);
  return dir;
}

function start(dir: string, env: NodeJS.ProcessEnv = {}, args: string[] = []) {
  const clean = { ...process.env };
  delete clean.ELECTRON_OVERRIDE_DIST_PATH;
  return spawnSync(process.execPath, [join(dir, 'build/start.mjs'), ...args], { cwd: dir, env: { ...clean, ...env }, encoding: 'utf8', timeout: 30_000 });
}

/** What a newcomer must see: one line, how to get Electron, that the rest works, no stack trace, a failed status. */
function expectOneLineHint(r: { status: number | null; stdout: string; stderr: string }, install: RegExp): void {
  expect(r.status).toBe(1);
  expect(r.stdout).toBe('');
  expect(r.stderr.endsWith('\n')).toBe(true);
  expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
  expect(r.stderr).toMatch(/^ferry: the window cannot open: /);
  expect(r.stderr).toMatch(install);
  expect(r.stderr).toContain('Everything else works without it: the ferry CLI (npm run build && npm link) and npm test.');
  expect(r.stderr).not.toMatch(/\n\s+at |Error:|fetch failed/);
}

describe('npm start where the Electron binary is missing', () => {
  it('says in one line to run npx install-electron (and that the CLI and tests work), builds nothing, and fails', async () => {
    const dir = await checkout();
    const r = start(dir);
    expectOneLineHint(r, /Electron's binary is not installed \(no node_modules\/electron\/path\.txt\)\. Get it with: npx install-electron \(it downloads Electron \d+\.\d+\.\d+; where that cannot be downloaded, see "Getting Electron later" in README\.md\)/);
    expect(r.stdout).not.toContain('built');
  });

  it('a path.txt whose binary is gone is said the same way, naming the missing file', async () => {
    expectOneLineHint(start(await checkout({ electron: 'no-dist' })), /\(node_modules\/electron\/dist\/electron is missing\)\. Get it with: npx install-electron/);
  });

  it('an ELECTRON_OVERRIDE_DIST_PATH with no Electron in it is named, with both ways out', async () => {
    const empty = await tempDir();
    expectOneLineHint(start(await checkout({ electron: 'installed' }), { ELECTRON_OVERRIDE_DIST_PATH: empty }), new RegExp(`ELECTRON_OVERRIDE_DIST_PATH names ${empty}, where there is no electron\\. Point it at an unpacked Electron ${ELECTRON_VERSION.replace(/\./g, '\\.')}, or unset it and run: npx install-electron\\.`));
  });

  it('without node_modules/electron at all, it says npm install', async () => {
    expectOneLineHint(start(await checkout({ electron: 'absent' })), /the electron package is not installed \(no node_modules\/electron\)\. Run: npm install\./);
  });

  it("this checkout's npm start is the launcher: one line on stderr, a failed status", async () => {
    const pkg = JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
    expect(pkg.scripts.start).toBe('node build/start.mjs');
    const empty = await tempDir();
    const r = spawnSync('npm', ['start'], { cwd: ROOT, env: { ...process.env, ELECTRON_OVERRIDE_DIST_PATH: empty }, encoding: 'utf8', timeout: 60_000 });
    expect(r.status).not.toBe(0);
    expect(r.stderr.trimEnd().split('\n'), r.stderr).toHaveLength(1);
    expect(r.stderr).toMatch(/^ferry: the window cannot open: ELECTRON_OVERRIDE_DIST_PATH names /);
  });
});

describe('npm start where the Electron binary is there', () => {
  it('builds, then runs Electron on the checkout with the arguments given, and exits with its status', async () => {
    const dir = await checkout({ electron: 'installed' });
    const r = start(dir, {}, ['--inspect-later']);
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe(`built: build\nelectron . --inspect-later in ${dir}\n`);
    expect(r.status).toBe(3);
  });

  it('a failed build stops there, with the build’s status, and Electron is not started', async () => {
    const r = start(await checkout({ electron: 'installed', vite: 4 }));
    expect(r.stdout).toBe('built: build\n');
    expect(r.status).toBe(4);
  });

  it('ELECTRON_OVERRIDE_DIST_PATH is honoured, as node_modules/electron honours it', async () => {
    const dist = await tempDir();
    await writeFile(join(dist, 'electron'), '#!/bin/sh\necho "override $*"\n');
    await chmod(join(dist, 'electron'), 0o755);
    const r = start(await checkout({ electron: 'no-path' }), { ELECTRON_OVERRIDE_DIST_PATH: dist });
    expect(r.stdout).toBe('built: build\noverride .\n');
    expect(r.status).toBe(0);
  });
});
