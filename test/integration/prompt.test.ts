import { spawnSync } from 'node:child_process';
import { readFile, readdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CLI, cliEnv, ferry, gateway, tempDir, uniqueName } from '../support/helpers';

describe('ferry accounts add at a terminal', () => {
  it('asks for the keys, never shows the secret as it is typed, and the account works', async () => {
    const g = gateway();
    const dataDir = await tempDir();
    const env = cliEnv(dataDir);
    const name = uniqueName('typed');
    const session = spawnSync(
      'python3',
      [
        resolve(__dirname, '../support/pty_session.py'),
        JSON.stringify([
          ['Access key ID: ', g.accessKeyId],
          ['Secret access key: ', g.secretAccessKey],
        ]),
        '--',
        process.execPath,
        CLI,
        'accounts',
        'add',
        name,
        '--provider',
        'ceph',
        '--endpoint-url',
        g.endpoint,
      ],
      { env, encoding: 'utf8', timeout: 60_000 },
    );
    if (session.error) throw new Error(`python3 is needed for the terminal test (apt-get install -y python3): ${session.error.message}`);
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
    const session = spawnSync(
      'python3',
      [resolve(__dirname, '../support/pty_session.py'), JSON.stringify([['Access key ID: ', g.accessKeyId], ['Secret access key: ', '\u0003']]), '--', process.execPath, CLI, 'accounts', 'add', name, '--provider', 'ceph', '--endpoint-url', g.endpoint],
      { env, encoding: 'utf8', timeout: 60_000 },
    );
    if (session.error) throw new Error(`python3 is needed for the terminal test (apt-get install -y python3): ${session.error.message}`);
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
    const session = spawnSync(
      'python3',
      [resolve(__dirname, '../support/pty_session.py'), JSON.stringify([['Access key ID: ', g.accessKeyId], ['Secret access key: ', '<SIGTERM>']]), '--', process.execPath, CLI, 'accounts', 'add', name, '--provider', 'ceph', '--endpoint-url', g.endpoint],
      { env, encoding: 'utf8', timeout: 60_000 },
    );
    if (session.error) throw new Error(`python3 is needed for the terminal test (apt-get install -y python3): ${session.error.message}`);
    expect(session.status, session.stdout).toBe(130);
    expect(session.stdout).toContain('ferry: Cancelled at the prompt: nothing was saved.');
    expect((await ferry(['accounts', 'list'], { env })).stdout).not.toContain(name);
  });

  it('a provider that needs an endpoint asks for it first, before the keys', async () => {
    const g = gateway();
    const dataDir = await tempDir();
    const name = uniqueName('asked');
    const session = spawnSync(
      'python3',
      [
        resolve(__dirname, '../support/pty_session.py'),
        JSON.stringify([
          ['Endpoint URL (your RADOS Gateway, for example http://rgw.example.com:7480): ', g.endpoint],
          ['Access key ID: ', g.accessKeyId],
          ['Secret access key: ', g.secretAccessKey],
        ]),
        '--',
        process.execPath,
        CLI,
        'accounts',
        'add',
        name,
        '--provider',
        'ceph',
      ],
      { env: cliEnv(dataDir), encoding: 'utf8', timeout: 60_000 },
    );
    if (session.error) throw new Error(`python3 is needed for the terminal test (apt-get install -y python3): ${session.error.message}`);
    expect(session.status, session.stdout + session.stderr).toBe(0);
    const screen = session.stdout;
    expect(screen.indexOf('Endpoint URL')).toBeLessThan(screen.indexOf('Access key ID: '));
    expect(screen).toContain(`Added account "${name}" (Ceph (RADOS Gateway), ${g.endpoint})`);
    expect(JSON.parse(await readFile(join(dataDir, 'settings.json'), 'utf8'))).toMatchObject({ accounts: [{ name, endpoint: g.endpoint }] });
  });
});
