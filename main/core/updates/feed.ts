/**
 * Whether the update feed offers this copy of Ferry a newer version, decided before anything is
 * downloaded: the platform's manifest and its signature are fetched (with a deadline and a size
 * cap), the signature checked against the key built into Ferry, the manifest parsed and its
 * version compared. Plain Node: the app passes Electron's fetch (which follows the system's
 * proxy settings), the tests and the maintainer's tool Node's own.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { basename } from 'node:path';
import { channelFile, fileNameOf, installerExtension, MAX_MANIFEST_BYTES, parseManifest, parseSignature, publicKeyFrom, signatureMatches, type UpdateManifest } from './manifest';
import { compareVersions, parseVersion } from './version';

export type UpdateDecision =
  | { kind: 'up-to-date'; latest: string }
  | { kind: 'newer'; version: string; notes?: string; manifest: UpdateManifest; channel: string }
  /** The feed could not be reached or did not answer in time: nothing to say, look again later. */
  | { kind: 'offline'; reason: string }
  /** The feed answered something Ferry will not install from; `reason` says what and what to do. */
  | { kind: 'refused'; reason: string };

export type FetchLike = (url: string, init: { signal: AbortSignal; redirect: 'follow'; headers: Record<string, string> }) => Promise<Response>;

export interface FeedCheck {
  /** The folder holding the feed (electron-builder.yml's publish url). */
  feedUrl: string;
  currentVersion: string;
  platform: NodeJS.Platform;
  arch: string;
  /** Base64 SPKI of the Ed25519 key the feed must be signed with. */
  publicKey: string;
  fetch?: FetchLike;
  /** For the whole check, both files; 20 s unless given. */
  timeoutMs?: number;
}

const MAX_SIGNATURE_BYTES = 1024;

export async function checkFeed(check: FeedCheck): Promise<UpdateDecision> {
  const base = feedBase(check.feedUrl);
  if (typeof base === 'string') return { kind: 'refused', reason: base };
  const channel = channelFile(check.platform, check.arch);
  const extension = installerExtension(check.platform);
  if (!channel || !extension) return { kind: 'refused', reason: `Ferry does not update itself on ${check.platform}` };
  const key = publicKeyFrom(check.publicKey);
  if (typeof key === 'string') return { kind: 'refused', reason: key };
  const current = parseVersion(check.currentVersion);
  if (!current) return { kind: 'refused', reason: `This copy of Ferry has no semantic version (${check.currentVersion}), so no update can be compared with it` };

  const timeoutMs = check.timeoutMs ?? 20_000;
  const signal = AbortSignal.timeout(timeoutMs);
  const get = (name: string, max: number) => fetchCapped(check.fetch ?? fetch, new URL(name, base).href, name, max, signal, timeoutMs);
  const [manifestAnswer, signatureAnswer] = await Promise.all([get(channel, MAX_MANIFEST_BYTES), get(`${channel}.sig`, MAX_SIGNATURE_BYTES)]);
  if (manifestAnswer.kind === 'missing')
    return { kind: 'refused', reason: `The update feed has no ${channel} (HTTP ${manifestAnswer.status}): check the publish url in electron-builder.yml and that the feed's files are public` };
  if (manifestAnswer.kind !== 'ok') return manifestAnswer;
  if (signatureAnswer.kind === 'offline') return signatureAnswer;
  if (signatureAnswer.kind === 'missing') return { kind: 'refused', reason: `The update feed has no signature for ${channel} (${channel}.sig): its publisher signs the feed with build/sign-update-feed.mjs (docs/updates.md). Nothing was downloaded` };
  if (signatureAnswer.kind === 'refused') return signatureAnswer;
  const manifestBytes = manifestAnswer.bytes;
  const signature = parseSignature(signatureAnswer.bytes.toString('utf8'));
  if (!signature) return { kind: 'refused', reason: `The update feed's ${channel}.sig is not an Ed25519 signature in base64. Nothing was downloaded` };
  if (!signatureMatches(channel, manifestBytes, signature, key))
    return { kind: 'refused', reason: `The update feed's ${channel} does not match its signature under the key built into Ferry: it was changed after it was signed, or signed with another key. Nothing was downloaded` };

  const manifest = parseManifest(manifestBytes.toString('utf8'), channel);
  if (typeof manifest === 'string') return { kind: 'refused', reason: manifest };
  if (!manifest.files.some((f) => fileNameOf(f.url).toLowerCase().endsWith(`.${extension.toLowerCase()}`)))
    return { kind: 'refused', reason: `The update feed's ${channel} lists no .${extension} file, which is what Ferry updates from on ${check.platform}` };
  const latest = parseVersion(manifest.version)!;
  if (compareVersions(latest, current) <= 0) return { kind: 'up-to-date', latest: manifest.version };
  return { kind: 'newer', version: manifest.version, ...(manifest.notes ? { notes: manifest.notes } : {}), manifest, channel };
}

/**
 * Whether a downloaded file is one the signed manifest lists, byte for byte: same name, same
 * size (when the manifest gives one) and same SHA-512. Undefined when it is; else why not.
 */
