import { join } from 'node:path';
import { z } from 'zod';
import { JsonLog } from '../jsonlog';

export const FileRequestSchema = z.object({
  account: z.string(),
  endpoint: z.string(),
  bucket: z.string(),
  /** Where received files land; the policy allows keys under it and nowhere else. */
  prefix: z.string(),
  /** The request page's key (outside the prefix, so no sender can replace it). */
  pageKey: z.string(),
  title: z.string(),
  note: z.string().optional(),
  maxBytes: z.number().int().positive(),
  accept: z.string().optional(),
  createdAt: z.string(),
  expiresAt: z.string(),
  /** Whether the server keeps the "download" marking (Content-Disposition) of files sent; unknown for older requests. */
  keepsDisposition: z.boolean().optional(),
});
export type FileRequest = z.infer<typeof FileRequestSchema>;

/** File requests made from this computer (requests.jsonl): no URL, no policy, no signature. */
export class RequestHistory extends JsonLog<typeof FileRequestSchema> {
  constructor(dataDir: string) {
    super(join(dataDir, 'requests.jsonl'), FileRequestSchema);
  }
}
