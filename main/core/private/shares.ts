/**
 * Private links and private file requests (issue 22). A private share encrypts each file on the
 * desktop under a new random key (format.ts), uploads the ciphertext through the normal engine
 * under a random name, and writes a decrypt page beside it; the link is the page's signed link
 * with the key and the ciphertext's signed links after '#'. Each share has its own objects, so
 * ending it (deleting them) ends that link alone. The key is kept in the keychain, so the same
 * link can be copied again, and forgotten when the link ends; no file holds it.
 *
 * A private request holds the account's P-256 public key; senders' browsers encrypt to it, and
 * the private key, in the keychain, opens what arrives.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, readdir, rm, stat } from 'node:fs/promises';
import { holds, myIdentity } from '../lock';
import { basename, join } from 'node:path';
import type { Clock } from '../clock';
import { FerryError, isFerryError } from '../errors';
import { checkExpiry } from '../links/expiry';
import type { LinkHistory, LinkRecord, PrivateRecord } from '../links/link-history';
import type { ShareLink } from '../links/presign';
import { checkBucketReference, formatS3Url, PAGES_PREFIX } from '../s3/names';
import type { Storage } from '../s3/storage';
import type { SecretStore } from '../secrets/secrets';
import { b64url, KIND_SHARE, makeHeader, newRequestKeyPair, recipientKey, SALT, shareKey, unwrapKey, wrapKey, type FileMeta, type Wrapped } from './format';
import { MIN_PASSPHRASE, PASSPHRASE_RULE } from './limits';
import { renderPrivatePage } from './pages';
import { META_BYTES, metaOf, openFile, sealFile } from './seal';

export interface PrivateConnection {
  readonly storage: Storage;
  readonly profile: { name: string };
  presign(req: { bucket: string; key: string; expiresIn: number; page?: boolean }): Promise<ShareLink>;
  presignAgain(record: Pick<LinkRecord, 'bucket' | 'key' | 'createdAt' | 'expiresAt' | 'expiresIn' | 'private'>): Promise<ShareLink>;
}

export interface NewPrivateShare {
  files: string[];
  bucket: string;
  /** Where the ciphertext objects go (each under a random name); the page goes under .ferry/private/. */
  prefix: string;
  expiresIn: number;
  /** Wraps the key: the link alone does not open the files. */
  passphrase?: string;
  /** Shown on the page, and so readable by the provider: the default says nothing of the files. */
  title?: string;
  /** The name each file is given (encrypted with it); default: the file's own name. */
  names?: string[];
}

export interface PrivateShare extends ShareLink {
  id: string;
  files: number;
  title: string;
  passphrase: boolean;
  /** False when the keychain could not keep the key: the link works, but cannot be copied again. */
  kept: boolean;
}

/** Uploads one sealed file to a key (through the normal engine: resume, checks, progress). */
export type SealedUpload = (file: string, key: string, index: number) => Promise<void>;

const SECRET = (id: string) => `private-link/${id}`;
const REQUEST_SECRET = (account: string) => `request-key/${account}`;

export { MIN_PASSPHRASE };

export class PrivateShares {
  constructor(private readonly deps: { secrets: SecretStore; links: LinkHistory; clock: Clock; dataDir: string }) {}

  private ownDir?: Promise<string>;

