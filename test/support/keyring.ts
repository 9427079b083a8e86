/**
 * A private, real Secret Service for tests: a session D-Bus daemon and gnome-keyring-daemon,
 * with a fresh HOME and XDG data dir, its login keyring created and unlocked with a password fed on stdin.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

export interface Keyring {
  /** Environment variables a process needs to reach this keyring. */
  env: { DBUS_SESSION_BUS_ADDRESS: string; HOME: string; XDG_DATA_HOME: string; XDG_RUNTIME_DIR: string };
  dir: string;
  stop(): Promise<void>;
}

function need(cmd: string, pkg: string): void {
  if (spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status !== 0) {
    throw new Error(`The keychain tests need ${cmd}. Install it with: apt-get install -y ${pkg}`);
  }
}

async function kill(p: ChildProcess): Promise<void> {
  if (p.exitCode !== null || p.signalCode !== null) return;
  const gone = new Promise((r) => p.once('exit', r));
  p.kill('SIGTERM');
  const t = setTimeout(() => p.kill('SIGKILL'), 3000);
  await gone;
  clearTimeout(t);
}

export async function startKeyring(): Promise<Keyring> {
  need('dbus-daemon', 'dbus');
  need('gnome-keyring-daemon', 'gnome-keyring');
  const dir = mkdtempSync(join(tmpdir(), 'ferry-keyring-'));
  const home = join(dir, 'home');
  const data = join(dir, 'data');
  const runtime = join(dir, 'run');
  for (const d of [home, data, runtime]) mkdirSync(d, { recursive: true, mode: 0o700 });
  const baseEnv: NodeJS.ProcessEnv = { ...process.env, HOME: home, XDG_DATA_HOME: data, XDG_RUNTIME_DIR: runtime };
  delete baseEnv.DISPLAY;
  delete baseEnv.WAYLAND_DISPLAY;

  const bus = spawn('dbus-daemon', ['--session', '--nofork', '--nopidfile', '--print-address=1'], {
    env: baseEnv,
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  const address = await new Promise<string>((resolve, reject) => {
    const rl = createInterface({ input: bus.stdout! });
    rl.once('line', (l) => resolve(l.trim()));
    bus.once('exit', (c) => reject(new Error(`dbus-daemon exited (${c}) before printing its address`)));
  });
  const env = { ...baseEnv, DBUS_SESSION_BUS_ADDRESS: address };
  const daemon = spawn('gnome-keyring-daemon', ['--foreground', '--unlock', '--components=secrets'], {
    env,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  daemon.stdin!.end('ferry-test-keyring-password');
  daemon.stdout!.resume();
  daemon.stderr!.resume();

  const stop = async (): Promise<void> => {
    await kill(daemon);
    await kill(bus);
    rmSync(dir, { recursive: true, force: true });
  };
  // Wait until the Secret Service name is owned on the bus.
  const deadline = Date.now() + 15_000;
  for (;;) {
    const r = spawnSync(
      'dbus-send',
      ['--session', '--print-reply', '--dest=org.freedesktop.DBus', '/org/freedesktop/DBus', 'org.freedesktop.DBus.NameHasOwner', 'string:org.freedesktop.secrets'],
      { env, encoding: 'utf8' },
    );
    if (r.stdout?.includes('boolean true')) break;
    if (Date.now() > deadline || daemon.exitCode !== null) {
      await stop();
      throw new Error('gnome-keyring-daemon did not start its Secret Service (install: apt-get install -y gnome-keyring dbus)');
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    env: { DBUS_SESSION_BUS_ADDRESS: address, HOME: home, XDG_DATA_HOME: data, XDG_RUNTIME_DIR: runtime },
    dir,
    stop,
  };
}
