import { join } from 'node:path';
import { z } from 'zod';
import { JsonLog } from '../jsonlog';

export const UploadRecordSchema = z.object({
  account: z.string(),
  bucket: z.string(),
  key: z.string(),
  size: z.number(),
  finishedAt: z.string(),
});
export type UploadRecord = z.infer<typeof UploadRecordSchema>;

/** Finished uploads (uploads.jsonl), newest first: the tray's "Recent uploads" and "Copy share link". */
export class UploadHistory extends JsonLog<typeof UploadRecordSchema> {
  constructor(dataDir: string) {
    super(join(dataDir, 'uploads.jsonl'), UploadRecordSchema);
  }
}