  /**
   * This process's working folder for sealed files and downloaded originals (private-tmp/<pid>-
   * <identity>). Made once per process; on the way, the folders of Ferry processes that are gone
   * (killed mid-share, crashed) are removed with what they held, so no ciphertext or plaintext
   * copy outlives its process for long. A folder of a live process is never touched.
   */
  private tempDir(): Promise<string> {
    return (this.ownDir ??= (async () => {
      const root = join(this.deps.dataDir, 'private-tmp');
      await mkdir(root, { recursive: true, mode: 0o700 });
      for (const name of await readdir(root).catch(() => [] as string[])) {
        const m = /^(\d+)-([0-9a-f]*)$/.exec(name);
        const gone = !m || (Number(m[1]) !== process.pid && !holds(Number(m[1]), m[2] ? Buffer.from(m[2], 'hex').toString() : undefined));
        if (gone) await rm(join(root, name), { recursive: true, force: true }).catch(() => {});
      }
      const dir = join(root, `${process.pid}-${Buffer.from(myIdentity() ?? '').toString('hex')}`);
      await mkdir(dir, { recursive: true, mode: 0o700 });
      return dir;
    })().catch((err: unknown) => {
      this.ownDir = undefined;
      throw err;
    }));
  }

  /** A new file name in Ferry's private working folder (the caller removes the file). */
  async tempFile(what: string): Promise<string> {
    return join(await this.tempDir(), `${what}-${randomBytes(8).toString('hex')}`);
  }

  /** Encrypts, uploads and links the files; records the link (without its key) in the history. */
  async share(conn: PrivateConnection, req: NewPrivateShare, upload: SealedUpload): Promise<PrivateShare> {
    checkExpiry(req.expiresIn);
    checkBucketReference(req.bucket);
    if (!req.files.length) throw new FerryError('USAGE', 'Give the files to share privately.');
    if (req.passphrase !== undefined && [...req.passphrase].length < MIN_PASSPHRASE) {
      throw new FerryError('USAGE', PASSPHRASE_RULE);
    }
    for (const f of req.files) {
      const s = await stat(f).catch(() => undefined);
      if (!s) throw new FerryError('FILE_NOT_FOUND', `${f} does not exist.`);
      if (!s.isFile()) throw new FerryError('NOT_A_FILE', `${f} is not a file; share files (a folder's files can be given one by one).`);
    }
    const prefix = req.prefix && !req.prefix.endsWith('/') ? `${req.prefix}/` : req.prefix;
    const id = randomBytes(8).toString('hex');
    const key = randomBytes(32);
    const tmp = await this.tempDir();
    const objects: string[] = [];
    // Each object's salt goes into the link too: the page checks every object is the one made for
    // its place in this link (one of the link's own objects copied over another is refused).
    const salts: string[] = [];
    try {
      for (const [i, file] of req.files.entries()) {
        const salt = randomBytes(SALT);
        salts.push(b64url(salt));
        const header = makeHeader(KIND_SHARE, salt);
        const sealed = join(tmp, `${id}-${i}.sealed`);
        try {
          await sealFile(file, sealed, header, shareKey(key, salt), { name: req.names?.[i] ?? basename(file), type: 'application/octet-stream' });
          const objectKey = `${prefix}${randomBytes(12).toString('hex')}.enc`;
          objects.push(objectKey);
          await upload(sealed, objectKey, i);
        } finally {
          await rm(sealed, { force: true });
        }
      }
      const title = req.title?.trim() || (req.files.length === 1 ? 'A private file' : `${req.files.length} private files`);
      const pageKey = `${PAGES_PREFIX}private/${id}.html`;
      // The page first: every object's link, signed after it, lives at least as long.
      const page = await conn.presign({ bucket: req.bucket, key: pageKey, expiresIn: req.expiresIn, page: true });
      const links = [];
      for (const o of objects) links.push((await conn.presign({ bucket: req.bucket, key: o, expiresIn: req.expiresIn })).url);
      const origin = new URL(page.url).origin;
      const html = renderPrivatePage({ title, expiresAt: page.expiresAt, objects: links.map((u) => new URL(u).pathname), passphrase: req.passphrase !== undefined }, origin);
      await conn.storage.put(req.bucket, pageKey, Buffer.from(html, 'utf8'), { ContentType: 'text/html; charset=utf-8', CacheControl: 'no-store' });
      const secret: Secret = { ...(req.passphrase !== undefined ? { w: await wrapKey(key, req.passphrase) } : { k: b64url(key) }), s: salts };
      const kept = await this.deps.secrets.setSecret(SECRET(id), JSON.stringify(secret)).then(
        () => true,
        () => false,
      );
      const record: PrivateRecord = { id, objects, files: objects.length, title, passphrase: req.passphrase !== undefined };
      await this.deps.links.issued(conn.profile.name, conn.storage.endpoint, page, { expiresIn: req.expiresIn, private: record });
      return { ...page, url: linkUrl(page.url, secret, links), id, files: objects.length, title, passphrase: record.passphrase, kept };
    } catch (err) {
      // Nothing of a share that failed stays in the bucket.
      for (const o of objects) await conn.storage.delete(req.bucket, o).catch(() => {});
      throw err;
    }
  }

