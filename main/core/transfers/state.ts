import { createHash } from 'node:crypto';
import { readdir, readFile, rm } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { z } from 'zod';
import { systemCode } from '../errors';
import { writeFileAtomic } from '../files';

/** A multipart upload in progress, as persisted so it survives a crash, kill -9 or quit. */
export const SavedUploadSchema = z.object({
  account: z.string(),
  file: z.string(),
  bucket: z.string(),
  key: z.string(),
  uploadId: z.string(),
  partSize: z.number().int().positive(),
  size: z.number().int().nonnegative(),
  mtimeMs: z.number(),
  parts: z.array(z.object({ PartNumber: z.number().int().positive(), ETag: z.string() })),
  startedAt: z.string(),
  /** Paused by the user (the app shows it paused after a restart). */
  paused: z.boolean().optional(),
});
export type SavedUpload = z.infer<typeof SavedUploadSchema>;

/**
 * Unfinished multipart uploads, one small JSON file each under transfers/ in the data
 * directory, rewritten atomically as parts finish. Holds no secret: account name, paths, IDs.
 */
export class UploadStateStore {
  readonly dir: string;
  constructor(dataDir: string) {
    this.dir = join(dataDir, 'transfers');
  }

  private path(account: string, file: string, bucket: string, key: string): string {
    const id = createHash('sha256').update(JSON.stringify([account, file, bucket, key])).digest('hex').slice(0, 32);
    return join(this.dir, `${id}.json`);
  }

  async get(account: string, file: string, bucket: string, key: string): Promise<SavedUpload | undefined> {
    try {
      const parsed = SavedUploadSchema.safeParse(JSON.parse(await readFile(this.path(account, file, bucket, key), 'utf8')));
      return parsed.success ? parsed.data : undefined;
    } catch (err) {
      if (systemCode(err) === 'ENOENT' || err instanceof SyntaxError) return undefined;
      throw err;
    }
  }

  async save(state: SavedUpload): Promise<void> {
    await writeFileAtomic(this.path(state.account, state.file, state.bucket, state.key), JSON.stringify(state));
  }

  async delete(account: string, file: string, bucket: string, key: string): Promise<void> {
    const path = this.path(account, file, bucket, key);
    await rm(path, { force: true });
    // A process killed mid-save leaves its temporary file beside the state; clear those too.
    const prefix = `${basename(path)}.`;
    const names = await readdir(this.dir).catch(() => [] as string[]);
    await Promise.all(names.filter((n) => n.startsWith(prefix) && n.endsWith('.tmp')).map((n) => rm(join(this.dir, n), { force: true })));
  }

  async list(): Promise<SavedUpload[]> {
    let names: string[];
    try {
      names = await readdir(this.dir);
    } catch (err) {
      if (systemCode(err) === 'ENOENT') return [];
      throw err;
    }
    const out: SavedUpload[] = [];
    for (const name of names.filter((n) => n.endsWith('.json'))) {
      try {
        const parsed = SavedUploadSchema.safeParse(JSON.parse(await readFile(join(this.dir, name), 'utf8')));
        if (parsed.success) out.push(parsed.data);
      } catch {
        // unreadable or torn: ignore (it was never renamed into place half-written)
      }
    }
    return out.sort((a, b) => a.startedAt.localeCompare(b.startedAt));
  }
}
