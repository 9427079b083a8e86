import { spawn } from 'node:child_process';
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CLI, cliEnv, ferry, gateway, tempDir, uniqueName } from '../support/helpers';
import { atTerminal } from '../support/terminal';

describe('ferry accounts add at a terminal', () => {
  it('asks for the keys, never shows the secret as it is typed, and the account works', async () => {
    const g = gateway();
    const dataDir = await tempDir();
    const env = cliEnv(dataDir);
    const name = uniqueName('typed');
    const session = atTerminal([['Access key ID: ', g.accessKeyId], ['Secret access key: ', g.secretAccessKey]], ['accounts', 'add', name, '--provider', 'ceph', '--endpoint-url', g.endpoint], env);
    expect(session.status).toBe(0);
    const screen = session.stdout;
    expect(screen).toContain('Access key ID: ');
    expect(screen).toContain(g.accessKeyId);
    expect(screen).toContain('Secret access key: ');
    expect(screen).not.toContain(g.secretAccessKey);
    expect(screen).toContain(`Added account "${name}"`);

    const test = await ferry(['accounts', 'test', name], { env });
    expect(test.code).toBe(0);
    for (const f of await readdir(dataDir)) expect(await readFile(join(dataDir, f), 'utf8')).not.toContain(g.secretAccessKey);
  });

  it('Ctrl-C at the secret prompt cancels with status 130 and saves nothing', async () => {
    const g = gateway();
    const dataDir = await tempDir();
    const env = cliEnv(dataDir);
    const name = uniqueName('ctrlc');
    const session = atTerminal([['Access key ID: ', g.accessKeyId], ['Secret access key: ', '\u0003']], ['accounts', 'add', name, '--provider', 'ceph', '--endpoint-url', g.endpoint], env);
    expect(session.status).toBe(130);
    expect(session.stdout).toContain('ferry: Cancelled at the prompt: nothing was saved.');
    expect(session.stdout).not.toContain('unexpected error');
    expect((await ferry(['accounts', 'list'], { env })).stdout).not.toContain(name);
  });

  it('SIGTERM at the secret prompt cancels it as Ctrl-C does: status 130, nothing saved, never left waiting', async () => {
    const g = gateway();
    const dataDir = await tempDir();
    const env = cliEnv(dataDir);
    const name = uniqueName('term');
    const session = atTerminal([['Access key ID: ', g.accessKeyId], ['Secret access key: ', '<SIGTERM>']], ['accounts', 'add', name, '--provider', 'ceph', '--endpoint-url', g.endpoint], env);
    expect(session.status, session.stdout).toBe(130);
    expect(session.stdout).toContain('ferry: Cancelled at the prompt: nothing was saved.');
    expect((await ferry(['accounts', 'list'], { env })).stdout).not.toContain(name);
  });

  it('a provider that needs an endpoint asks for it first, before the keys', async () => {
    const g = gateway();
    const dataDir = await tempDir();
    const name = uniqueName('asked');
    const session = atTerminal([['Endpoint URL (your RADOS Gateway, for example http://rgw.example.com:7480): ', g.endpoint], ['Access key ID: ', g.accessKeyId], ['Secret access key: ', g.secretAccessKey]], ['accounts', 'add', name, '--provider', 'ceph'], cliEnv(dataDir));
    expect(session.status, session.stdout + session.stderr).toBe(0);
    const screen = session.stdout;
    expect(screen.indexOf('Endpoint URL')).toBeLessThan(screen.indexOf('Access key ID: '));
    expect(screen).toContain(`Added account "${name}" (Ceph (RADOS Gateway), ${g.endpoint})`);
    expect(JSON.parse(await readFile(join(dataDir, 'settings.json'), 'utf8'))).toMatchObject({ accounts: [{ name, endpoint: g.endpoint }] });
  });
});

describe('ferry accounts add reading piped keys', () => {
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    it(`${signal} while it waits for the keys on a pipe cancels it: status 130, nothing saved`, async () => {
      const g = gateway();
      const dataDir = await tempDir();
      const env = cliEnv(dataDir);
      const name = uniqueName('piped');
      const child = spawn(process.execPath, [CLI, 'accounts', 'add', name, '--provider', 'ceph', '--endpoint-url', g.endpoint], { env, stdio: ['pipe', 'pipe', 'pipe'] });
      let err = '';
      child.stderr.on('data', (b: Buffer) => (err += b.toString()));
      // The key ID arrives; the secret never does, and the pipe stays open.
      child.stdin.write(`${g.accessKeyId}\n`);
      setTimeout(() => child.kill(signal), 1000);
      const code = await new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)));
      child.stdin.destroy();
      expect(code, err).toBe(130);
      expect(err).toContain('Cancelled while reading stdin: nothing was saved.');
      expect((await ferry(['accounts', 'list'], { env })).stdout).not.toContain(name);
    });
  }
});
