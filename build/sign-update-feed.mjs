// The maintainer's tool for Ferry's update feed (docs/updates.md). Run from the repository:
//
//   node --import tsx build/sign-update-feed.mjs keygen ~/ferry-update-key.pem
//   node --import tsx build/sign-update-feed.mjs sign --key ~/ferry-update-key.pem [dist]
//   node --import tsx build/sign-update-feed.mjs check https://bucket.example/ferry/ [--platform linux|darwin|win32] [--arch x64|arm64]
//
// A passphrase for the key file comes from FERRY_UPDATE_KEY_PASSPHRASE (keygen encrypts with it).
import { dirname, relative, resolve, isAbsolute } from 'node:path';
import { fileURLToPath } from 'node:url';
import { checkFeed } from '../main/core/updates/feed.ts';
import { generateUpdateKey, readPrivateKey, signFeed } from '../main/core/updates/signing.ts';
import { UPDATE_PUBLIC_KEY } from '../main/core/updates/update-key.ts';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const USAGE = 'Usage: node --import tsx build/sign-update-feed.mjs keygen KEY_FILE | sign --key KEY_FILE [DIST_DIR] | check FEED_URL [--platform P] [--arch A]';

function fail(message) {
  console.error(`sign-update-feed: ${message}`);
  process.exit(1);
}

function option(args, name) {
  const i = args.indexOf(name);
  if (i < 0) return undefined;
  const value = args[i + 1];
  if (!value || value.startsWith('--')) fail(`${name} needs a value. ${USAGE}`);
  args.splice(i, 2);
  return value;
}

function insideRepo(path) {
  const rel = relative(ROOT, resolve(path));
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
}

const [command, ...args] = process.argv.slice(2);
const passphrase = process.env.FERRY_UPDATE_KEY_PASSPHRASE || undefined;
try {
  if (command === 'keygen') {
    const [file, extra] = args;
    if (!file || extra) fail(`keygen takes the file to write the private key to. ${USAGE}`);
    if (insideRepo(file)) fail(`${file} is inside the repository: keep the private key elsewhere (a password manager, an offline disk), never in git.`);
    const publicKey = await generateUpdateKey(resolve(file), passphrase);
    console.log(`Private key written to ${resolve(file)} (owner-only${passphrase ? ', encrypted with FERRY_UPDATE_KEY_PASSPHRASE' : ''}). Keep it safe: whoever has it can ship updates to every copy.`);
    console.log('Put its public key into main/core/updates/update-key.ts, then build:');
    console.log(`export const UPDATE_PUBLIC_KEY = '${publicKey}';`);
  } else if (command === 'sign') {
    const keyFile = option(args, '--key');
    if (!keyFile) fail(`sign needs --key KEY_FILE. ${USAGE}`);
    const [dir = 'dist', extra] = args;
    if (extra) fail(`sign takes one folder. ${USAGE}`);
    const key = await readPrivateKey(resolve(keyFile), passphrase);
    const signed = await signFeed(resolve(dir), key, UPDATE_PUBLIC_KEY);
    for (const s of signed) console.log(`Signed ${s.manifest} (Ferry ${s.version}: ${s.files.join(', ')}) -> ${s.manifest}.sig`);
    console.log(`Upload the installers first, then each .yml with its .yml.sig, e.g.: ferry cp ${dir}/ s3://BUCKET/ferry/ (docs/updates.md)`);
  } else if (command === 'check') {
    const platform = option(args, '--platform') ?? process.platform;
    const arch = option(args, '--arch') ?? process.arch;
    const current = option(args, '--current') ?? '0.0.0';
    const [url, extra] = args;
    if (!url || extra) fail(`check takes the feed's URL. ${USAGE}`);
    const decision = await checkFeed({ feedUrl: url, currentVersion: current, platform, arch, publicKey: UPDATE_PUBLIC_KEY });
    if (decision.kind === 'newer') console.log(`OK: the feed offers Ferry ${decision.version} (${decision.channel}, signature verified) to copies older than it.`);
    else if (decision.kind === 'up-to-date') console.log(`OK: the feed's version ${decision.latest} is not newer than ${current}.`);
    else fail(`${decision.kind}: ${decision.reason}`);
  } else {
    fail(USAGE);
  }
} catch (err) {
  fail(err instanceof Error ? err.message : String(err));
}
