/**
 * The maintainer's side of the update feed (build/sign-update-feed.mjs): an Ed25519 key pair,
 * and a .sig beside each manifest electron-builder wrote to dist/, made only after checking that
 * the manifest is one Ferry accepts and that every file it lists is there with its size and hash.
 */
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open, readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../files';
import { fileNameOf, parseManifest, publicKeyFrom, signatureMatches, signedMessage } from './manifest';

/** Base64 of the public key's SPKI, the form main/core/updates/update-key.ts holds. */
export function publicKeyText(key: KeyObject): string {
  return (key.type === 'public' ? key : createPublicKey(key)).export({ format: 'der', type: 'spki' }).toString('base64');
}

/**
 * Makes a key pair: the private key into `path` (PKCS#8 PEM, readable by its owner only,
 * encrypted when a passphrase is given; an existing file is never replaced). Returns the public key.
 */
export async function generateUpdateKey(path: string, passphrase?: string): Promise<string> {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const pem = privateKey.export(passphrase ? { format: 'pem', type: 'pkcs8', cipher: 'aes-256-cbc', passphrase } : { format: 'pem', type: 'pkcs8' });
  const fh = await open(path, 'wx', 0o600).catch((err: NodeJS.ErrnoException) => {
    throw new Error(err.code === 'EEXIST' ? `${path} already exists: it may be the key your users' copies trust. Choose another file, or delete it yourself if you mean to.` : `Cannot create ${path}: ${err.message}`);
  });
  try {
    await fh.writeFile(pem);
    await fh.sync();
  } finally {
    await fh.close();
  }
  return publicKeyText(publicKey);
}

export async function readPrivateKey(path: string, passphrase?: string): Promise<KeyObject> {
  const pem = await readFile(path, 'utf8').catch((err: NodeJS.ErrnoException) => {
    throw new Error(`Cannot read the private key ${path}: ${err.code === 'ENOENT' ? 'no such file' : err.message}`);
  });
  if (/-----BEGIN ENCRYPTED PRIVATE KEY-----/.test(pem) && !passphrase) throw new Error(`${path} is encrypted: set FERRY_UPDATE_KEY_PASSPHRASE to its passphrase`);
  let key: KeyObject;
  try {
    key = createPrivateKey(passphrase ? { key: pem, passphrase } : { key: pem });
  } catch (err) {
    const msg = (err as Error).message;
    throw new Error(passphrase && /ENCRYPTED/.test(pem) ? `${path} does not open with the passphrase in FERRY_UPDATE_KEY_PASSPHRASE` : `${path} is not a private key in PEM (${msg.split('\n')[0]})`, { cause: err });
  }
  if (key.asymmetricKeyType !== 'ed25519') throw new Error(`${path} is a ${key.asymmetricKeyType} key; the update feed is signed with Ed25519 (make one with keygen)`);
  return key;
}

export interface SignedManifest {
  manifest: string;
  version: string;
  files: string[];
}

/**
 * Signs every latest*.yml in `dir` (electron-builder's dist folder), writing `<name>.sig`.
 * Refuses, signing nothing, when a manifest is malformed, a file it lists is missing or differs,
 * or the key is not the one built into Ferry (`builtInKey`, so that what is signed is accepted).
 */
export async function signFeed(dir: string, key: KeyObject, builtInKey: string): Promise<SignedManifest[]> {
  const trusted = publicKeyFrom(builtInKey);
  if (typeof trusted === 'string') throw new Error(`${trusted}. Put the public key keygen printed there first, then build and sign.`);
  if (publicKeyText(key) !== publicKeyText(trusted))
    throw new Error('This private key is not the one whose public key is in main/core/updates/update-key.ts: copies of Ferry would refuse what it signs. Use the matching key file.');
  const names = (await readdir(dir).catch((err: NodeJS.ErrnoException) => {
    throw new Error(`Cannot read ${dir}: ${err.code === 'ENOENT' ? 'no such folder (build with npm run dist first)' : err.message}`);
  }))
    .filter((n) => /^latest(-[a-z0-9-]+)?\.yml$/.test(n))
    .sort();
  if (!names.length) throw new Error(`${dir} holds no latest*.yml: build with npm run dist (electron-builder writes them when electron-builder.yml has publish)`);

  const planned: { name: string; bytes: Buffer; version: string; files: string[] }[] = [];
  for (const name of names) {
    const bytes = await readFile(join(dir, name));
    const manifest = parseManifest(bytes.toString('utf8'), name);
    if (typeof manifest === 'string') throw new Error(`${manifest}. Nothing was signed.`);
    for (const f of manifest.files) {
      const file = fileNameOf(f.url);
      if (file.includes('/') || file.includes('\\') || file === '..' || !file) throw new Error(`${name} lists ${f.url}, which is not a file in the feed's folder. Nothing was signed.`);
      const path = join(dir, file);
      const size = await stat(path).then(
        (s) => s.size,
        () => undefined,
      );
      if (size === undefined) throw new Error(`${name} lists ${file}, which is not in ${dir}: upload the whole dist folder of one build. Nothing was signed.`);
      if (f.size !== undefined && f.size !== size) throw new Error(`${file} has ${size} bytes but ${name} says ${f.size}: it is from another build. Nothing was signed.`);
      if ((await sha512(path)) !== f.sha512) throw new Error(`${file} does not match the SHA-512 in ${name}: it is from another build. Nothing was signed.`);
    }
    planned.push({ name, bytes, version: manifest.version, files: manifest.files.map((f) => fileNameOf(f.url)) });
  }
  const out: SignedManifest[] = [];
  for (const p of planned) {
    const signature = sign(null, signedMessage(p.name, p.bytes), key);
    if (!signatureMatches(p.name, p.bytes, signature, trusted)) throw new Error(`The signature made for ${p.name} does not verify: nothing more was signed`);
    await writeFileAtomic(join(dir, `${p.name}.sig`), `${signature.toString('base64')}\n`, { makeFolder: false });
    out.push({ manifest: p.name, version: p.version, files: p.files });
  }
  return out;
}

async function sha512(path: string): Promise<string> {
  const hash = createHash('sha512');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('base64');
}
