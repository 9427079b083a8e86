import { spawnSync } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { listPackage } from '@electron/asar';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../support/helpers-fs';
import { FUSE_SENTINEL, standInElectron } from '../support/stand-in-electron';

const ROOT = resolve(__dirname, '../..');
const SENTINEL = FUSE_SENTINEL;
const FUSES = ['runAsNode', 'enableCookieEncryption', 'enableNodeOptionsEnvironmentVariable', 'enableNodeCliInspectArguments', 'enableEmbeddedAsarIntegrityValidation', 'onlyLoadAppFromAsar', 'loadBrowserProcessSpecificV8Snapshot', 'grantFileProtocolExtraPrivileges'];

/**
 * electron-builder packages the app for Linux with a stand-in for the Electron binary (the real
 * one cannot be downloaded here): a file carrying the fuse wire that @electron/fuses flips.
 */
describe('packaging with electron-builder', () => {
  it('puts main, preload and renderer in the asar, unpacks keytar, and flips the security fuses', async () => {
    if (!existsSync(join(ROOT, 'out/main/index.js'))) throw new Error('Build first: npm run build');
    const dir = await tempDir('ferry-pack-');
    const dist = await standInElectron(dir, FUSES.length);
    const out = join(dir, 'out');
    const r = spawnSync(join(ROOT, 'node_modules/.bin/electron-builder'), ['--linux', 'dir', `-c.electronDist=${dist}`, '-c.npmRebuild=false', `-c.directories.output=${out}`], {
      cwd: ROOT,
      encoding: 'utf8',
      env: { ...process.env, ELECTRON_SKIP_BINARY_DOWNLOAD: '1' },
      timeout: 180_000,
    });
    expect(r.status, r.stderr || r.stdout).toBe(0);

    const app = join(out, 'linux-unpacked');
    const files = listPackage(join(app, 'resources/app.asar'), { isPack: false }).map((f) => f.replace(/\\/g, '/'));
    for (const f of ['/out/main/index.js', '/out/main/cli.js', '/out/preload/index.js', '/out/renderer/index.html', '/build/tray.png', '/package.json', '/node_modules/@aws-sdk/client-s3/package.json', '/node_modules/zod/package.json']) {
      expect(files, `${f} in app.asar`).toContain(f);
    }
    expect(files.some((f) => f.startsWith('/test/') || f.startsWith('/main/core/'))).toBe(false);
    expect(existsSync(join(app, 'resources/app.asar.unpacked/node_modules/keytar/build/Release/keytar.node'))).toBe(true);

    const binary = await readFile(join(app, 'ferry-app'));
    const at = binary.indexOf(SENTINEL) + SENTINEL.length;
    const wire = Object.fromEntries(FUSES.map((name, i) => [name, binary[at + 2 + i] === 49]));
    expect(wire).toEqual({
      runAsNode: false,
      enableCookieEncryption: true,
      enableNodeOptionsEnvironmentVariable: false,
      enableNodeCliInspectArguments: false,
      enableEmbeddedAsarIntegrityValidation: true,
      onlyLoadAppFromAsar: true,
      loadBrowserProcessSpecificV8Snapshot: false,
      grantFileProtocolExtraPrivileges: false,
    });
  }, 240_000);
});
