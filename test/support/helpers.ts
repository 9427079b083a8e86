import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { inject } from 'vitest';
import { Ferry, type NetworkOptions } from '../../main/core/ferry';
import { KeychainSecretStore, MemorySecretStore } from '../../main/core/secrets/secrets';
import { startHostileS3, type HostileServer } from './hostile-s3';
import { tempDir } from './helpers-fs';

export const CLI = resolve(__dirname, '../../out/main/cli.js');
if (!existsSync(CLI)) throw new Error(`The CLI is not built (${CLI} is missing). Run: npm run build`);

export function gateway() {
  return inject('gateway');
}

/** The S3 servers every server-facing case runs against: Ceph's RADOS Gateway and Swift's s3api. */
export function servers(): Array<{ name: 'ceph' | 'swift'; provider: 'ceph' | 'other'; endpoint: string; accessKeyId: string; secretAccessKey: string }> {
  const g = inject('gateway');
  const s = inject('swift');
  return [
    { name: 'ceph', provider: 'ceph', endpoint: g.endpoint, accessKeyId: g.accessKeyId, secretAccessKey: g.secretAccessKey },
    { name: 'swift', provider: 'other', endpoint: s.endpoint, accessKeyId: s.accessKeyId, secretAccessKey: s.secretAccessKey },
  ];
}

/** Environment for a child process: no AWS_* of the developer's, the test keyring, a private data dir. */
export function cliEnv(dataDir: string, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (!k.startsWith('AWS_') && k !== 'FERRY_ACCOUNT' && k !== 'DBUS_SESSION_BUS_ADDRESS') env[k] = v;
  }
  return { ...env, ...inject('keyring'), FERRY_DATA_DIR: dataDir, AWS_CONFIG_FILE: '/nonexistent/aws-config', AWS_SHARED_CREDENTIALS_FILE: '/nonexistent/aws-credentials', ...extra };
}

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the built `ferry` CLI as a user would. */
export function ferry(
  args: string[],
  opts: { env: NodeJS.ProcessEnv; input?: string; withoutRootFileAccess?: boolean; onSpawn?: (child: ChildProcess) => void },
): Promise<CliResult> {
  // root reads every file whatever its mode; dropping the two capabilities that allow it makes
  // permission tests mean what they say (setpriv is in util-linux, on every Debian system).
  const asRoot = opts.withoutRootFileAccess && process.getuid?.() === 0;
  const command = asRoot ? 'setpriv' : process.execPath;
  const argv = asRoot ? ['--bounding-set=-dac_override,-dac_read_search', process.execPath, CLI, ...args] : [CLI, ...args];
  return new Promise((resolveRun, reject) => {
    const child = spawn(command, argv, { env: opts.env, stdio: ['pipe', 'pipe', 'pipe'] });
    opts.onSpawn?.(child);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolveRun({ code, stdout, stderr }));
    child.stdin.end(opts.input ?? '');
  });
}

export function uniqueName(prefix: string): string {
  return `${prefix}-${randomBytes(4).toString('hex')}`;
}

/** Adds the test gateway as an account through the CLI, keys on stdin as a user would pipe them. */
export async function addGatewayAccount(dataDir: string, name: string): Promise<CliResult> {
  const g = gateway();
  return ferry(['accounts', 'add', name, '--provider', 'ceph', '--endpoint-url', g.endpoint], {
    env: cliEnv(dataDir),
    input: `${g.accessKeyId}\n${g.secretAccessKey}\n`,
  });
}

/** A core instance wired to the test keychain and a private data dir, with the gateway account added. */
export async function coreWithAccount(network?: NetworkOptions): Promise<{ ferry: Ferry; dataDir: string; account: string }> {
  Object.assign(process.env, inject('keyring'));
  const dataDir = await tempDir();
  const account = uniqueName('acct');
  const f = new Ferry({ dataDir, secrets: new KeychainSecretStore(), env: {}, ...(network ? { network } : {}) });
  const g = gateway();
  await f.addAccount({ name: account, provider: 'ceph', endpoint: g.endpoint }, { accessKeyId: g.accessKeyId, secretAccessKey: g.secretAccessKey });
  return { ferry: f, dataDir, account };
}

export { randomFile, sha256File, sha256Stream, tempDir } from './helpers-fs';

/** Polls until the check holds (a condition on a server or a queue), or fails after `ms`. */
export async function waitFor(check: () => Promise<boolean>, ms = 30_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error('Timed out waiting');
}

/** A lying S3 server (hostile-s3.ts), and a core and a CLI environment that use it through AWS_* variables. */
export async function withHostileS3(network: { requestTimeoutMs: number }): Promise<{ s3: HostileServer; core: Ferry; env: NodeJS.ProcessEnv }> {
  const s3 = await startHostileS3();
  const aws = { AWS_ACCESS_KEY_ID: 'hostile', AWS_SECRET_ACCESS_KEY: 'hostile-secret', AWS_ENDPOINT_URL: s3.endpoint };
  const core = new Ferry({ dataDir: await tempDir(), secrets: new MemorySecretStore(), env: aws, network: { ...network, backoffMs: 10 } });
  return { s3, core, env: cliEnv(await tempDir(), aws) };
}
