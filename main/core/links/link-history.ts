import { join } from 'node:path';
import { JsonLog } from '../jsonlog';
import { num, obj, opt, str, type Infer } from '../shape';

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
});
/** What a one-link share's record says of it. */
export type ShareRecord = NonNullable<LinkRecord['share']>;
export type LinkRecord = Infer<typeof LinkRecordSchema>;

/** The persisted history of issued links (links.jsonl in the data directory). */
export class LinkHistory extends JsonLog<typeof LinkRecordSchema> {
  constructor(dataDir: string) {
    super(join(dataDir, 'links.jsonl'), LinkRecordSchema);
  }

  /** Records an issued link: what it points to and when it was signed, never its URL. */
  issued(account: string, endpoint: string, link: { bucket: string; key: string; createdAt: string; expiresAt: string }, req: { expiresIn: number; filename?: string; share?: ShareRecord }): Promise<void> {
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
    });
  }
}
