import { FerryError } from '../errors';
import { BUCKET_NAME_RULE } from './bucket-rule';

export interface S3Location {
  bucket: string;
  /** The object key or prefix; '' for the bucket itself. */
  key: string;
}

/**
 * Parses `s3://bucket[/key]` as the AWS CLI does. The key is taken verbatim (spaces, `+`, `%`,
 * `#`, `?` and unicode are part of it, not URL syntax).
 */
export function parseS3Url(raw: string, opts: { newBucket?: boolean } = {}): S3Location {
  const m = /^s3:\/\/([^/]*)(?:\/(.*))?$/s.exec(raw);
  if (!m) {
    throw new FerryError('BAD_S3_URL', `"${raw}" is not an S3 URL. Write it as s3://bucket/key, for example s3://demo-bucket/my-file.txt.`);
  }
  const bucket = m[1] ?? '';
  if (!bucket) {
    throw new FerryError('BAD_S3_URL', `"${raw}" has no bucket name. Write it as s3://bucket/key.`);
  }
  if (opts.newBucket) validateNewBucketName(bucket);
  else checkBucketReference(bucket);
  return { bucket, key: m[2] ?? '' };
}

/**
 * Loose check for naming an existing bucket: legacy buckets may break today's rules (upper case,
 * underscores), so only what can never be a bucket name is refused.
 */
export function checkBucketReference(bucket: string): void {
  if (bucket.length < 3 || bucket.length > 255 || !/^[A-Za-z0-9._-]+$/.test(bucket)) {
    throw new FerryError('BAD_BUCKET_NAME', `"${bucket}" cannot be a bucket name: bucket names are 3 to 63 characters of lower-case letters, digits, dots and hyphens.`);
  }
}

/**
 * Whether a bucket name can be the first label of a host name (virtual-hosted addressing):
 * otherwise it must go in the path, never into the host.
 */
export function isDnsCompatibleBucket(bucket: string): boolean {
  return /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(bucket) && !bucket.includes('..') && !/\.-|-\./.test(bucket) && !/^\d{1,3}(\.\d{1,3}){3}$/.test(bucket);
}

/** S3's limit on a key: 1,024 bytes of UTF-8. */
export const MAX_KEY_BYTES = 1024;

/** Refuses a key S3 cannot store (too long in bytes, or empty where an object is meant). */
/** The most names a listing is collected into memory for (a folder download, delete, move, a request's files). */
export const MAX_COLLECTED = 1_000_000;

/** Where Ferry keeps the pages it writes into a bucket (file requests, one-link shares). */
export const PAGES_PREFIX = '.ferry/';

/**
 * A name the user's own writes (uploads, moves, new folders) may take: not under Ferry's pages,
 * whose links serve them as web pages on the storage's origin, even after a request has ended.
 */
export function checkUserKey(key: string): void {
  checkKey(key);
  if (key.startsWith(PAGES_PREFIX)) {
    throw new FerryError('BAD_S3_URL', `${key} is inside ${PAGES_PREFIX}, where Ferry keeps the pages of file requests and shares; files cannot go there. Choose another name.`);
  }
}

export function checkKey(key: string): void {
  const bytes = Buffer.byteLength(key, 'utf8');
  if (bytes > MAX_KEY_BYTES) {
    // Named by its end (the file's own name), so that one file of a folder is found among many.
    const leaf = key.slice(key.lastIndexOf('/', key.length - 2) + 1);
    const shown = leaf.length > 80 ? `…${leaf.slice(-80)}` : leaf;
    throw new FerryError('BAD_S3_URL', `The object name ending "${shown}" is ${bytes} bytes long in UTF-8; S3 names can be at most ${MAX_KEY_BYTES} bytes. Use a shorter name or folder path.`);
  }
}

/**
 * The rules S3 applies to new bucket names (general purpose buckets). Returns the first broken
 * rule as a sentence a user can act on, or undefined when the name is valid.
 */
export function bucketNameProblem(name: string): string | undefined {
  if (name.length < 3 || name.length > 63) return `it is ${name.length} characters long; bucket names must be 3 to 63 characters`;
  if (/[A-Z]/.test(name)) return 'it contains upper-case letters; use lower case only';
  const bad = /[^a-z0-9.-]/.exec(name);
  if (bad) return `it contains "${bad[0]}"; only lower-case letters, digits, dots (.) and hyphens (-) are allowed`;
  if (!/^[a-z0-9]/.test(name) || !/[a-z0-9]$/.test(name)) return 'it must begin and end with a letter or digit';
  if (name.includes('..')) return 'it contains two dots in a row';
  if (/\.-|-\./.test(name)) return 'a dot may not stand next to a hyphen';
  if (/^\d{1,3}(\.\d{1,3}){3}$/.test(name)) return 'it is formatted like an IP address';
  for (const prefix of ['xn--', 'sthree-', 'amzn-s3-demo-']) {
    if (name.startsWith(prefix)) return `names starting with "${prefix}" are reserved`;
  }
  for (const suffix of ['-s3alias', '--ol-s3', '.mrap', '--x-s3', '--table-s3']) {
    if (name.endsWith(suffix)) return `names ending with "${suffix}" are reserved`;
  }
  return undefined;
}

export function validateNewBucketName(name: string): void {
  const problem = bucketNameProblem(name);
  if (problem) throw new FerryError('BAD_BUCKET_NAME', `"${name}" is not a valid bucket name: ${problem}. In short: ${BUCKET_NAME_RULE}.`);
}

export function formatS3Url(loc: S3Location): string {
  return `s3://${loc.bucket}/${loc.key}`;
}

/**
 * The destination's folder as a folder: "in" is "in/"; a path that would not be a folder S3 and
 * a file manager agree on ("/x/", "a//b/", "../up/", "./x/", Ferry's own pages folder) is refused
 * here, in words, rather than failing every share later.
 */
export function destinationFolder(prefix: string): string {
  const folder = prefix.endsWith('/') ? prefix : `${prefix}/`;
  const parts = folder.slice(0, -1).split('/');
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(folder) || parts.some((p) => p.trim() !== p)) {
    throw new FerryError('BAD_S3_URL', `"${prefix}" cannot be the destination folder: a folder name there begins or ends with a space, or holds a line break or another control character. Type the folder’s name again.`);
  }
  if (parts.some((p) => p === '' || p === '.' || p === '..')) {
    throw new FerryError('BAD_S3_URL', `"${prefix}" cannot be the destination folder: write it as folder names joined by "/", without an empty name, "." or "..", for example "shared/" or "photos/2026/".`);
  }
  checkUserKey(folder);
  return folder;
}
