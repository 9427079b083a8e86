import { join } from 'node:path';
import { JsonLog } from '../jsonlog';
import { num, obj, str, type Infer } from '../shape';

export const UploadRecordSchema = obj({
  account: str(),
  bucket: str(),
  key: str(),
  size: num(),
  finishedAt: str(),
});
export type UploadRecord = Infer<typeof UploadRecordSchema>;

/** Finished uploads (uploads.jsonl), newest first: the tray's "Recent uploads" and "Copy share link". */
export class UploadHistory extends JsonLog<typeof UploadRecordSchema> {
  constructor(dataDir: string) {
    super(join(dataDir, 'uploads.jsonl'), UploadRecordSchema);
  }
}
