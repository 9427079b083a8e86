import { spawnSync } from 'node:child_process';
import { lstat, readFile, stat } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { VERSION } from '../../main/cli/help';
import { tempDir } from '../support/helpers-fs';

const ROOT = resolve(__dirname, '../..');
const CLI = join(ROOT, 'out/main/cli.js');

/** The README's one command for `ferry` on PATH from a checkout: npm run build && npm link. */
describe('ferry on PATH from a checkout', () => {
  it('the built CLI starts with a shebang and is executable (every build, not only the first npm link)', async () => {
    const text = await readFile(CLI, 'utf8').catch(() => {
      throw new Error('Build first: npm run build');
    });
    expect(text.startsWith('#!/usr/bin/env node\n')).toBe(true);
    expect((await stat(CLI)).mode & 0o111).toBe(0o111);
  });

  it('npm link puts a ferry command in the global bin folder that runs from any folder, with no Electron', async () => {
    // A global prefix of the test's own, so the machine's global folder is not touched.
    const prefix = await tempDir('ferry-prefix-');
    const linked = spawnSync('npm', ['link', '--no-audit', '--no-fund'], { cwd: ROOT, env: { ...process.env, npm_config_prefix: prefix }, encoding: 'utf8', timeout: 120_000 });
    expect(linked.status, linked.stderr).toBe(0);
    expect((await lstat(join(prefix, 'bin/ferry'))).isSymbolicLink()).toBe(true);
    const elsewhere = await tempDir();
    const env: NodeJS.ProcessEnv = { ...process.env, PATH: `${join(prefix, 'bin')}:${dirname(process.execPath)}:/usr/bin:/bin`, FERRY_DATA_DIR: elsewhere };
    delete env.ELECTRON_OVERRIDE_DIST_PATH;
    const version = spawnSync('ferry', ['--version'], { cwd: elsewhere, env, encoding: 'utf8' });
    expect(version.error).toBeUndefined();
    expect(version.stdout).toBe(`${VERSION}\n`);
    const list = spawnSync('ferry', ['accounts', 'list'], { cwd: elsewhere, env, encoding: 'utf8' });
    expect(list.stdout).toMatch(/^No accounts yet\. Add one with: ferry accounts add NAME/);
    expect(list.status).toBe(0);
  });
});
