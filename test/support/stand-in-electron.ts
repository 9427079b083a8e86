import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';

const ROOT = resolve(__dirname, '../..');

/** The marker @electron/fuses looks for in an Electron binary, followed by the fuse wire. */
export const FUSE_SENTINEL = 'dL7pKGdnNz796PbbjQWNKmHXBZaB9tsX';

/**
 * A stand-in for the Electron distribution (the real binary cannot be downloaded here), for
 * electron-builder's `electronDist`: an executable carrying the fuse wire (`fuses` fuses, all
 * on) that @electron/fuses flips, and the installed electron's version. Returns its folder.
 */
export async function standInElectron(dir: string, fuses = 8): Promise<string> {
  const dist = join(dir, 'electron');
  await mkdir(dist);
  const { version } = JSON.parse(await readFile(join(ROOT, 'node_modules/electron/package.json'), 'utf8')) as { version: string };
  await writeFile(join(dist, 'electron'), Buffer.concat([Buffer.from(`#!/bin/sh\nexit 0\n# ${FUSE_SENTINEL}`), Buffer.from([1, fuses]), Buffer.from('1'.repeat(fuses)), Buffer.from('\n')]));
  await chmod(join(dist, 'electron'), 0o755);
  await writeFile(join(dist, 'version'), version);
  return dist;
}
