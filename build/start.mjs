// `npm start`: build, then open the window with Electron. Electron 45 downloads its binary only
// when first asked for it (node_modules/electron/index.js), and where that download cannot be made
// it dies with a stack trace. This checks for the binary first, as index.js finds it
// (path.txt and the dist file it names, or ELECTRON_OVERRIDE_DIST_PATH), and where it is missing
// says in one line how to get it and that everything else works without it.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/** Where Electron's package is, or undefined when it is not installed at all. */
function electronPackage() {
  try {
    return dirname(createRequire(join(root, 'package.json')).resolve('electron/package.json'));
  } catch {
    return undefined;
  }
}

/** The file install.js names in path.txt for this platform. */
function platformBinary(platform = process.platform) {
  return platform === 'darwin' ? 'Electron.app/Contents/MacOS/Electron' : platform === 'win32' ? 'electron.exe' : 'electron';
}

/**
 * The Electron binary `electron .` would run, found as node_modules/electron/index.js finds it
 * (without its download): `{ path }` when it is there, else `{ line }`, what to say instead.
 */
export function findElectron(env = process.env, dir = electronPackage()) {
  if (!dir) return { line: `ferry: the window cannot open: the electron package is not installed (no node_modules/electron). Run: npm install. ${ELSE}` };
  const pathFile = join(dir, 'path.txt');
  const named = existsSync(pathFile) ? readFileSync(pathFile, 'utf8').trim() : undefined;
  const override = env.ELECTRON_OVERRIDE_DIST_PATH;
  if (override) {
    const binary = join(override, named || platformBinary());
    if (existsSync(binary)) return { path: binary };
    return { line: `ferry: the window cannot open: ELECTRON_OVERRIDE_DIST_PATH names ${override}, where there is no ${named || platformBinary()}. Point it at an unpacked Electron ${version(dir)}, or unset it and run: npx install-electron. ${ELSE}` };
  }
  const binary = named ? join(dir, 'dist', named) : undefined;
  if (binary && existsSync(binary)) return { path: binary };
  const gone = binary ? `${relative(root, binary) || binary} is missing` : `no ${relative(root, pathFile)}`;
  return {
    line: `ferry: the window cannot open: Electron's binary is not installed (${gone}). Get it with: npx install-electron (it downloads Electron ${version(dir)}; where that cannot be downloaded, see "Getting Electron later" in README.md). ${ELSE}`,
  };
}

const ELSE = 'Everything else works without it: the ferry CLI (npm run build && npm link) and npm test.';

function version(dir) {
  try {
    return JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')).version ?? '';
  } catch {
    return '';
  }
}

function main() {
  const found = findElectron();
  if (!found.path) {
    process.stderr.write(`${found.line}\n`);
    return process.exit(1);
  }
  // electron-vite build, as `npm run build` runs it (its package exports no bin path: read it).
  const vitePackage = createRequire(join(root, 'package.json')).resolve('electron-vite/package.json');
  const vite = join(dirname(vitePackage), JSON.parse(readFileSync(vitePackage, 'utf8')).bin['electron-vite']);
  const built = spawnSync(process.execPath, [vite, 'build'], { cwd: root, stdio: 'inherit' });
  if (built.status !== 0) return process.exit(built.status ?? 1);
  const child = spawn(found.path, ['.', ...process.argv.slice(2)], { cwd: root, stdio: 'inherit', windowsHide: false });
  for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
  child.on('error', (err) => {
    process.stderr.write(`ferry: could not start Electron (${found.path}): ${err.message}\n`);
    process.exit(1);
  });
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  try {
    main();
  } catch (err) {
    process.stderr.write(`ferry: npm start failed: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  }
}
