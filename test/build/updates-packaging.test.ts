import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { extractFile, listPackage } from '@electron/asar';
import { load } from 'js-yaml';
import { describe, expect, it } from 'vitest';
import { updateTarget } from '../../main/core/updates/target';
import { tempDir } from '../support/helpers-fs';
import { standInElectron } from '../support/stand-in-electron';
import { testKey } from '../support/update-feed';

const ROOT = resolve(__dirname, '../..');

interface BuilderConfig {
  mac?: { target?: unknown };
  publish?: { provider?: string; url?: string };
}

describe('electron-builder.yml for updates', () => {
  it('builds the Mac zip the updater needs beside the dmg, and names a generic HTTPS feed', async () => {
    const config = load(await readFile(join(ROOT, 'electron-builder.yml'), 'utf8')) as BuilderConfig;
    expect(config.mac?.target).toEqual(expect.arrayContaining(['dmg', 'zip']));
    expect(config.publish).toMatchObject({ provider: 'generic', url: expect.stringMatching(/^https:\/\/[^/]+\/.*\/$/) });
  });

  it('packaged, the app carries the feed in resources/app-update.yml and electron-updater in its asar', async () => {
    if (!existsSync(join(ROOT, 'out/main/index.js'))) throw new Error('Build first: npm run build');
    const dir = await tempDir('ferry-pack-updates-');
    const dist = await standInElectron(dir);
    const out = join(dir, 'out');
    const started = Date.now();
    const r = spawnSync(join(ROOT, 'node_modules/.bin/electron-builder'), ['--linux', 'dir', `-c.electronDist=${dist}`, '-c.npmRebuild=false', `-c.directories.output=${out}`, '--publish', 'never'], {
      cwd: ROOT,
      encoding: 'utf8',
      env: { ...process.env, ELECTRON_SKIP_BINARY_DOWNLOAD: '1' },
      timeout: 120_000,
    });
    expect(r.status, r.stderr || r.stdout).toBe(0);
    console.log(`electron-builder --linux dir: ${((Date.now() - started) / 1000).toFixed(1)} s`);

    const resources = join(out, 'linux-unpacked/resources');
    const config = load(await readFile(join(ROOT, 'electron-builder.yml'), 'utf8')) as BuilderConfig;
    expect(load(await readFile(join(resources, 'app-update.yml'), 'utf8'))).toMatchObject({ provider: 'generic', url: config.publish!.url });

    const asar = join(resources, 'app.asar');
    const files = listPackage(asar, { isPack: false }).map((f) => f.replace(/\\/g, '/'));
    for (const f of ['/node_modules/electron-updater/package.json', '/node_modules/js-yaml/package.json', '/node_modules/builder-util-runtime/package.json']) expect(files, `${f} in app.asar`).toContain(f);
    // Loaded by name at run time (require), not bundled: the packaged main process finds it in the asar.
    expect(extractFile(asar, 'out/main/index.js').toString()).toContain('require("electron-updater")');

    // What the packaged app decides from its own resources: the placeholder feed keeps it from looking…
    const key = testKey().publicKey;
    const appImage = { isPackaged: true, platform: 'linux' as const, env: { APPIMAGE: '/opt/Ferry.AppImage' }, publicKey: key };
    if (/\.invalid\//.test(config.publish!.url!)) expect(await updateTarget({ ...appImage, resourcesPath: resources })).toMatchObject({ ok: false, reason: expect.stringMatching(/placeholder update feed/) });
    // …and a real one is used, by the AppImage only.
    const real = join(dir, 'real');
    await mkdir(real);
    await writeFile(join(real, 'app-update.yml'), (await readFile(join(resources, 'app-update.yml'), 'utf8')).replace(config.publish!.url!, 'https://bucket.s3.example.com/ferry/'));
    expect(await updateTarget({ ...appImage, resourcesPath: real })).toEqual({ ok: true, feedUrl: 'https://bucket.s3.example.com/ferry/' });
    await writeFile(join(real, 'package-type'), 'deb');
    expect(await updateTarget({ ...appImage, env: {}, resourcesPath: real })).toMatchObject({ ok: false, reason: expect.stringMatching(/deb package/) });
  }, 150_000);
});
