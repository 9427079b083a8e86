import { spawnSync } from 'node:child_process';
import { createServer, type Server } from 'node:net';
import { readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { AddressInfo } from 'node:net';
import { parseUpdateInfo } from 'electron-updater/out/providers/Provider';
import { afterEach, describe, expect, it } from 'vitest';
import { checkFeed, sameRelease, verifyDownload, type FeedCheck, type UpdateDecision } from '../../main/core/updates/feed';
import { parseManifest } from '../../main/core/updates/manifest';
import { generateUpdateKey, readPrivateKey, signFeed } from '../../main/core/updates/signing';
import { updateTarget } from '../../main/core/updates/target';
import { compareVersions, parseVersion } from '../../main/core/updates/version';
import { tempDir } from '../support/helpers-fs';
import { manifestText, serveFeed, sha512, signManifest, testKey, type TestFeed } from '../support/update-feed';

const ROOT = resolve(__dirname, '../..');
const key = testKey();
const appImage = { name: 'Ferry-1.2.3.AppImage', bytes: Buffer.from('the new AppImage, byte for byte') };

const feeds: TestFeed[] = [];
afterEach(async () => {
  await Promise.all(feeds.splice(0).map((f) => f.close()));
});

/** A feed holding a signed latest-linux.yml for `version`, plus whatever `more` adds or replaces. */
async function linuxFeed(version = '1.2.3', more: Parameters<typeof serveFeed>[0] = {}, extra: Record<string, unknown> = {}): Promise<TestFeed> {
  const manifest = manifestText(version, [{ ...appImage, name: `Ferry-${version}.AppImage` }], extra);
  const feed = await serveFeed({ 'latest-linux.yml': manifest, 'latest-linux.yml.sig': signManifest('latest-linux.yml', manifest, key.privateKey), ...more });
  feeds.push(feed);
  return feed;
}

const check = (feed: { url: string }, over: Partial<FeedCheck> = {}) => checkFeed({ feedUrl: feed.url, currentVersion: '1.0.0', platform: 'linux', arch: 'x64', publicKey: key.publicKey, ...over });

function reason(d: UpdateDecision): string {
  return 'reason' in d ? d.reason : `(${d.kind})`;
}

describe('the update decision, against a signed feed served by the test', () => {
  it('offers a newer version with its notes, and checks the platform’s own manifest', async () => {
    const feed = await linuxFeed('1.2.3', {}, { releaseNotes: 'Faster uploads.\nA tray item.' });
    const d = await check(feed);
    expect(d).toMatchObject({ kind: 'newer', version: '1.2.3', notes: 'Faster uploads.\nA tray item.', channel: 'latest-linux.yml' });
    expect(feed.asked.sort()).toEqual(['/feed/latest-linux.yml', '/feed/latest-linux.yml.sig']);
  });

  it('says up to date for the same version and for an older one: never a downgrade', async () => {
    const feed = await linuxFeed('1.2.3');
    expect(await check(feed, { currentVersion: '1.2.3' })).toEqual({ kind: 'up-to-date', latest: '1.2.3' });
    expect(await check(feed, { currentVersion: '1.10.0' })).toEqual({ kind: 'up-to-date', latest: '1.2.3' });
    expect(await check(feed, { currentVersion: '1.2.3+build.7' })).toMatchObject({ kind: 'up-to-date' });
  });

  it('orders prereleases as semantic versioning does', async () => {
    const feed = await linuxFeed('1.2.0-beta.10');
    expect(await check(feed, { currentVersion: '1.2.0-beta.2' })).toMatchObject({ kind: 'newer', version: '1.2.0-beta.10' });
    expect(await check(feed, { currentVersion: '1.2.0' })).toMatchObject({ kind: 'up-to-date' });
    expect(await check(feed, { currentVersion: '1.1.9' })).toMatchObject({ kind: 'newer' });
    const order = ['1.0.0-alpha', '1.0.0-alpha.1', '1.0.0-alpha.beta', '1.0.0-beta', '1.0.0-beta.2', '1.0.0-beta.11', '1.0.0-rc.1', '1.0.0', '2.0.0', '2.1.0', '2.1.1', '10.0.0'];
    const shuffled = [...order].reverse().sort((a, b) => compareVersions(parseVersion(a)!, parseVersion(b)!));
    expect(shuffled).toEqual(order);
    for (const bad of ['v1.2.3', '1.2', '01.2.3', '1.2.3-', '1.2.3-01', '1.2.3.4', ' 1.2.3']) expect(parseVersion(bad), bad).toBeUndefined();
  });

  it('refuses a feed whose signature is wrong, missing, or made for something else', async () => {
    const manifest = manifestText('1.2.3', [appImage]);
    const other = testKey();
    const cases: [string, Record<string, string>, RegExp][] = [
      ['a bad signature', { 'latest-linux.yml': manifest, 'latest-linux.yml.sig': `${Buffer.alloc(64, 7).toString('base64')}\n` }, /does not match its signature/],
      ['no .sig at all', { 'latest-linux.yml': manifest }, /no signature for latest-linux\.yml \(latest-linux\.yml\.sig\)/],
      ['a manifest changed after signing', { 'latest-linux.yml': manifest.replace('version: 1.2.3', 'version: 1.2.4'), 'latest-linux.yml.sig': signManifest('latest-linux.yml', manifest, key.privateKey) }, /changed after it was signed/],
      ['another key', { 'latest-linux.yml': manifest, 'latest-linux.yml.sig': signManifest('latest-linux.yml', manifest, other.privateKey) }, /signed with another key/],
      ['another platform’s signed manifest', { 'latest-linux.yml': manifest, 'latest-linux.yml.sig': signManifest('latest-linux-arm64.yml', manifest, key.privateKey) }, /does not match its signature/],
      ['a .sig that is not a signature', { 'latest-linux.yml': manifest, 'latest-linux.yml.sig': 'hello' }, /not an Ed25519 signature/],
    ];
    for (const [what, routes, why] of cases) {
      const feed = await serveFeed(routes);
      feeds.push(feed);
      const d = await check(feed);
      expect(d.kind, what).toBe('refused');
      expect(reason(d), what).toMatch(why);
      expect(feed.asked.filter((p) => !p.startsWith('/feed/latest-linux.yml')), what).toEqual([]);
    }
  });

  it('refuses when the build has no key or a broken one', async () => {
    const feed = await linuxFeed();
    expect(reason(await check(feed, { publicKey: '' }))).toMatch(/no update key/);
    expect(reason(await check(feed, { publicKey: 'bm90IGEga2V5' }))).toMatch(/not an Ed25519 public key/);
  });

  it('says offline, quickly, when the feed cannot be reached or never answers', async () => {
    const closed = await serveFeed();
    const url = closed.url;
    await closed.close();
    let t = Date.now();
    const refused = await check({ url }, { timeoutMs: 1500 });
    expect(refused).toMatchObject({ kind: 'offline', reason: expect.stringMatching(/cannot be reached \(ECONNREFUSED\)/) });
    expect(Date.now() - t).toBeLessThan(1000);

    const silent = await silentServer();
    t = Date.now();
    const d = await check({ url: `http://127.0.0.1:${(silent.address() as AddressInfo).port}/feed/` }, { timeoutMs: 400 });
    expect(d).toMatchObject({ kind: 'offline', reason: expect.stringMatching(/did not answer within/) });
    expect(Date.now() - t).toBeLessThan(1500);
    silent.close();

    // Headers at once, then a body that never ends.
    const stalled = await linuxFeed('1.2.3', { 'latest-linux.yml': (_req, res) => (res.writeHead(200, { 'content-length': '500' }), res.write('version: 1.2.3\n')) });
    t = Date.now();
    expect(await check(stalled, { timeoutMs: 400 })).toMatchObject({ kind: 'offline', reason: expect.stringMatching(/did not answer within/) });
    expect(Date.now() - t).toBeLessThan(1500);

    const busy = await linuxFeed('1.2.3', { 'latest-linux.yml': (_req, res) => res.writeHead(503).end('Slow Down') });
    expect(await check(busy)).toMatchObject({ kind: 'offline', reason: expect.stringMatching(/HTTP 503/) });
  });

  it('refuses a huge answer or a web page instead of the manifest', async () => {
    const huge = await linuxFeed('1.2.3', { 'latest-linux.yml': Buffer.alloc(300 * 1024, 'a') });
    expect(reason(await check(huge))).toMatch(/latest-linux\.yml is larger than 256 KiB/);
    // No length said: the body is cut off once it passes the cap.
    let sent = 0;
    const endless = await linuxFeed('1.2.3', {
      'latest-linux.yml': (_req, res) => {
        res.writeHead(200);
        const more = () => {
          let flowing = true;
          while (flowing && sent < 50 * 1024 * 1024) {
            flowing = res.write(Buffer.alloc(64 * 1024, 'b'));
            sent += 64 * 1024;
          }
          if (sent < 50 * 1024 * 1024) res.once('drain', more);
        };
        more();
      },
    });
    expect(reason(await check(endless))).toMatch(/larger than 256 KiB/);
    // What was sent before the connection closed: the cap plus what the sockets buffer, not 50 MiB.
    expect(sent).toBeLessThan(8 * 1024 * 1024);
    const html = '<!DOCTYPE html><html><body>Welcome to nginx!</body></html>';
    const page = await linuxFeed('1.2.3', { 'latest-linux.yml': (_req, res) => res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end('Access denied by your network administrator.') });
    expect(reason(await check(page))).toMatch(/answered a web page for latest-linux\.yml/);
    const untyped = await linuxFeed('1.2.3', { 'latest-linux.yml': html });
    expect(reason(await check(untyped))).toMatch(/web page/);
  });

  it('refuses a feed that is missing, not HTTPS, or sends the manifest on to plain HTTP', async () => {
    const empty = await serveFeed();
    feeds.push(empty);
    expect(reason(await check(empty))).toMatch(/has no latest-linux\.yml \(HTTP 404\): check the publish url/);
    expect(reason(await check({ url: 'http://updates.example.com/ferry/' }))).toMatch(/must be an https:\/\/ URL, not http:\/\/updates\.example\.com/);
    expect(reason(await check({ url: 'ftp://127.0.0.1/' }))).toMatch(/https/);
    expect(reason(await check({ url: 'not a url' }))).toMatch(/not a URL/);
    const fetched: string[] = [];
    const redirected = await check(
      { url: 'https://updates.example.com/ferry' },
      { fetch: async (url) => (fetched.push(url), Object.defineProperty(new Response('version: 9.9.9'), 'url', { value: 'http://evil.example/latest-linux.yml' })) },
    );
    // The folder URL gains its slash; the answer, arriving over plain HTTP, is not used.
    expect(fetched).toContain('https://updates.example.com/ferry/latest-linux.yml');
    expect(reason(redirected)).toMatch(/sent latest-linux\.yml on to http:\/\/evil\.example, which is not HTTPS/);
  });

  it('uses each platform’s manifest and refuses one without the installer that platform updates from', async () => {
    const zip = { name: 'Ferry-1.2.3-arm64-mac.zip', bytes: Buffer.from('zip') };
    const dmg = { name: 'Ferry-1.2.3-arm64.dmg', bytes: Buffer.from('dmg') };
    const mac = manifestText('1.2.3', [zip, dmg]);
    const dmgOnly = manifestText('1.2.3', [dmg]);
    const win = manifestText('1.2.3', [{ name: 'Ferry Setup 1.2.3.exe', bytes: Buffer.from('exe') }]);
    const arm = manifestText('1.2.3', [{ name: 'Ferry-1.2.3-arm64.AppImage', bytes: Buffer.from('arm') }]);
    const feed = await serveFeed({
      'latest-mac.yml': mac,
      'latest-mac.yml.sig': signManifest('latest-mac.yml', mac, key.privateKey),
      'latest.yml': win,
      'latest.yml.sig': signManifest('latest.yml', win, key.privateKey),
      'latest-linux-arm64.yml': arm,
      'latest-linux-arm64.yml.sig': signManifest('latest-linux-arm64.yml', arm, key.privateKey),
    });
    feeds.push(feed);
    expect(await check(feed, { platform: 'darwin', arch: 'arm64' })).toMatchObject({ kind: 'newer', channel: 'latest-mac.yml' });
    expect(await check(feed, { platform: 'win32' })).toMatchObject({ kind: 'newer', channel: 'latest.yml' });
    expect(await check(feed, { platform: 'linux', arch: 'arm64' })).toMatchObject({ kind: 'newer', channel: 'latest-linux-arm64.yml' });
    expect(reason(await check(feed, { platform: 'freebsd' }))).toMatch(/does not update itself on freebsd/);
    feed.routes.set('latest-mac.yml', dmgOnly);
    feed.routes.set('latest-mac.yml.sig', signManifest('latest-mac.yml', dmgOnly, key.privateKey));
    expect(reason(await check(feed, { platform: 'darwin', arch: 'arm64' }))).toMatch(/lists no \.zip file, which is what Ferry updates from on darwin/);
  });

  it('refuses a signed manifest that is not what electron-builder writes', async () => {
    const good = manifestText('1.2.3', [appImage]);
    const cases: [string, string, RegExp][] = [
      ['not YAML', 'version: [1.2.3\n', /not valid YAML/],
      ['a duplicate key', `${good}version: 9.9.9\n`, /not valid YAML \(duplicated mapping key/],
      ['a list', '- 1\n- 2\n', /not an update manifest/],
      ['no files', 'version: 1.2.3\nfiles: []\n', /lists no files/],
      ['a version with a v', good.replace('version: 1.2.3', 'version: v1.2.3'), /no valid version/],
      ['a short hash', good.replace(/sha512: \S+/g, 'sha512: abc'), /has no SHA-512 in base64/],
      ['a negative size', good.replace(/size: \d+/, 'size: -1'), /impossible size/],
      ['a YAML tag', good.replace('version: 1.2.3', 'version: !!js/function "x"'), /not valid YAML/],
    ];
    for (const [what, text, why] of cases) {
      const feed = await serveFeed({ 'latest-linux.yml': text, 'latest-linux.yml.sig': signManifest('latest-linux.yml', text, key.privateKey) });
      feeds.push(feed);
      expect(reason(await check(feed)), what).toMatch(why);
    }
  });
});

describe('a downloaded update, against the signed manifest', () => {
  const manifest = parseManifest(manifestText('1.2.3', [appImage]), 'latest-linux.yml');
  if (typeof manifest === 'string') throw new Error(manifest);

  it('is offered only when its name, size and SHA-512 are the manifest’s', async () => {
    const dir = await tempDir('ferry-update-');
    const file = join(dir, appImage.name);
    await writeFile(file, appImage.bytes);
    expect(await verifyDownload(file, manifest)).toBeUndefined();

    await writeFile(file, Buffer.concat([appImage.bytes, Buffer.from('!')]));
    expect(await verifyDownload(file, manifest)).toMatch(/has 32 bytes where the signed manifest says 31: it was not installed/);
    const flipped = Buffer.from(appImage.bytes);
    flipped[3]! ^= 1;
    await writeFile(file, flipped);
    expect(await verifyDownload(file, manifest)).toMatch(/does not match the SHA-512 in the signed manifest/);
    await writeFile(join(dir, 'Other.AppImage'), appImage.bytes);
    expect(await verifyDownload(join(dir, 'Other.AppImage'), manifest)).toMatch(/not a file the signed update manifest lists/);
    expect(await verifyDownload(join(dir, 'nothing', appImage.name), manifest)).toMatch(/cannot be read \(ENOENT\)/);
  });

  it('finds a file whose name the manifest gives URL-encoded, as electron-updater names its copy', async () => {
    const exe = { name: 'Ferry Setup 1.2.3.exe', bytes: Buffer.from('exe bytes') };
    const m = parseManifest(manifestText('1.2.3', [exe]).replace('url: Ferry Setup 1.2.3.exe', 'url: Ferry%20Setup%201.2.3.exe'), 'latest.yml');
    if (typeof m === 'string') throw new Error(m);
    const dir = await tempDir('ferry-update-');
    await writeFile(join(dir, exe.name), exe.bytes);
    expect(await verifyDownload(join(dir, exe.name), m)).toBeUndefined();
  });

  it('is the release electron-updater read only when version and every file hash agree', () => {
    const text = manifestText('1.2.3', [appImage]);
    const theirs = parseUpdateInfo(text, 'latest-linux.yml', new URL('https://feed.example/latest-linux.yml'));
    expect(sameRelease(theirs, manifest)).toBe(true);
    expect(sameRelease({ ...theirs, version: '1.2.4' }, manifest)).toBe(false);
    expect(sameRelease({ ...theirs, files: [{ ...theirs.files[0]!, sha512: sha512('other') }] }, manifest)).toBe(false);
    expect(sameRelease({ ...theirs, files: [...theirs.files, { url: 'extra.AppImage', sha512: sha512('x') }] }, manifest)).toBe(false);
  });
});

describe('which copies of Ferry update themselves', () => {
  async function resources(appUpdate?: string, packageType?: string): Promise<string> {
    const dir = await tempDir('ferry-resources-');
    if (appUpdate !== undefined) await writeFile(join(dir, 'app-update.yml'), appUpdate);
    if (packageType) await writeFile(join(dir, 'package-type'), packageType);
    return dir;
  }
  const feedYml = 'provider: generic\nurl: https://bucket.s3.example.com/ferry/\nupdaterCacheDirName: ferry-updater\n';

  it('the AppImage, the Mac app and the NSIS install, from the feed in app-update.yml', async () => {
    const r = await resources(feedYml);
    const base = { isPackaged: true, resourcesPath: r, publicKey: key.publicKey };
    expect(await updateTarget({ ...base, platform: 'linux', env: { APPIMAGE: '/home/u/Ferry.AppImage' } })).toEqual({ ok: true, feedUrl: 'https://bucket.s3.example.com/ferry/' });
    expect(await updateTarget({ ...base, platform: 'darwin', env: {} })).toMatchObject({ ok: true });
    expect(await updateTarget({ ...base, platform: 'win32', env: {} })).toMatchObject({ ok: true });
  });

  it('not a deb install, a checkout, a portable exe, a build without key or with the placeholder feed', async () => {
    const deb = await resources(feedYml, 'deb\n');
    const env = { APPIMAGE: '/x.AppImage' };
    expect(await updateTarget({ isPackaged: true, platform: 'linux', env: {}, resourcesPath: deb, publicKey: key.publicKey })).toEqual({ ok: false, reason: "Ferry was installed from a deb package: the system's package manager updates it" });
    expect(await updateTarget({ isPackaged: false, platform: 'linux', env, resourcesPath: deb, publicKey: key.publicKey })).toMatchObject({ ok: false, reason: expect.stringMatching(/checkout/) });
    expect(await updateTarget({ isPackaged: true, platform: 'win32', env: { PORTABLE_EXECUTABLE_DIR: 'C:\\x' }, resourcesPath: deb, publicKey: key.publicKey })).toMatchObject({ ok: false, reason: expect.stringMatching(/portable/) });
    expect(await updateTarget({ isPackaged: true, platform: 'linux', env, resourcesPath: deb, publicKey: '' })).toMatchObject({ ok: false, reason: expect.stringMatching(/no update key/) });
    const placeholder = await resources('provider: generic\nurl: https://updates.ferry.invalid/ferry/\n');
    expect(await updateTarget({ isPackaged: true, platform: 'linux', env, resourcesPath: placeholder, publicKey: key.publicKey })).toMatchObject({ ok: false, reason: expect.stringMatching(/placeholder update feed/) });
    const none = await resources();
    expect(await updateTarget({ isPackaged: true, platform: 'darwin', env: {}, resourcesPath: none, publicKey: key.publicKey })).toMatchObject({ ok: false, reason: expect.stringMatching(/no update feed/) });
    const github = await resources('provider: github\nowner: x\nrepo: y\n');
    expect(await updateTarget({ isPackaged: true, platform: 'darwin', env: {}, resourcesPath: github, publicKey: key.publicKey })).toMatchObject({ ok: false, reason: expect.stringMatching(/no generic feed URL/) });
  });
});

describe('signing the feed (build/sign-update-feed.mjs)', () => {
  async function dist(): Promise<string> {
    const dir = await tempDir('ferry-dist-');
    const mac = [
      { name: 'Ferry-1.2.3-mac.zip', bytes: Buffer.from('x64 zip') },
      { name: 'Ferry-1.2.3-arm64-mac.zip', bytes: Buffer.from('arm64 zip') },
      { name: 'Ferry-1.2.3.dmg', bytes: Buffer.from('dmg') },
    ];
    for (const f of [appImage, ...mac]) await writeFile(join(dir, f.name), f.bytes);
    await writeFile(join(dir, 'latest-linux.yml'), manifestText('1.2.3', [appImage]));
    await writeFile(join(dir, 'latest-mac.yml'), manifestText('1.2.3', mac));
    await writeFile(join(dir, 'builder-debug.yml'), 'x: 1\n');
    return dir;
  }

  it('makes a key file only its owner reads, never over an existing one, and signs what the app then accepts', async () => {
    const dir = await dist();
    const keyFile = join(await tempDir('ferry-key-'), 'update.pem');
    const publicKey = await generateUpdateKey(keyFile, 'correct horse');
    expect((await stat(keyFile)).mode & 0o777).toBe(0o600);
    expect(await readFile(keyFile, 'utf8')).toMatch(/^-----BEGIN ENCRYPTED PRIVATE KEY-----/);
    await expect(generateUpdateKey(keyFile)).rejects.toThrow(/already exists/);
    await expect(readPrivateKey(keyFile)).rejects.toThrow(/is encrypted: set FERRY_UPDATE_KEY_PASSPHRASE/);
    await expect(readPrivateKey(keyFile, 'wrong')).rejects.toThrow(/does not open with the passphrase/);

    const signed = await signFeed(dir, await readPrivateKey(keyFile, 'correct horse'), publicKey);
    expect(signed.map((s) => s.manifest)).toEqual(['latest-linux.yml', 'latest-mac.yml']);
    expect((await readdir(dir)).filter((n) => n.endsWith('.sig')).sort()).toEqual(['latest-linux.yml.sig', 'latest-mac.yml.sig']);

    const routes = Object.fromEntries(await Promise.all((await readdir(dir)).map(async (n) => [n, await readFile(join(dir, n))] as const)));
    const feed = await serveFeed(routes);
    feeds.push(feed);
    expect(await checkFeed({ feedUrl: feed.url, currentVersion: '1.0.0', platform: 'linux', arch: 'x64', publicKey })).toMatchObject({ kind: 'newer', version: '1.2.3' });
    expect(await checkFeed({ feedUrl: feed.url, currentVersion: '1.0.0', platform: 'darwin', arch: 'arm64', publicKey })).toMatchObject({ kind: 'newer', version: '1.2.3' });
    // Another build's key does not accept it.
    expect(reason(await checkFeed({ feedUrl: feed.url, currentVersion: '1.0.0', platform: 'linux', arch: 'x64', publicKey: key.publicKey }))).toMatch(/signed with another key/);
  });

  it('signs nothing when a listed file is missing or from another build, or the key is not the built-in one', async () => {
    const cases: [string, (dir: string) => Promise<unknown>, RegExp][] = [
      ['a missing installer', (d) => rm(join(d, 'Ferry-1.2.3.dmg')), /lists Ferry-1\.2\.3\.dmg, which is not in/],
      ['an installer of another build', (d) => writeFile(join(d, 'Ferry-1.2.3-mac.zip'), 'x64 ZIP'), /Ferry-1\.2\.3-mac\.zip does not match the SHA-512 in latest-mac\.yml/],
      ['a manifest that is not one', (d) => writeFile(join(d, 'latest-mac.yml'), 'version: 1.2\n'), /no valid version/],
    ];
    for (const [what, spoil, why] of cases) {
      const dir = await dist();
      await spoil(dir);
      await expect(signFeed(dir, key.privateKey, key.publicKey), what).rejects.toThrow(why);
      expect((await readdir(dir)).filter((n) => n.endsWith('.sig')), what).toEqual([]);
    }
    const dir = await dist();
    await expect(signFeed(dir, testKey().privateKey, key.publicKey)).rejects.toThrow(/not the one whose public key is in main\/core\/updates\/update-key\.ts/);
    await expect(signFeed(dir, key.privateKey, '')).rejects.toThrow(/no update key.*Put the public key keygen printed there first/);
    await expect(signFeed(join(dir, 'nope'), key.privateKey, key.publicKey)).rejects.toThrow(/no such folder \(build with npm run dist first\)/);
    const empty = await tempDir('ferry-dist-');
    await expect(signFeed(empty, key.privateKey, key.publicKey)).rejects.toThrow(/holds no latest\*\.yml/);
  });

  it('the script refuses to put a private key inside the repository and says what to paste', async () => {
    const script = (...args: string[]) => spawnSync(process.execPath, ['--import', 'tsx', join(ROOT, 'build/sign-update-feed.mjs'), ...args], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, FERRY_UPDATE_KEY_PASSPHRASE: '' } });
    const inside = script('keygen', join(ROOT, 'build/update-key.pem'));
    expect(inside.status).toBe(1);
    expect(inside.stderr).toMatch(/inside the repository: keep the private key elsewhere/);
    await expect(stat(join(ROOT, 'build/update-key.pem'))).rejects.toThrow();
    const out = join(await tempDir('ferry-key-'), 'k.pem');
    const made = script('keygen', out);
    expect(made.status, made.stderr).toBe(0);
    expect(made.stdout).toMatch(/^export const UPDATE_PUBLIC_KEY = 'MCowBQYDK2VwAyEA[A-Za-z0-9+/]{43}=';$/m);
    const usage = script('sign');
    expect(usage.status).toBe(1);
    expect(usage.stderr).toMatch(/^sign-update-feed: sign needs --key KEY_FILE\. Usage:/);
  });
});

function silentServer(): Promise<Server> {
  // Accepts connections and never answers.
  const server = createServer(() => {});
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}
