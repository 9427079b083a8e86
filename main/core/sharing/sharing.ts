import { randomBytes } from 'node:crypto';
import type { Clock } from '../clock';
import { FerryError } from '../errors';
import { checkExpiry } from '../links/expiry';
import type { ShareLink } from '../links/presign';
import { objectsUnder } from '../s3/collect';
import { checkBucketReference, checkKey, PAGES_PREFIX } from '../s3/names';
import type { ObjectInfo, Storage } from '../s3/storage';
import { formatBytes } from '../transfers/plan';
import { KIND_REQUEST, MAX_META, sealedLength } from '../private/format';
import { renderIndexPage, renderRequestPage } from './pages';
import type { FileRequest } from './request-history';

/** Where Ferry keeps the pages it writes into a bucket, apart from anything a sender may upload. */
export { PAGES_PREFIX };
/** S3 refuses a browser (POST) upload over 5 GiB. */
export const MAX_POST_BYTES = 5 * 1024 ** 3;

export interface NewFileRequest {
  bucket: string;
  /** Where files land, before the request's own random suffix; default incoming/<name>/. */
  prefix?: string;
  /** What the sender sees as the title. */
  title: string;
  expiresIn: number;
  maxBytes: number;
  /** A type the files must have: "image/*", "image/", "application/pdf". */
  accept?: string;
  note?: string;
  /**
   * A private request: senders' browsers encrypt each file to this P-256 public key (the
   * account's; private/shares.ts keeps its private key in the keychain) before it is sent.
   */
  publicKey?: Buffer;
}

/** What a signer of links and policies needs from a connection. */
export interface SharingConnection {
  readonly storage: Storage;
  presign(req: { bucket: string; key: string; expiresIn: number; filename?: string; page?: boolean }): Promise<ShareLink>;
}

const slug = (text: string) => text.normalize('NFKD').replace(/[^\w.-]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 60).toLowerCase() || 'request';
const b64url = (text: string) => Buffer.from(text, 'utf8').toString('base64').replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');

