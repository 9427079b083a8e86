/**
 * Starts a throw-away OpenStack Swift with its S3 API (s3api before tempauth): a one-node ring
 * on 127.0.0.1, one device in a temporary directory, memcached, and the account, container,
 * object and proxy servers, without systemd. A second S3 implementation, independent of Ceph,
 * for the tests that must pass on any S3 server. Everything is stopped by `stop()`.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { freePort, stopAll } from './rgw';

export interface SwiftServer {
  endpoint: string;
  accessKeyId: string;
  secretAccessKey: string;
  stop(): Promise<void>;
}

const REQUIRED = [
  ['swift-ring-builder', 'swift'],
  ['swift-proxy-server', 'swift-proxy'],
  ['swift-account-server', 'swift-account'],
  ['swift-container-server', 'swift-container'],
  ['swift-object-server', 'swift-object'],
  ['memcached', 'memcached'],
] as const;

const which = (cmd: string) => spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;

export async function startSwift(opts: { log?: (line: string) => void } = {}): Promise<SwiftServer> {
  const missing = REQUIRED.filter(([cmd]) => !which(cmd));
  if (missing.length) {
    throw new Error(
      `The tests need OpenStack Swift with its S3 API, but ${missing.map(([c]) => c).join(', ')} is not installed. ` +
        `Install it with: apt-get install -y ${[...new Set(missing.map(([, p]) => p))].join(' ')} (all of: swift swift-proxy swift-account swift-container swift-object memcached)`,
    );
  }
  const log = opts.log ?? (() => {});
  const dir = mkdtempSync(join(tmpdir(), 'ferry-swift-'));
  const etc = join(dir, 'etc');
  const devices = join(dir, 'srv');
  mkdirSync(etc);
  mkdirSync(join(devices, 'sdb1'), { recursive: true });
  const [proxyPort, accountPort, containerPort, objectPort, memcachePort] = await Promise.all([freePort(), freePort(), freePort(), freePort(), freePort()]);
  const user = userInfo().username;
  writeFileSync(join(etc, 'swift.conf'), '[swift-hash]\nswift_hash_path_suffix = ferry-tests\nswift_hash_path_prefix = ferry-tests\n\n[storage-policy:0]\nname = Policy-0\ndefault = yes\n');
  const common = (port: number) =>
    `[DEFAULT]\nbind_ip = 127.0.0.1\nbind_port = ${port}\nworkers = 0\nuser = ${user}\nswift_dir = ${etc}\ndevices = ${devices}\nmount_check = false\nlog_level = WARNING\n`;
  for (const [kind, port] of [
    ['account', accountPort],
    ['container', containerPort],
    ['object', objectPort],
  ] as const) {
    writeFileSync(join(etc, `${kind}-server.conf`), `${common(port)}\n[pipeline:main]\npipeline = ${kind}-server\n\n[app:${kind}-server]\nuse = egg:swift#${kind}\n`);
    const builder = join(etc, `${kind}.builder`);
    for (const args of [[builder, 'create', '6', '1', '1'], [builder, 'add', `r1z1-127.0.0.1:${port}/sdb1`, '100'], [builder, 'rebalance']]) {
      const r = spawnSync('swift-ring-builder', args, { encoding: 'utf8' });
      // rebalance exits 1 with a warning on a one-device ring; the ring is written all the same.
      if (r.status !== 0 && !(args[1] === 'rebalance' && r.status === 1)) throw new Error(`swift-ring-builder ${args.join(' ')} failed: ${r.stderr || r.stdout}`);
    }
  }
  writeFileSync(
    join(etc, 'proxy-server.conf'),
    `${common(proxyPort)}
[pipeline:main]
pipeline = catch_errors gatekeeper healthcheck proxy-logging cache listing_formats bulk s3api tempauth copy slo dlo versioned_writes symlink proxy-logging proxy-server

[app:proxy-server]
use = egg:swift#proxy
account_autocreate = true
allow_account_management = true

[filter:s3api]
use = egg:swift#s3api
location = us-east-1

[filter:tempauth]
use = egg:swift#tempauth
user_test_tester = testing .admin

[filter:catch_errors]
use = egg:swift#catch_errors
[filter:gatekeeper]
use = egg:swift#gatekeeper
[filter:healthcheck]
use = egg:swift#healthcheck
[filter:proxy-logging]
use = egg:swift#proxy_logging
[filter:cache]
use = egg:swift#memcache
memcache_servers = 127.0.0.1:${memcachePort}
[filter:listing_formats]
use = egg:swift#listing_formats
[filter:bulk]
use = egg:swift#bulk
[filter:copy]
use = egg:swift#copy
[filter:slo]
use = egg:swift#slo
[filter:dlo]
use = egg:swift#dlo
[filter:versioned_writes]
use = egg:swift#versioned_writes
[filter:symlink]
use = egg:swift#symlink
`,
  );

  const procs: ChildProcess[] = [];
  const tails = new Map<string, string[]>();
  const start = (name: string, cmd: string, args: string[]) => {
    const p = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const tail: string[] = [];
    tails.set(name, tail);
    const keep = (b: Buffer) => {
      for (const line of b.toString().split('\n').filter(Boolean)) {
        tail.push(line);
        if (tail.length > 15) tail.shift();
        log(`${name}: ${line}`);
      }
    };
    p.stdout?.on('data', keep);
    p.stderr?.on('data', keep);
    procs.push(p);
  };
  const stop = async (): Promise<void> => {
    await stopAll(procs);
    rmSync(dir, { recursive: true, force: true });
  };

  try {
    start('memcached', 'memcached', ['-l', '127.0.0.1', '-p', String(memcachePort), '-U', '0', '-m', '64', ...(process.getuid?.() === 0 ? ['-u', 'root'] : [])]);
    for (const kind of ['account', 'container', 'object'] as const) start(`${kind}-server`, `swift-${kind}-server`, [join(etc, `${kind}-server.conf`)]);
    start('proxy-server', 'swift-proxy-server', [join(etc, 'proxy-server.conf')]);
    const endpoint = `http://127.0.0.1:${proxyPort}`;
    const deadline = Date.now() + 60_000;
    for (;;) {
      const exited = procs.find((p) => p.exitCode !== null);
      if (exited) throw new Error(`${exited.spawnfile} exited with code ${exited.exitCode}`);
      const healthy = await fetch(`${endpoint}/healthcheck`, { signal: AbortSignal.timeout(2000) }).then(
        (r) => r.status === 200,
        () => false,
      );
      if (healthy) break;
      if (Date.now() > deadline) throw new Error('Timed out after 60 s waiting for the Swift proxy');
      await new Promise((r) => setTimeout(r, 200));
    }
    return { endpoint, accessKeyId: 'test:tester', secretAccessKey: 'testing', stop };
  } catch (err) {
    const logs = [...tails].map(([name, lines]) => `\n--- ${name} (last lines) ---\n${lines.join('\n')}`).join('');
    await stop().catch(() => {});
    throw new Error(`Could not start the test Swift server: ${(err as Error).message}${logs}`, { cause: err });
  }
}
