import { join } from 'node:path';
import { JsonLog } from '../jsonlog';
import { arr, bool, num, obj, opt, str, type Infer } from '../shape';

/**
 * One issued link. The URL itself is not kept: it carries the access key ID and is a bearer
 * token for the object. A presigned URL is a pure function of the keys, the request and its
 * signing time, so the same link can be signed again from createdAt and expiresIn.
 */
export const LinkRecordSchema = obj({
  account: str(),
  endpoint: str(),
  bucket: str(),
  key: str(),
  createdAt: str(),
  expiresAt: str(),
  filename: opt(str()),
  /** The lifetime asked for. With createdAt (the signing time) it makes the same link again. */
  expiresIn: opt(num({ int: true })),
  /**
   * A one-link share: `key` is the page Ferry wrote (under .ferry/shares/) listing the files of
   * `prefix` (or the files given), each signed with the page's lifetime.
   */
  share: opt(obj({ prefix: str(), title: str(), files: num({ int: true, nonnegative: true }) })),
  /**
   * A private link (private/shares.ts): `key` is its decrypt page (under .ferry/private/),
   * `objects` the ciphertext of its files. Its key is in the keychain, never here.
   */
  private: opt(obj({ id: str({ regex: /^[0-9a-f]{16}$/ }), objects: arr(str()), files: num({ int: true, nonnegative: true }), title: str(), passphrase: bool() })),
  /** When a private link was ended (its objects deleted): a later record of the same link. */
  ended: opt(str()),
});
export type PrivateRecord = NonNullable<LinkRecord['private']>;
/** What a one-link share's record says of it. */
export type ShareRecord = NonNullable<LinkRecord['share']>;
export type LinkRecord = Infer<typeof LinkRecordSchema>;

/** The persisted history of issued links (links.jsonl in the data directory). */
export class LinkHistory extends JsonLog<typeof LinkRecordSchema> {
  constructor(dataDir: string) {
    super(join(dataDir, 'links.jsonl'), LinkRecordSchema);
  }

  /** Records an issued link: what it points to and when it was signed, never its URL. */
  issued(account: string, endpoint: string, link: { bucket: string; key: string; createdAt: string; expiresAt: string }, req: { expiresIn: number; filename?: string; share?: ShareRecord; private?: PrivateRecord }): Promise<void> {
    return this.add({
      account,
      endpoint,
      bucket: link.bucket,
      key: link.key,
      createdAt: link.createdAt,
      expiresAt: link.expiresAt,
      ...(req.filename ? { filename: req.filename } : {}),
      expiresIn: req.expiresIn,
      ...(req.share ? { share: req.share } : {}),
      ...(req.private ? { private: req.private } : {}),
    });
  }

  /**
   * The links issued, newest first, each once: a private link that was ended shows as ended
   * (its later record), not also as it was made.
   */
  async current(limit = 200): Promise<LinkRecord[]> {
    const out: LinkRecord[] = [];
    const seen = new Set<string>();
    for await (const r of this.newestFirst()) {
      if (r.private) {
        if (seen.has(r.private.id)) continue;
        seen.add(r.private.id);
      }
      out.push(r);
      if (out.length >= limit) break;
    }
    return out;
  }

  /** A private link by its ID (the latest record of it), or undefined. */
  async privateLink(id: string): Promise<LinkRecord | undefined> {
    for await (const r of this.newestFirst()) if (r.private?.id === id) return r;
    return undefined;
  }
}
