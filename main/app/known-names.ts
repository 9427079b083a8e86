/**
 * What the window may name in a request main sends to a server: only buckets, folders, objects
 * and continuation tokens that main itself has seen a server list for that account (or has made
 * itself). Script in a compromised page could otherwise use main as its messenger: invent a
 * prefix or key to carry text out to a server of its choosing (main sends it; no CSP can stop
 * that), or point quick look at a made-up name on an internal web server. The window never needs
 * a name it was not shown: it lists a folder before it acts on what is in it.
 *
 * Main learns names from bucket listings, object listings and searches, its own uploads, new
 * folders and moves, the link and request histories, unfinished uploads it listed, and the
 * transfers it restores. New names a user types (a new folder, a rename, a move's destination, a
 * bucket to create) are new by nature and are checked as names only.
 */
import { FerryError } from '../core/errors';

interface BucketNames {
  keys: Set<string>;
  folders: Set<string>;
  uploads: Set<string>;
}

/** Folders (ending in "/") a key implies: "a/b/c.txt" is in "a/" and "a/b/". */
function ancestors(key: string): string[] {
  const out: string[] = [];
  for (let i = key.indexOf('/'); i !== -1 && i < key.length - 1; i = key.indexOf('/', i + 1)) out.push(key.slice(0, i + 1));
  return out;
}

const refuse = (what: string) =>
  new FerryError('FORBIDDEN', `${what} is not one this window has been shown. Refresh the folder and try again; Ferry acts only on names the server listed.`);

export class KnownNames {
  private readonly buckets = new Map<string, Set<string>>();
  private readonly names = new Map<string, BucketNames>();
  /** Continuation tokens main handed out, per listing, and every token that listing has used. */
  private readonly tokens = new Map<string, Set<string>>();

  private of(account: string, bucket: string): BucketNames {
    const id = `${account}\u0000${bucket}`;
    let n = this.names.get(id);
    if (!n) this.names.set(id, (n = { keys: new Set(), folders: new Set(), uploads: new Set() }));
    return n;
  }

  /** Forgets everything learned for an account (removed, or now talking to another server). */
  forgetAccount(account: string): void {
    this.buckets.delete(account);
    for (const id of [...this.names.keys()]) if (id.startsWith(`${account}\u0000`)) this.names.delete(id);
    for (const id of [...this.tokens.keys()]) if ((JSON.parse(id) as string[])[1] === account) this.tokens.delete(id);
  }

  learnBuckets(account: string, buckets: string[]): void {
    let set = this.buckets.get(account);
    if (!set) this.buckets.set(account, (set = new Set()));
    for (const b of buckets) set.add(b);
  }

  /** Keys (and the folders they are in); a key ending in "/" is a folder. */
  learnKeys(account: string, bucket: string, keys: Iterable<string>): void {
    this.learnBuckets(account, [bucket]);
    const n = this.of(account, bucket);
    for (const key of keys) {
      if (key.endsWith('/')) n.folders.add(key);
      else n.keys.add(key);
      for (const f of ancestors(key)) n.folders.add(f);
    }
  }

  learnUpload(account: string, bucket: string, key: string, uploadId: string): void {
    this.learnKeys(account, bucket, [key]);
    this.of(account, bucket).uploads.add(`${key}\u0000${uploadId}`);
  }

  bucket(account: string, bucket: string): void {
    if (!this.buckets.get(account)?.has(bucket)) throw refuse(`The bucket "${bucket}"`);
  }

  /** A folder to list, search, upload into or share: the top of the bucket, or one the server listed. */
  folder(account: string, bucket: string, prefix: string): void {
    this.bucket(account, bucket);
    if (prefix !== '' && !this.of(account, bucket).folders.has(prefix)) throw refuse('That folder');
  }

  /**
   * A folder to upload into: one the server listed, or a new one directly inside one (the
   * window's drop on a new name). A new name is the user's to choose, as with New folder.
   */
  newFolder(account: string, bucket: string, prefix: string): void {
    const parent = prefix.replace(/[^/]*\/$/, '');
    if (prefix !== '' && this.of(account, bucket).folders.has(prefix)) return this.bucket(account, bucket);
    this.folder(account, bucket, parent);
  }

  /** An object, or a folder (ending in "/"), to act on. */
  key(account: string, bucket: string, key: string): void {
    this.bucket(account, bucket);
    const n = this.of(account, bucket);
    if (!(key.endsWith('/') ? n.folders.has(key) : n.keys.has(key))) throw refuse('That object');
  }

  upload(account: string, bucket: string, key: string, uploadId: string): void {
    this.bucket(account, bucket);
    if (!this.of(account, bucket).uploads.has(`${key}\u0000${uploadId}`)) throw refuse('That unfinished upload');
  }

  /** A continuation token for the next page of a listing: only one main gave out for that listing. */
  token(listing: string, token: string | undefined): void {
    if (token !== undefined && !this.tokens.get(listing)?.has(token)) throw refuse('That page of the listing');
  }

  /**
   * Records the token for a listing's next page. A token the listing has had before means the
   * server is going round in circles: the listing stops there rather than load forever.
   */
  nextToken(listing: string, from: string | undefined, next: string | undefined, endpoint: string): void {
    if (from === undefined) this.tokens.delete(listing);
    if (next === undefined) return;
    let seen = this.tokens.get(listing);
    if (!seen) this.tokens.set(listing, (seen = new Set()));
    if (seen.has(next) || next === from) {
      throw new FerryError('S3_ERROR', `${endpoint} sent a page of this listing it had sent before (the same continuation token), so the listing stopped rather than run forever. Refresh to try again; if it keeps happening, the server is faulty.`);
    }
    seen.add(next);
  }
}
