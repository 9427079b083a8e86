/**
 * Starts a throw-away single-node Ceph cluster (one monitor, one memstore OSD) and a RADOS Gateway
 * on 127.0.0.1, entirely inside a temporary directory, without systemd. Used by the test suite's
 * global setup and by the benchmark. Everything it starts is stopped by `stop()`.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface Gateway {
  endpoint: string;
  accessKeyId: string;
  secretAccessKey: string;
  dir: string;
  /** The cluster's ceph.conf, for starting more gateway daemons on it. */
  conf: string;
  stop(): Promise<void>;
}

const REQUIRED = [
  ['ceph-mon', 'ceph-mon'],
  ['ceph-osd', 'ceph-osd'],
  ['radosgw', 'radosgw'],
  ['radosgw-admin', 'radosgw'],
  ['ceph', 'ceph-common'],
  ['ceph-authtool', 'ceph-common'],
  ['monmaptool', 'ceph-base'],
] as const;

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

function which(cmd: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
}

function run(cmd: string, args: string[], env: NodeJS.ProcessEnv): string {
  const r = spawnSync(cmd, args, { env, encoding: 'utf8', timeout: 60_000 });
  if (r.status !== 0) {
    throw new Error(`${cmd} ${args.join(' ')} failed (${r.status ?? r.signal}): ${r.stderr || r.stdout}`);
  }
  return r.stdout;
}

async function waitFor(what: string, ms: number, probe: () => Promise<boolean> | boolean): Promise<void> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (await probe()) return;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`Timed out after ${ms / 1000}s waiting for ${what}`);
}

/** Ends daemons, last started first: SIGTERM, then SIGKILL for any still there after 5 seconds. */
export async function stopAll(procs: ChildProcess[]): Promise<void> {
  for (const p of [...procs].reverse()) {
    if (p.exitCode === null && p.signalCode === null) {
      const gone = new Promise((r) => p.once('exit', r));
      p.kill('SIGTERM');
      const t = setTimeout(() => p.kill('SIGKILL'), 5000);
      await gone;
      clearTimeout(t);
    }
  }
}

export interface GatewayOptions {
  /** Bytes of RAM the memstore OSD may hold; a full OSD hangs writes, so size it for the workload. */
  storeBytes?: number;
  log?: (line: string) => void;
}

