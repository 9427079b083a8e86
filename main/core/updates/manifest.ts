/**
 * The update feed's files as electron-builder writes them (latest.yml, latest-mac.yml,
 * latest-linux.yml, latest-linux-arm64.yml, …) and the detached Ed25519 signature beside each
 * (latest-linux.yml.sig). electron-updater checks a download's sha512 against the manifest, but
 * whoever can write the bucket can rewrite the manifest too: the signature, made with a key that
 * never leaves the maintainer, is what makes a plain bucket safe as a feed.
 */
import { createPublicKey, verify, type KeyObject } from 'node:crypto';
import { JSON_SCHEMA, load } from 'js-yaml';
import { parseVersion } from './version';

export interface ManifestFile {
  /** As written in the manifest: usually a file name relative to the feed's URL. */
  url: string;
  /** SHA-512 of the file, base64 (as electron-builder writes it). */
  sha512: string;
  size?: number;
}

export interface UpdateManifest {
  version: string;
  files: ManifestFile[];
  releaseDate?: string;
  notes?: string;
}

/** What the signature covers: a label, the manifest's file name and its exact bytes. */
const SIGNATURE_LABEL = 'ferry-update-feed-v1';

export const MAX_MANIFEST_BYTES = 256 * 1024;
const MAX_FILES = 64;
const MAX_NOTES = 2000;

/**
 * The manifest electron-updater reads on this platform (its own naming: Windows has none, Linux
 * names the architecture unless x64), or undefined where Ferry does not update itself.
 */
export function channelFile(platform: NodeJS.Platform, arch: string): string | undefined {
  if (platform === 'win32') return 'latest.yml';
  if (platform === 'darwin') return 'latest-mac.yml';
  if (platform === 'linux') return arch === 'x64' ? 'latest-linux.yml' : `latest-linux-${arch}.yml`;
  return undefined;
}

/** What electron-updater installs from on each platform: the AppImage, the macOS zip, the NSIS installer. */
export function installerExtension(platform: NodeJS.Platform): string | undefined {
  return ({ linux: 'AppImage', darwin: 'zip', win32: 'exe' } as Partial<Record<NodeJS.Platform, string>>)[platform];
}

/**
 * The bytes that are signed. The file name is part of them, so a manifest signed for one
 * platform cannot be served in place of another's (an arm64 AppImage to an x64 machine).
 */
export function signedMessage(fileName: string, manifest: Uint8Array): Buffer {
  return Buffer.concat([Buffer.from(`${SIGNATURE_LABEL}\n${fileName}\n`, 'utf8'), manifest]);
}

/** The Ed25519 public key from its base64 SPKI form, or a message saying what is wrong with it. */
export function publicKeyFrom(text: string): KeyObject | string {
  if (!text.trim()) return 'This build of Ferry has no update key (main/core/updates/update-key.ts), so it installs no update';
  try {
    const key = createPublicKey({ key: Buffer.from(text.trim(), 'base64'), format: 'der', type: 'spki' });
    if (key.asymmetricKeyType === 'ed25519') return key;
  } catch {
    // Said below.
  }
  return 'The update key built into Ferry is not an Ed25519 public key in base64 (main/core/updates/update-key.ts)';
}

/** The signature file's contents as bytes: one base64 line of 64 bytes, else undefined. */
export function parseSignature(text: string): Buffer | undefined {
  const line = text.trim();
  if (!/^[A-Za-z0-9+/]{86}==$/.test(line)) return undefined;
  return Buffer.from(line, 'base64');
}

export function signatureMatches(fileName: string, manifest: Uint8Array, signature: Buffer, key: KeyObject): boolean {
  try {
    return verify(null, signedMessage(fileName, manifest), key, signature);
  } catch {
    return false;
  }
}

/**
 * The manifest's fields Ferry relies on, checked; a message naming the first thing wrong
 * otherwise. Duplicate keys, YAML tags and anything but plain data are refused.
 */
export function parseManifest(text: string, fileName: string): UpdateManifest | string {
  let doc: unknown;
  try {
    // JSON_SCHEMA: plain strings, numbers, booleans, lists and maps; `json: false` refuses duplicate keys.
    doc = load(text, { schema: JSON_SCHEMA, json: false, filename: fileName });
  } catch (err) {
    return `${fileName} is not valid YAML (${(err as Error).message.split('\n')[0]})`;
  }
  if (!isRecord(doc)) return `${fileName} is not an update manifest (no version and files)`;
  const { version, files, releaseDate, releaseNotes } = doc;
  if (typeof version !== 'string' || !parseVersion(version)) return `${fileName} has no valid version (semantic versioning, like 1.2.3): ${JSON.stringify(version)?.slice(0, 40)}`;
  if (!Array.isArray(files) || files.length === 0) return `${fileName} lists no files`;
  if (files.length > MAX_FILES) return `${fileName} lists ${files.length} files; an update lists a few`;
  const out: ManifestFile[] = [];
  for (const [i, f] of files.entries()) {
    if (!isRecord(f)) return `${fileName}: files[${i}] is not a file entry`;
    const { url, sha512, size } = f;
    // eslint-disable-next-line no-control-regex
    if (typeof url !== 'string' || !url || url.length > 1024 || /[\u0000-\u001f\u007f\\]/.test(url)) return `${fileName}: files[${i}] has no usable url`;
    if (typeof sha512 !== 'string' || !/^[A-Za-z0-9+/]{86}==$/.test(sha512)) return `${fileName}: files[${i}] (${url}) has no SHA-512 in base64`;
    if (size !== undefined && !(Number.isSafeInteger(size) && (size as number) > 0)) return `${fileName}: files[${i}] (${url}) has an impossible size`;
    out.push({ url, sha512, ...(size === undefined ? {} : { size: size as number }) });
  }
  if (releaseDate !== undefined && typeof releaseDate !== 'string') return `${fileName}: releaseDate is not text`;
  const notes = notesOf(releaseNotes);
  if (notes === null) return `${fileName}: releaseNotes is neither text nor a list of notes`;
  return { version, files: out, ...(releaseDate ? { releaseDate } : {}), ...(notes ? { notes } : {}) };
}

/** The decoded file name a manifest's url downloads to (electron-updater names its cached copy so). */
export function fileNameOf(url: string): string {
  try {
    const path = decodeURIComponent(new URL(url, 'https://feed.invalid/').pathname);
    return path.slice(path.lastIndexOf('/') + 1);
  } catch {
    return url.slice(url.lastIndexOf('/') + 1);
  }
}

function notesOf(v: unknown): string | undefined | null {
  if (v === undefined || v === null) return undefined;
  let text: string;
  if (typeof v === 'string') text = v;
  else if (Array.isArray(v) && v.every((n) => isRecord(n) && (n.note === null || typeof n.note === 'string'))) text = v.map((n) => (n as { note?: string }).note ?? '').join('\n');
  else return null;
  text = text.trim();
  return text.length > MAX_NOTES ? `${text.slice(0, MAX_NOTES)}…` : text || undefined;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
