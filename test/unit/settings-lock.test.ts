import { spawn } from 'node:child_process';
import { readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { AccountStore, accountFromInput } from '../../main/core/accounts/accounts';
import { Ferry } from '../../main/core/ferry';
import { lookAtLock, removeStale, tryLock } from '../../main/core/lock';
import { PreferenceStore } from '../../main/core/settings/preferences';
import { MemorySecretStore } from '../../main/core/secrets/secrets';
import { tempDir } from '../support/helpers-fs';

const keys = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY' };

/** Runs a script in its own Node process (another Ferry: the CLI beside the app). */
function otherProcess(script: string, env: NodeJS.ProcessEnv): Promise<{ code: number | null; stderr: string }> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, ['--import', 'tsx', '-e', script], { env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'pipe'], cwd: resolve(__dirname, '../..') });
    let stderr = '';
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    child.on('error', fail);
    child.on('close', (code) => done({ code, stderr }));
  });
}

describe('settings written by several Ferrys at once', () => {
  it('two accounts added and the preferences changed at once, by two cores on one folder: nothing is lost, no secret orphaned', async () => {
    const dataDir = await tempDir();
    const secrets = new MemorySecretStore();
    const app = new Ferry({ dataDir, secrets, env: {} });
    const cli = new Ferry({ dataDir, secrets, env: {} });
    await Promise.all([
      app.addAccount({ name: 'one', provider: 'minio', endpoint: 'http://127.0.0.1:9000' }, keys),
      cli.addAccount({ name: 'two', provider: 'minio', endpoint: 'http://127.0.0.1:9001' }, keys),
      app.preferences.set({ copyLinkOnUpload: true }),
      cli.accounts.setDefault('one').catch(() => cli.preferences.set({ defaultExpirySeconds: 3600 })),
    ]);
    const fresh = new AccountStore(dataDir);
    expect((await fresh.list()).map((a) => a.name).sort()).toEqual(['one', 'two']);
    expect((await new PreferenceStore(dataDir).get()).copyLinkOnUpload).toBe(true);
    expect(await secrets.get('one')).toBeDefined();
    expect(await secrets.get('two')).toBeDefined();
    // No lock or temporary file is left behind.
    expect((await readdir(dataDir)).sort()).toEqual(['settings.json']);
  });

  it('the same name added twice at once: one wins, the other is told, and the winner keeps its keys', async () => {
    const dataDir = await tempDir();
    const secrets = new MemorySecretStore();
    const a = new Ferry({ dataDir, secrets, env: {} });
    const b = new Ferry({ dataDir, secrets, env: {} });
    const results = await Promise.allSettled([
      a.addAccount({ name: 'same', provider: 'minio', endpoint: 'http://127.0.0.1:9000' }, keys),
      b.addAccount({ name: 'same', provider: 'minio', endpoint: 'http://127.0.0.1:9000' }, { ...keys, accessKeyId: 'OTHER' }),
    ]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    expect(String((results.find((r) => r.status === 'rejected') as PromiseRejectedResult).reason)).toMatch(/already exists/);
    expect(await secrets.get('same')).toBeDefined();
  });

  it('eight processes adding accounts at once all land', async () => {
    const dataDir = await tempDir();
    const script = (i: number) => `
      const m = await import('./main/core/accounts/accounts.ts');
      const { AccountStore, accountFromInput } = m.AccountStore ? m : m.default;
      const p = await import('./main/core/settings/preferences.ts');
      const { PreferenceStore } = p.PreferenceStore ? p : p.default;
      const store = new AccountStore(process.env.DIR);
      await store.add(accountFromInput({ name: 'p${i}', provider: 'minio', endpoint: 'http://127.0.0.1:9000' }, new Date()));
      await new PreferenceStore(process.env.DIR).set({ defaultExpirySeconds: ${1000 + i} });`;
    const runs = await Promise.all(Array.from({ length: 8 }, (_, i) => otherProcess(script(i), { DIR: dataDir })));
    for (const r of runs) expect(r.stderr).toBe('');
    const names = (await new AccountStore(dataDir).list()).map((a) => a.name).sort();
    expect(names).toEqual(['p0', 'p1', 'p2', 'p3', 'p4', 'p5', 'p6', 'p7']);
  });

  it('a lock left by a process that died is taken over, not waited on forever', async () => {
    const dataDir = await tempDir();
    const store = new PreferenceStore(dataDir);
    // A PID far above the kernel's limit never runs.
    await writeFile(join(dataDir, 'settings.json.lock'), '4194304000\n');
    await store.set({ copyLinkOnUpload: true });
    expect(JSON.parse(await readFile(join(dataDir, 'settings.json'), 'utf8')).preferences.copyLinkOnUpload).toBe(true);
    expect(await readdir(dataDir)).toEqual(['settings.json']);
  });

  it('sixteen stores in one process, each adding eight accounts at once: all 128 land', async () => {
    // The app holds several stores on one folder. A holder in this process never looks at the lock
    // file while another one here holds it, so it cannot judge its own process's live lock stale
    // (which happened under load: a lock being released was removed from under the next holder).
    const dataDir = await tempDir();
    const stores = Array.from({ length: 16 }, () => new AccountStore(dataDir));
    await Promise.all(
      stores.map(async (store, s) => {
        for (let i = 0; i < 8; i++) await store.add(accountFromInput({ name: `s${s}-${i}`, provider: 'minio', endpoint: 'http://127.0.0.1:9000' }, new Date()));
      }),
    );
    expect(await new AccountStore(dataDir).list()).toHaveLength(128);
    expect(await readdir(dataDir)).toEqual(['settings.json']);
  });

  it('taking over a stale lock removes that lock only, never one another Ferry has just taken', async () => {
    const dir = await tempDir();
    const path = join(dir, 'settings.json.lock');
    await writeFile(path, '4194304000\n');
    const stale = (await lookAtLock(path))!;
    // Between one Ferry's look and its removal, another removed the stale lock and took the lock.
    await rm(path);
    await writeFile(path, `${process.pid}\nlive-token\n`);
    await removeStale(path, stale);
    expect(await readFile(path, 'utf8')).toBe(`${process.pid}\nlive-token\n`);
    expect(await readdir(dir)).toEqual(['settings.json.lock']);
    // The stale one itself goes.
    await removeStale(path, (await lookAtLock(path))!);
    expect(await readdir(dir)).toEqual([]);
  });

  it('a lock is released only by its holder: a release after a takeover leaves the new holder\'s lock', async () => {
    const dir = await tempDir();
    const path = join(dir, 'x.lock');
    const first = await tryLock(path);
    if (!('release' in first)) throw new Error('not taken');
    // Another Ferry judged it stale (say, a process ID reused) and took it over.
    await rm(path);
    await writeFile(path, '1\nsomeone-else\n');
    await first.release();
    expect(await readFile(path, 'utf8')).toBe('1\nsomeone-else\n');
  });
});