  /**
   * A private link to objects already in the bucket (the window's share inspector): each is
   * downloaded by the normal engine into Ferry's working folder, then shared as a file would be.
   * The original stays as it is; its plaintext is on the server already.
   */
  async shareObjects(
    conn: PrivateConnection & { download(req: { bucket: string; key: string; file: string; replace: true; signal?: AbortSignal }): Promise<unknown> },
    req: Omit<NewPrivateShare, 'files' | 'names'> & { keys: string[]; signal?: AbortSignal },
    upload: SealedUpload,
  ): Promise<PrivateShare> {
    const files: string[] = [];
    try {
      for (const key of req.keys) {
        const file = await this.tempFile('source');
        files.push(file);
        await conn.download({ bucket: req.bucket, key, file, replace: true, ...(req.signal ? { signal: req.signal } : {}) });
      }
      const { keys: _k, signal: _s, ...rest } = req;
      return await this.share(conn, { ...rest, files, names: req.keys.map((k) => k.slice(k.lastIndexOf('/') + 1) || k) }, upload);
    } finally {
      for (const f of files) await rm(f, { force: true });
    }
  }

  /** The same link again (its key from the keychain, its links signed again as when made). */
  async copyAgain(conn: PrivateConnection, record: LinkRecord): Promise<string> {
    const p = record.private;
    if (!p) throw new FerryError('USAGE', 'That link is not a private link.');
    if (record.ended) throw new FerryError('EXPIRY_OUT_OF_RANGE', `That private link was ended at ${record.ended}; make a new one.`);
    const raw = await this.deps.secrets.getSecret(SECRET(p.id));
    if (!raw) throw new FerryError('NO_CREDENTIALS', 'The key of that private link is not in the keychain any more (it was made on another computer, or the keychain was reset), so it cannot be copied again. Make a new private link.');
    const secret = JSON.parse(raw) as Secret;
    const page = await conn.presignAgain(record);
    const links = [];
    for (const o of p.objects) links.push((await conn.presignAgain({ ...record, key: o })).url);
    return linkUrl(page.url, secret, links);
  }

  /**
   * Ends a private link now: its ciphertext and page are deleted (the link stops working at once,
   * other links are untouched), its key forgotten, and the history says it was ended.
   */
  async end(conn: PrivateConnection, record: LinkRecord): Promise<void> {
    const p = record.private;
    if (!p) throw new FerryError('USAGE', `${formatS3Url(record)} is an ordinary link: it cannot be ended early (delete the object, or replace the keys). Only private links can.`);
    for (const key of [...p.objects, record.key]) {
      // An object already gone (ended before, deleted by hand) is what ending wants.
      await conn.storage.delete(record.bucket, key).catch((err: unknown) => {
        if (!isFerryError(err, 'NO_SUCH_KEY')) throw err;
      });
      // Believed only when seen: a server that says "deleted" and still serves it has not ended the link.
      if (await conn.storage.exists(record.bucket, key)) {
        throw new FerryError('S3_ERROR', `${conn.storage.endpoint} said ${formatS3Url({ bucket: record.bucket, key })} was deleted, but still has it: the link was not ended. Try again, or delete it in the provider's console.`);
      }
    }
    await this.deps.links.add({ ...record, ended: new Date(this.deps.clock.now()).toISOString() });
    const forgot = await this.deps.secrets.deleteSecret(SECRET(p.id)).then(
      () => true,
      () => false,
    );
    if (!forgot) throw new FerryError('KEYCHAIN_UNAVAILABLE', `The link is ended (its files and page are deleted), but its key could not be removed from the keychain ("Ferry keys", ${SECRET(p.id)}): remove it there once the keychain is back.`);
  }