export async function verifyDownload(path: string, manifest: UpdateManifest): Promise<string | undefined> {
  const name = basename(path);
  const entry = manifest.files.find((f) => fileNameOf(f.url) === name || basename(f.url) === name);
  if (!entry) return `The downloaded ${name} is not a file the signed update manifest lists`;
  let size: number;
  try {
    size = (await stat(path)).size;
  } catch (err) {
    return `The downloaded update ${name} cannot be read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`;
  }
  if (entry.size !== undefined && size !== entry.size) return `The downloaded ${name} has ${size} bytes where the signed manifest says ${entry.size}: it was not installed`;
  const hash = createHash('sha512');
  try {
    for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  } catch (err) {
    return `The downloaded update ${name} cannot be read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`;
  }
  if (hash.digest('base64') !== entry.sha512) return `The downloaded ${name} does not match the SHA-512 in the signed manifest: it was not installed`;
  return undefined;
}

/**
 * Whether what electron-updater read from the feed (it fetches the manifest again itself) is
 * the release whose signature was checked: same version, same files with the same hashes.
 */
export function sameRelease(info: { version: string; files?: readonly { url: string; sha512: string }[] }, manifest: UpdateManifest): boolean {
  if (info.version !== manifest.version || !info.files || info.files.length !== manifest.files.length) return false;
  const signed = new Set(manifest.files.map((f) => `${f.url}\n${f.sha512}`));
  return info.files.every((f) => signed.has(`${f.url}\n${f.sha512}`));
}

/** The feed folder's URL (with a trailing slash), or why Ferry will not use it. */
export function feedBase(feedUrl: string): URL | string {
  let url: URL;
  try {
    url = new URL(feedUrl);
  } catch {
    return `The update feed's URL is not a URL: ${feedUrl.slice(0, 200)}`;
  }
  if (!secureScheme(url)) return `The update feed must be an https:// URL, not ${url.protocol}//${url.host}`;
  if (url.username || url.password) return 'The update feed URL must not carry a user name or password';
  if (url.search || url.hash) return 'The update feed URL is a folder: it takes no ?query or #fragment';
  if (!url.pathname.endsWith('/')) url.pathname += '/';
  return url;
}

/** HTTPS, or plain HTTP to this machine only (a feed served by a test or the maintainer's own check). */
function secureScheme(url: URL): boolean {
  const host = url.hostname;
  return url.protocol === 'https:' || (url.protocol === 'http:' && (host === 'localhost' || host === '[::1]' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host)));
}

type Answer = { kind: 'ok'; bytes: Buffer } | { kind: 'missing'; status: number } | { kind: 'offline'; reason: string } | { kind: 'refused'; reason: string };

async function fetchCapped(fetcher: FetchLike, url: string, name: string, max: number, signal: AbortSignal, timeoutMs: number): Promise<Answer> {
  const offline = (err: unknown): Answer => ({ kind: 'offline', reason: signal.aborted ? `The update feed did not answer within ${Math.round(timeoutMs / 1000)} s` : `The update feed cannot be reached (${networkWords(err)})` });
  let res: Response;
  try {
    res = await fetcher(url, { signal, redirect: 'follow', headers: { accept: 'text/yaml, text/plain, */*', 'cache-control': 'no-cache' } });
  } catch (err) {
    return offline(err);
  }
  const drop = () => void res.body?.cancel().catch(() => {});
  const final = res.url ? URL.parse(res.url) : undefined;
  if (final && !secureScheme(final)) {
    drop();
    return { kind: 'refused', reason: `The update feed sent ${name} on to ${final.protocol}//${final.host}, which is not HTTPS` };
  }
  if (res.status === 404 || res.status === 403) {
    drop();
    // S3 answers 403 for a missing object when listing is not allowed.
    return { kind: 'missing', status: res.status };
  }
  if (res.status >= 500 || res.status === 429 || res.status === 408) {
    drop();
    return { kind: 'offline', reason: `The update feed answered HTTP ${res.status}; Ferry looks again later` };
  }
  if (res.status !== 200) {
    drop();
    return { kind: 'refused', reason: `The update feed answered HTTP ${res.status} for ${name}` };
  }
  const type = res.headers.get('content-type') ?? '';
  if (/html/i.test(type)) {
    drop();
    return { kind: 'refused', reason: `The update feed answered a web page for ${name}, not the file: check the publish url in electron-builder.yml` };
  }
  const length = Number(res.headers.get('content-length') ?? NaN);
  if (length > max) {
    drop();
    return tooLarge(name, max);
  }
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    if (!res.body) return { kind: 'ok', bytes: Buffer.alloc(0) };
    const reader = res.body.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.byteLength;
      if (size > max) {
        void reader.cancel().catch(() => {});
        return tooLarge(name, max);
      }
      chunks.push(Buffer.from(value));
    }
  } catch (err) {
    return offline(err);
  }
  const bytes = Buffer.concat(chunks);
  if (/^\s*</.test(bytes.subarray(0, 64).toString('latin1'))) return { kind: 'refused', reason: `The update feed answered a web page for ${name}, not the file: check the publish url in electron-builder.yml` };
  return { kind: 'ok', bytes };
}

function tooLarge(name: string, max: number): Answer {
  return { kind: 'refused', reason: `The update feed's ${name} is larger than ${Math.round(max / 1024)} KiB, so it is not what electron-builder writes` };
}

/** A network failure in a few words: Node's fetch hides the cause's code one level down. */
function networkWords(err: unknown): string {
  const cause = (err as { cause?: { code?: string; message?: string } })?.cause;
  return cause?.code ?? cause?.message ?? (err as Error)?.message ?? String(err);
}
