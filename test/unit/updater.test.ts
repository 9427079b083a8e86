import { EventEmitter } from 'node:events';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseUpdateInfo } from 'electron-updater/out/providers/Provider';
import { afterEach, describe, expect, it } from 'vitest';
import { CHECK_EVERY_MS, FIRST_CHECK_MS, OFFLINE_RETRY_MS, setupUpdater, updateTrayItem, type UpdateState, type UpdaterLike } from '../../main/app/updater';
import { checkFeed } from '../../main/core/updates/feed';
import { tempDir } from '../support/helpers-fs';
import { manifestText, serveFeed, signManifest, testKey, type TestFeed } from '../support/update-feed';

const key = testKey();
const installer = { name: 'Ferry-1.2.3.AppImage', bytes: Buffer.from('AppImage 1.2.3, as built') };

/** electron-updater as far as the wiring uses it: reads the feed itself, downloads what it read. */
class FakeUpdater extends EventEmitter implements UpdaterLike {
  autoDownload = true;
  autoInstallOnAppQuit = true;
  allowDowngrade = true;
  checks = 0;
  downloads = 0;
  installs: [boolean | undefined, boolean | undefined][] = [];
  /** What the download writes; the signed installer unless a test spoils it. */
  bytes = installer.bytes;
  constructor(
    private readonly feed: TestFeed,
    private readonly dir: string,
    private readonly current = '1.0.0',
  ) {
    super();
  }
  async checkForUpdates() {
    this.checks++;
    const text = this.feed.routes.get('latest-linux.yml') as string;
    const updateInfo = parseUpdateInfo(text, 'latest-linux.yml', new URL(`${this.feed.url}latest-linux.yml`));
    return { isUpdateAvailable: updateInfo.version !== this.current, updateInfo };
  }
  async downloadUpdate() {
    this.downloads++;
    const file = join(this.dir, installer.name);
    await writeFile(file, this.bytes);
    this.emit('update-downloaded', { version: '1.2.3', downloadedFile: file });
    return [file];
  }
  quitAndInstall(isSilent?: boolean, isForceRunAfter?: boolean) {
    this.installs.push([isSilent, isForceRunAfter]);
  }
}

const feeds: TestFeed[] = [];
afterEach(async () => {
  await Promise.all(feeds.splice(0).map((f) => f.close()));
});

async function rig(opts: { sign?: boolean; enabled?: () => Promise<boolean> } = {}) {
  const manifest = manifestText('1.2.3', [installer]);
  const feed = await serveFeed({ 'latest-linux.yml': manifest, ...(opts.sign === false ? {} : { 'latest-linux.yml.sig': signManifest('latest-linux.yml', manifest, key.privateKey) }) });
  feeds.push(feed);
  const tmp = await tempDir('ferry-updater-');
  const updater = new FakeUpdater(feed, tmp);
  const notes: [string, string][] = [];
  const states: UpdateState[] = [];
  const timers: { run: () => void; ms: number; cancelled: boolean }[] = [];
  let checks = 0;
  const control = setupUpdater({
    updater,
    check: () => (checks++, checkFeed({ feedUrl: feed.url, currentVersion: '1.0.0', platform: 'linux', arch: 'x64', publicKey: key.publicKey })),
    enabled: opts.enabled ?? (async () => true),
    notify: (title, body) => notes.push([title, body]),
    onChange: (s) => states.push(s),
    schedule: (run, ms) => {
      const t = { run, ms, cancelled: false };
      timers.push(t);
      return () => (t.cancelled = true);
    },
  });
  /** Runs the timer due next, as the clock would, and waits for what it started. */
  const fire = async () => {
    const t = timers.filter((x) => !x.cancelled).pop()!;
    const before = timers.length;
    t.cancelled = true;
    t.run();
    // Done when the next check is scheduled, or none will be (an update is ready).
    await expect.poll(() => timers.length > before || control.state().kind === 'ready').toBe(true);
  };
  return { feed, updater, control, notes, states, timers, fire, tmp, checks: () => checks };
}

