import { appendFile, mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { systemCode } from '../errors';

/**
 * One issued link. The URL itself is not kept: it carries the access key ID and is a bearer
 * token for the object, so a fresh link is signed when one is needed again.
 */
export const LinkRecordSchema = z.object({
  account: z.string(),
  endpoint: z.string(),
  bucket: z.string(),
  key: z.string(),
  createdAt: z.string(),
  expiresAt: z.string(),
  filename: z.string().optional(),
});
export type LinkRecord = z.infer<typeof LinkRecordSchema>;

/**
 * The persisted history of issued links, as JSON Lines appended with O_APPEND: concurrent
 * writers (app and CLI) cannot lose each other's entries, and a crash mid-write loses at most
 * the one line being written, which reading skips.
 */
export class LinkHistory {
  readonly path: string;
  constructor(private readonly dataDir: string) {
    this.path = join(dataDir, 'links.jsonl');
  }

  async add(record: LinkRecord): Promise<void> {
    await mkdir(this.dataDir, { recursive: true, mode: 0o700 });
    await appendFile(this.path, `${JSON.stringify(LinkRecordSchema.parse(record))}\n`, { mode: 0o600 });
  }

  /** Newest first. */
  async list(limit = Infinity): Promise<LinkRecord[]> {
    let text: string;
    try {
      text = await readFile(this.path, 'utf8');
    } catch (err) {
      if (systemCode(err) === 'ENOENT') return [];
      throw err;
    }
    const out: LinkRecord[] = [];
    const lines = text.split('\n');
    for (let i = lines.length - 1; i >= 0 && out.length < limit; i--) {
      const line = lines[i]!.trim();
      if (!line) continue;
      try {
        const r = LinkRecordSchema.safeParse(JSON.parse(line));
        if (r.success) out.push(r.data);
      } catch {
        // a torn last line from a crash: skip it
      }
    }
    return out;
  }
}
