import { spawn } from 'node:child_process';
import { readdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tryLock } from '../../main/core/lock';
import { tempDir } from '../support/helpers-fs';

const LOCK = resolve(__dirname, '../../main/core/lock.ts');

/**
 * A process killed (kill -9) while it writes its lock file: the writes of that child never end,
 * as if the kill came at that very moment, and it is killed once a file has appeared.
 */
async function killedWhileWriting(path: string): Promise<void> {
  const program = `
    const { open } = require('node:fs/promises');
    // Alive until killed: a write that never ends holds nothing that keeps a process running.
    setInterval(() => {}, 1000);
    (async () => {
      const probe = await open(${JSON.stringify(path + '.probe')}, 'w');
      Object.getPrototypeOf(probe).writeFile = () => new Promise(() => {});
      await probe.close();
      const { tryLock } = await import(${JSON.stringify(LOCK)});
      await tryLock(${JSON.stringify(path)});
    })();
  `;
  const child = spawn(process.execPath, ['--import', 'tsx', '-e', program], { stdio: 'ignore' });
  const exited = new Promise((r) => child.once('exit', r));
  const dir = resolve(path, '..');
  const base = path.slice(dir.length + 1);
  for (let i = 0; i < 400; i++) {
    if ((await readdir(dir)).some((n) => n.startsWith(base) && !n.endsWith('.probe'))) break;
    await new Promise((r) => setTimeout(r, 25));
  }
  child.kill('SIGKILL');
  await exited;
}

describe('lock files appear whole', () => {
  it('a Ferry killed while writing its lock leaves no lock others must wait for', async () => {
    const dir = await tempDir();
    const path = join(dir, 'x.lock');
    await killedWhileWriting(path);
    // At once, not after the 5 s an empty lock (being written, or left so) is given.
    const got = await tryLock(path);
    expect('release' in got, 'the lock is free at once').toBe(true);
    if ('release' in got) await got.release();
  });

  it('what such a process leaves under its own name is not a lock', async () => {
    const path = join(await tempDir(), 'y.lock');
    await writeFile(`${path}.424242.abcdef012345.new`, '424242\ntoken\n');
    const got = await tryLock(path);
    expect('release' in got).toBe(true);
    if ('release' in got) await got.release();
  });
});