/** "image/*" → "image/"; "application/pdf" stays; "" or "*" means any type. */
export function acceptPrefix(accept: string | undefined): string | undefined {
  const a = accept?.trim();
  if (!a || a === '*' || a === '*/*') return undefined;
  if (!/^[a-z0-9!#$&^_.+-]+\/(\*|[a-z0-9!#$&^_.+-]+)$/i.test(a)) {
    throw new FerryError('USAGE', `"${accept}" is not a file type. Give one like image/*, video/* or application/pdf.`);
  }
  return (a.endsWith('/*') ? a.slice(0, -1) : a).toLowerCase();
}

/**
 * Makes a file request: a POST policy that lets anyone with the link upload files of at most
 * maxBytes (of the accepted type) under the request's folder until it expires, and a page in the
 * bucket that uses it. The folder is new and has a random suffix (incoming/photos-3f9a2c1d/), so
 * no two requests share one and no sender can write where the owner already keeps files. The
 * policy and signature go in the link's fragment, which browsers never send to a server; where
 * the form posts is written into the page. Files are asked to be stored as attachments, and
 * whether the server keeps that is found out and said; Ferry's own links make every file that
 * could run as a page a download either way (links/served.ts).
 */
export async function createFileRequest(conn: SharingConnection, req: NewFileRequest, clock: Clock): Promise<{ url: string; request: Omit<FileRequest, 'account' | 'endpoint'> }> {
  checkExpiry(req.expiresIn);
  checkBucketReference(req.bucket);
  if (!Number.isSafeInteger(req.maxBytes) || req.maxBytes < 1) throw new FerryError('USAGE', 'The largest file size must be at least 1 byte.');
  // A private request's files arrive as ciphertext: a little longer than the file (format.ts).
  const postMax = req.publicKey ? sealedLength(KIND_REQUEST, 4 + MAX_META + req.maxBytes) : req.maxBytes;
  if (postMax > MAX_POST_BYTES) {
    throw new FerryError('USAGE', `A file request accepts files of at most 5 GiB${req.publicKey ? ' (a little less when private: the encrypted file is longer)' : ''}: S3 refuses larger browser uploads. ${formatBytes(req.maxBytes)} is more.`);
  }
  // The bucket must exist (a clear NO_SUCH_BUCKET now, not a failing link later).
  await conn.storage.listPage(req.bucket, PAGES_PREFIX, { pageSize: 1 });
  // Known from "Test connection", or found out now with one small POST (removed again).
  const known = conn.storage.profile.capabilities;
  let postWorks = known?.postPolicy;
  let keepsDisposition = known?.postKeepsDisposition;
  if (postWorks === undefined || (postWorks && keepsDisposition === undefined)) {
    const probe = `${PAGES_PREFIX}probe-${randomBytes(6).toString('hex')}`;
    const { probePostPolicy } = await import('../s3/capabilities');
    const found = await probePostPolicy({ client: await conn.storage.client.get(), profile: conn.storage.profile }, req.bucket, probe);
    postWorks = found.ok;
    keepsDisposition = found.keepsDisposition;
    if (postWorks) await conn.storage.delete(req.bucket, probe).catch(() => {});
  }
  if (!postWorks) {
    throw new FerryError('UNSUPPORTED', `${conn.storage.endpoint} does not accept browser uploads (POST with a signed policy), so a file request would fail for the sender. File requests need a server that does (AWS, MinIO, Ceph, R2…).`);
  }
  const title = req.title.trim() || 'Files';
  const asked = (req.prefix ?? `incoming/${slug(title)}/`).replace(/\/+$/, '');
  if (!asked || `${asked}/`.startsWith(PAGES_PREFIX) || asked.startsWith('/')) {
    throw new FerryError('USAGE', `Files of a request go into a folder of their own, not "${req.prefix ?? ''}". Give one like incoming/photos/.`);
  }
  const prefix = `${asked}-${randomBytes(4).toString('hex')}/`;
  checkKey(`${prefix}${'x'.repeat(300)}`);
  // A new folder: nothing of the owner's can be in it for a sender to replace.
  if ((await conn.storage.listPage(req.bucket, prefix, { recursive: true, pageSize: 1 })).objects.length) {
    throw new FerryError('OBJECTS_EXIST', `${req.bucket}/${prefix} already holds files; a request needs a new folder. Try again.`);
  }
  const accept = acceptPrefix(req.accept);
  const now = clock.now();
  const expiresAt = new Date(Math.floor(now / 1000) * 1000 + req.expiresIn * 1000).toISOString();
  const { createPresignedPost } = await import('@aws-sdk/s3-presigned-post');
  const post = await createPresignedPost(await conn.storage.client.get(), {
    Bucket: req.bucket,
    Key: `${prefix}\${filename}`,
    // A private request's objects are ciphertext, whatever the file's type: the page checks the type before it encrypts.
    Conditions: [['content-length-range', 0, postMax], ['starts-with', '$Content-Type', req.publicKey ? '' : (accept ?? '')]],
    Fields: { 'Content-Disposition': 'attachment', success_action_status: '201' },
    Expires: req.expiresIn,
  });
  const pageKey = `${PAGES_PREFIX}requests/${slug(title)}-${randomBytes(6).toString('hex')}.html`;
  const html = renderRequestPage({ postUrl: post.url, title, ...(req.note ? { note: req.note } : {}), prefix, maxBytes: req.maxBytes, ...(accept ? { accept } : {}), expiresAt, ...(req.publicKey ? { publicKey: req.publicKey.toString('base64url') } : {}) });
  await putPage(conn.storage, req.bucket, pageKey, html);
  const link = await conn.presign({ bucket: req.bucket, key: pageKey, expiresIn: req.expiresIn, page: true });
  const { key: _key, ...fields } = post.fields;
  return {
    url: `${link.url}#${b64url(JSON.stringify({ fields }))}`,
    request: {
      bucket: req.bucket,
      prefix,
      pageKey,
      title,
      ...(req.note ? { note: req.note } : {}),
      maxBytes: req.maxBytes,
      ...(accept ? { accept } : {}),
      createdAt: new Date(now).toISOString(),
      expiresAt: link.expiresAt,
      ...(keepsDisposition !== undefined ? { keepsDisposition } : {}),
      ...(req.publicKey ? { private: true } : {}),
    },
  };
}

async function putPage(storage: Storage, bucket: string, key: string, html: string): Promise<void> {
  const body = Buffer.from(html, 'utf8');
  await storage.put(bucket, key, body, { ContentType: 'text/html; charset=utf-8', CacheControl: 'no-store' });
}

export interface RequestStatus extends FileRequest {
  state: 'open' | 'expired' | 'ended';
  /** For a private request, each file's name as its sender gave it (decrypted), or why it cannot be opened. */
  received: Array<ObjectInfo & { name?: string; problem?: string }>;
}

/** A request as it stands: open, expired or ended (page deleted), with the files received. */
export async function requestStatus(storage: Storage, r: FileRequest, now: number): Promise<RequestStatus> {
  const received = await objectsUnder(storage, r.bucket, r.prefix);
  const pageThere = await storage.exists(r.bucket, r.pageKey);
  const state = !pageThere ? 'ended' : Date.parse(r.expiresAt) <= now ? 'expired' : 'open';
  return { ...r, state, received };
}

/** The files under a prefix that a one-link share offers: not folder markers, not Ferry's own pages. */
export async function shareableKeys(storage: Storage, bucket: string, prefix: string): Promise<string[]> {
  return (await objectsUnder(storage, bucket, prefix)).map((o) => o.key).filter((k) => !k.endsWith('/') && !k.startsWith(PAGES_PREFIX));
}

/**
 * One link for many files: each object is signed with the same lifetime (and its own download
 * name), a page listing them is written into the bucket, and the page is signed with that
 * lifetime too, so the page and every file's link stop working together.
 */
export async function shareMany(conn: SharingConnection, req: { bucket: string; keys: string[]; expiresIn: number; title?: string; prefix?: string }): Promise<ShareLink & { files: number; title: string }> {
  checkExpiry(req.expiresIn);
  checkBucketReference(req.bucket);
  // One object is one row of the page, however often it was named.
  const keys = [...new Set(req.keys)];
  // The page names each file as the recipient sees it: its path inside the folder shared (or
  // where the files given were put), not the sender's whole key.
  const prefix = req.prefix && keys.every((k) => k.startsWith(req.prefix!) && k.length > req.prefix!.length) ? req.prefix : '';
  if (!keys.length) throw new FerryError('FILE_NOT_FOUND', 'Nothing to share: no files were given, or the folder is empty.');
  // The page is signed first: every file's link, signed after it, lives at least as long.
  const pageKey = `${PAGES_PREFIX}shares/${randomBytes(8).toString('hex')}.html`;
  const first = await conn.presign({ bucket: req.bucket, key: pageKey, expiresIn: req.expiresIn, page: true });
  const files: Array<{ name: string; key: string; size: number; url: string }> = [];
  for (const key of keys) {
    const info = await conn.storage.head(req.bucket, key);
    const name = key.slice(key.lastIndexOf('/') + 1) || key;
    const link = await conn.presign({ bucket: req.bucket, key, expiresIn: req.expiresIn, filename: name });
    files.push({ name: key.slice(prefix.length), key, size: info.size, url: link.url });
  }
  const title = req.title ?? `${files.length} file${files.length === 1 ? '' : 's'} from ${req.bucket}`;
  await putPage(conn.storage, req.bucket, pageKey, renderIndexPage({ title, expiresAt: first.expiresAt, files }));
  return { ...first, files: files.length, title };
}