describe('the updater wiring, with a stand-in electron-updater and a signed feed served by the test', () => {
  it('never downloads or installs by itself, and first looks a little after start', async () => {
    const { updater, timers } = await rig();
    expect([updater.autoDownload, updater.autoInstallOnAppQuit, updater.allowDowngrade]).toEqual([false, false, false]);
    expect(timers.map((t) => t.ms)).toEqual([FIRST_CHECK_MS]);
    expect(updater.checks + updater.downloads).toBe(0);
  });

  it('downloads a verified newer version, offers "Restart to update" once, and installs only when asked', async () => {
    const { updater, control, notes, fire, timers, tmp } = await rig();
    expect(updateTrayItem(control.state())).toBeUndefined();
    control.restart();
    expect(updater.installs).toEqual([]);

    await fire();
    await expect.poll(() => control.state()).toEqual({ kind: 'ready', version: '1.2.3' });
    expect(updater.downloads).toBe(1);
    expect(notes).toEqual([['Ferry 1.2.3 is ready', 'Choose "Restart to update" in Ferry\'s tray menu when it suits you. Nothing changes until then.']]);
    expect(updateTrayItem(control.state())).toEqual({ label: 'Restart to update Ferry 1.2.3', sublabel: 'Ferry quits, installs it and starts again', action: { type: 'restart-to-update' } });
    // Once ready, no more checks or downloads, and no second notification.
    expect(await control.checkNow()).toMatchObject({ kind: 'newer', version: '1.2.3' });
    updater.emit('update-downloaded', { version: '1.2.3', downloadedFile: join(tmp, installer.name) });
    await new Promise((r) => setTimeout(r, 50));
    expect([updater.checks, updater.downloads, notes.length]).toEqual([1, 1, 1]);
    expect(timers.filter((t) => !t.cancelled)).toEqual([]);

    control.restart();
    expect(updater.installs).toEqual([[true, true]]);
  });

  it('does not offer a download whose bytes differ from the signed manifest', async () => {
    const { updater, control, notes } = await rig();
    updater.bytes = Buffer.from('AppImage 1.2.3, as built!');
    await control.checkNow();
    await expect.poll(() => control.state().kind).toBe('refused');
    expect(control.state()).toMatchObject({ reason: expect.stringMatching(/has 25 bytes where the signed manifest says 24: it was not installed/) });
    expect(notes).toEqual([]);
    expect(updateTrayItem(control.state())).toBeUndefined();
    control.restart();
    expect(updater.installs).toEqual([]);
  });

  it('lets electron-updater download nothing when the signature is missing, or when it read another release', async () => {
    const unsigned = await rig({ sign: false });
    expect(await unsigned.control.checkNow()).toMatchObject({ kind: 'refused', reason: expect.stringMatching(/no signature/) });
    expect([unsigned.updater.checks, unsigned.updater.downloads]).toEqual([0, 0]);

    // The feed is rewritten between the signed read and electron-updater's own.
    const swapped = await rig();
    const original = swapped.updater.checkForUpdates.bind(swapped.updater);
    swapped.updater.checkForUpdates = async () => {
      swapped.feed.routes.set('latest-linux.yml', manifestText('1.2.3', [{ name: installer.name, bytes: Buffer.from('evil') }]));
      return original();
    };
    expect(await swapped.control.checkNow()).toMatchObject({ kind: 'refused', reason: expect.stringMatching(/changed between two reads/) });
    expect(swapped.updater.downloads).toBe(0);
    expect(swapped.notes).toEqual([]);
  });

  it('does not look while Settings has it off, and looks again sooner after being offline', async () => {
    let on = false;
    const { control, fire, timers, checks, feed } = await rig({ enabled: async () => on });
    await fire();
    expect(checks()).toBe(0);
    expect(timers.at(-1)!.ms).toBe(CHECK_EVERY_MS);
    on = true;
    await feed.close();
    await fire();
    expect(checks()).toBe(1);
    expect(control.state()).toMatchObject({ kind: 'offline', reason: expect.stringMatching(/cannot be reached/) });
    expect(timers.at(-1)!.ms).toBe(OFFLINE_RETRY_MS);
    control.stop();
    expect(timers.every((t) => t.cancelled)).toBe(true);
  });

  it('a failure to read the preference skips that check; two checks at once are one', async () => {
    const { fire, checks, control, updater } = await rig({ enabled: async () => Promise.reject(new Error('settings.json is broken')) });
    await fire();
    expect(checks()).toBe(0);
    const [a, b] = await Promise.all([control.checkNow(), control.checkNow()]);
    expect(a).toBe(b);
    expect(checks()).toBe(1);
    expect(updater.downloads).toBe(1);
  });
});