  /** The account's public key for private requests, made (and its private key kept in the keychain) on first use. */
  async requestPublicKey(account: string): Promise<Buffer> {
    const have = await this.deps.secrets.getSecret(REQUEST_SECRET(account));
    if (have) return publicOf(have);
    const pair = newRequestKeyPair();
    const value = JSON.stringify({ d: b64url(pair.privateKey), x: b64url(pair.publicKey) });
    await this.deps.secrets.setSecret(REQUEST_SECRET(account), value);
    return pair.publicKey;
  }

  private async requestPrivateKey(account: string): Promise<Buffer> {
    const have = await this.deps.secrets.getSecret(REQUEST_SECRET(account));
    if (!have) throw new FerryError('NO_CREDENTIALS', `The key that opens private requests of account "${account}" is not in this computer's keychain, so files sent to them cannot be opened here.`);
    return Buffer.from((JSON.parse(have) as { d: string }).d, 'base64url');
  }

  /** The name, type and size of a file received through a private request (read from its first bytes). */
  async receivedMeta(conn: PrivateConnection, account: string, bucket: string, key: string, size: number): Promise<FileMeta> {
    const d = await this.requestPrivateKey(account);
    const start = await conn.storage.getBytes(bucket, key, Math.min(size, META_BYTES));
    return metaOf(start, size, (h) => recipientKey(d, h));
  }

  /**
   * Opens a downloaded private request object (`sealed`, fetched by the normal engine) into the
   * folder `dir`, under the name its sender gave (made safe), never over a file already there.
   */
  async openReceived(account: string, sealed: string, dir: string): Promise<{ file: string; meta: FileMeta }> {
    const d = await this.requestPrivateKey(account);
    const { readHeader } = await import('./seal');
    const h = await readHeader(sealed);
    const key = recipientKey(d, h);
    // Opened in this process's working folder, never in DIR: a run killed mid-way leaves no
    // unauthenticated plaintext there (the working folder of a dead process is swept).
    const opened = await this.tempFile('opened');
    try {
      const meta = await openFile(sealed, opened, () => key, { replace: true });
      // Never over a file already there: "name (1).ext" and on, as downloads are named (partial.ts).
      const target = join(dir, safeFileName(meta.name));
      const { giveName } = await import('../transfers/partial');
      const file = await giveName({ path: opened, shown: opened }, { path: target, shown: target }, false);
      return { file, meta };
    } finally {
      await rm(opened, { force: true });
    }
  }

}

type Secret = ({ k: string } | { w: Wrapped }) & { s: string[] };

function linkUrl(pageUrl: string, secret: Secret, links: string[]): string {
  return `${pageUrl}#${Buffer.from(JSON.stringify({ v: 1, ...secret, f: links }), 'utf8').toString('base64url')}`;
}

function publicOf(stored: string): Buffer {
  return Buffer.from((JSON.parse(stored) as { x: string }).x, 'base64url');
}

/** A sender's file name as a name in one folder: no separators, control or direction characters, no leading dots. */
export function safeFileName(name: string): string {
  // eslint-disable-next-line no-control-regex
  const n = name.replace(/[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069/\\:*?"<>|]/g, '_').replace(/^[.\s]+|[.\s]+$/g, '');
  let out = n || 'file';
  while (Buffer.byteLength(out, 'utf8') > 200) out = out.slice(0, -1);
  return out;
}

export { unwrapKey };