export async function startGateway(opts: GatewayOptions = {}): Promise<Gateway> {
  const missing = REQUIRED.filter(([cmd]) => !which(cmd));
  if (missing.length) {
    const pkgs = [...new Set(missing.map(([, pkg]) => pkg))].join(' ');
    throw new Error(
      `The tests need Ceph's RADOS Gateway, but ${missing.map(([c]) => c).join(', ')} is not installed. ` +
        `Install it with: apt-get install -y ceph radosgw   (missing packages: ${pkgs})`,
    );
  }
  const log = opts.log ?? (() => {});
  const dir = mkdtempSync(join(tmpdir(), 'ferry-rgw-'));
  const storeBytes = opts.storeBytes ?? 6 * 1024 ** 3;
  const monPort = await freePort();
  const rgwPort = await freePort();
  const fsid = '6c1f1a52-4a8e-4a3a-9d1c-7e2b9f0c0a11';
  for (const d of ['mon', 'osd', 'run', 'log', 'rgw']) mkdirSync(join(dir, d));
  const conf = join(dir, 'ceph.conf');
  writeFileSync(
    conf,
    `[global]
fsid = ${fsid}
mon_host = v2:127.0.0.1:${monPort}
mon_initial_members = a
auth_cluster_required = none
auth_service_required = none
auth_client_required = none
ms_bind_msgr1 = false
ms_bind_ipv6 = false
ms_bind_msgr2 = true
public_addr = 127.0.0.1
osd_objectstore = memstore
memstore_device_bytes = ${storeBytes}
osd_pool_default_size = 1
osd_pool_default_min_size = 1
mon_allow_pool_size_one = true
osd_pool_default_pg_num = 8
osd_pool_default_pgp_num = 8
osd_pool_default_pg_autoscale_mode = off
mon_max_pg_per_osd = 1000
osd_crush_chooseleaf_type = 0
mon_warn_on_pool_no_redundancy = false
run_dir = ${dir}/run
admin_socket = ${dir}/run/$cluster-$name.asok
log_file = ${dir}/log/$cluster-$name.log
keyring = ${dir}/keyring
osd_data = ${dir}/osd/$cluster-$id
mon_data = ${dir}/mon/$cluster-$id
pid_file = ${dir}/run/$name.pid
rgw_gc_obj_min_wait = 5
rgw_gc_processor_period = 5
rgw_gc_processor_max_time = 5
rgw_data = ${dir}/rgw
debug_ms = 0

[client]
ms_mon_client_mode = crc
ms_client_mode = crc
`,
  );
  const env = { ...process.env, CEPH_CONF: conf };
  const procs: ChildProcess[] = [];
  const spawnDaemon = (cmd: string, args: string[]): ChildProcess => {
    const p = spawn(cmd, ['-c', conf, ...args], { env, stdio: ['ignore', 'ignore', 'pipe'] });
    p.stderr?.on('data', (b: Buffer) => log(`${cmd}: ${b.toString().trim()}`));
    procs.push(p);
    return p;
  };

  const stop = async (): Promise<void> => {
    await stopAll(procs);
    rmSync(dir, { recursive: true, force: true });
  };

  try {
    run('ceph-authtool', ['--create-keyring', join(dir, 'keyring'), '--gen-key', '-n', 'mon.', '--cap', 'mon', 'allow *'], env);
    run('monmaptool', ['--create', '--fsid', fsid, '--addv', 'a', `[v2:127.0.0.1:${monPort}]`, join(dir, 'monmap')], env);
    run('ceph-mon', ['-c', conf, '--mkfs', '-i', 'a', '--monmap', join(dir, 'monmap'), '--keyring', join(dir, 'keyring')], env);
    spawnDaemon('ceph-mon', ['-f', '-i', 'a']);
    await waitFor('the Ceph monitor', 30_000, () => spawnSync('ceph', ['-c', conf, '--connect-timeout', '3', 'mon', 'stat'], { env, stdio: 'ignore', timeout: 10_000 }).status === 0);
    const osdId = run('ceph', ['-c', conf, 'osd', 'create'], env).trim();
    mkdirSync(join(dir, 'osd', `ceph-${osdId}`), { recursive: true });
    run('ceph-osd', ['-c', conf, '-i', osdId, '--mkfs'], env);
    spawnDaemon('ceph-osd', ['-f', '-i', osdId]);
    await waitFor('the Ceph OSD', 30_000, () => /1 up/.test(spawnSync('ceph', ['-c', conf, 'osd', 'stat'], { env, encoding: 'utf8', timeout: 10_000 }).stdout ?? ''));
    spawnDaemon('radosgw', ['-f', '-n', 'client.rgw', '--rgw_frontends', `beast endpoint=127.0.0.1:${rgwPort}`]);
    const endpoint = `http://127.0.0.1:${rgwPort}`;
    await waitFor('the RADOS Gateway', 90_000, async () => {
      try {
        const res = await fetch(endpoint, { signal: AbortSignal.timeout(2000) });
        return res.status > 0;
      } catch {
        return false;
      }
    });
    const accessKeyId = 'FERRYTESTACCESSKEY01';
    const secretAccessKey = 'ferry-test-secret-key-0123456789abcdefghij';
    run('radosgw-admin', ['-c', conf, '-n', 'client.rgw', 'user', 'create', '--uid', 'ferry', '--display-name', 'Ferry tests', '--access-key', accessKeyId, '--secret', secretAccessKey], env);
    return { endpoint, accessKeyId, secretAccessKey, dir, conf, stop };
  } catch (err) {
    // The directory goes away with stop(): keep the end of each daemon's log in the message.
    const logDir = join(dir, 'log');
    const logs = existsSync(logDir)
      ? readdirSync(logDir)
          .map((f) => `\n--- ${f} (last lines) ---\n${readFileSync(join(logDir, f), 'utf8').split('\n').slice(-15).join('\n')}`)
          .join('')
      : '';
    await stop().catch(() => {});
    throw new Error(`Could not start the test RADOS Gateway: ${(err as Error).message}${logs}`, { cause: err });
  }
}

export interface RgwInstance {
  endpoint: string;
  stop(): Promise<void>;
  start(): Promise<void>;
}

/**
 * One more RADOS Gateway daemon on the running cluster, on its own port, that a test may stop
 * and start again without disturbing the shared gateway the other tests use.
 */
export async function startRgwInstance(conf: string, name: string): Promise<RgwInstance> {
  const port = await freePort();
  const endpoint = `http://127.0.0.1:${port}`;
  let proc: ChildProcess | undefined;
  const start = async () => {
    proc = spawn('radosgw', ['-c', conf, '-f', '-n', `client.${name}`, '--rgw_frontends', `beast endpoint=127.0.0.1:${port}`], { stdio: 'ignore' });
    await waitFor(`the ${name} gateway`, 60_000, async () => {
      try {
        return (await fetch(endpoint, { signal: AbortSignal.timeout(2000) })).status > 0;
      } catch {
        return false;
      }
    });
  };
  const stop = async () => {
    const p = proc;
    if (!p || p.exitCode !== null) return;
    const gone = new Promise((r) => p.once('exit', r));
    p.kill('SIGTERM');
    const t = setTimeout(() => p.kill('SIGKILL'), 5000);
    await gone;
    clearTimeout(t);
  };
  await start();
  return { endpoint, start, stop };
}
