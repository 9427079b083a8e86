import { join } from 'node:path';
import { JsonLog } from '../jsonlog';
import { bool, num, obj, opt, str, type Infer } from '../shape';

export const FileRequestSchema = obj({
  account: str(),
  endpoint: str(),
  bucket: str(),
  /** Where received files land; the policy allows keys under it and nowhere else. */
  prefix: str(),
  /** The request page's key (outside the prefix, so no sender can replace it). */
  pageKey: str(),
  title: str(),
  note: opt(str()),
  maxBytes: num({ int: true, positive: true }),
  accept: opt(str()),
  createdAt: str(),
  expiresAt: str(),
  /** Whether the server keeps the "download" marking (Content-Disposition) of files sent; unknown for older requests. */
  keepsDisposition: opt(bool()),
  /** A private request: what arrives is encrypted to the account's key (private/shares.ts). */
  private: opt(bool()),
});
export type FileRequest = Infer<typeof FileRequestSchema>;

/** File requests made from this computer (requests.jsonl): no URL, no policy, no signature. */
export class RequestHistory extends JsonLog<typeof FileRequestSchema> {
  constructor(dataDir: string) {
    super(join(dataDir, 'requests.jsonl'), FileRequestSchema);
  }
}
