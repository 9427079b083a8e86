import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { systemCode } from '../errors';
import { writeFileAtomic } from '../files';
import { keptDownload } from './partial';

/** A download the window started and has not seen finish or cancelled. */
export interface PendingDownload {
  account: string;
  bucket: string;
  key: string;
  file: string;
  size: number;
  /** The real path of the folder it was planned into (see DownloadRequest.folder). */
  folder?: string;
}

/**
 * The window's downloads that may still be continued, kept in the data folder so that after a
 * quit or a crash the next start offers them again, paused, as it does uploads. What a download
 * has already fetched lives beside its file (FILE.ferry-download and its state); this list only
 * says which of those the window owns. An entry whose partial file has gone is forgotten.
 */
export class PendingDownloads {
  private readonly path: string;
  /** Changes from this process, one at a time (only the app writes this list). */
  private writes: Promise<unknown> = Promise.resolve();

  constructor(dataDir: string) {
    this.path = join(dataDir, 'downloads.json');
  }

  private async read(): Promise<PendingDownload[]> {
    try {
      const parsed = JSON.parse(await readFile(this.path, 'utf8')) as unknown;
      return Array.isArray(parsed) ? parsed.filter(isPending) : [];
    } catch (err) {
      // Missing or damaged: nothing to offer (the partial files stay where they are).
      if (systemCode(err) !== 'ENOENT' && !(err instanceof SyntaxError)) throw err;
      return [];
    }
  }

  private change(fn: (list: PendingDownload[]) => PendingDownload[]): Promise<void> {
    const run = async () => {
      const next = fn(await this.read());
      await writeFileAtomic(this.path, `${JSON.stringify(next)}\n`);
    };
    const done = this.writes.then(run, run);
    this.writes = done.catch(() => {});
    return done;
  }

  add(items: PendingDownload[]): Promise<void> {
    const files = new Set(items.map((i) => i.file));
    return this.change((list) => [...list.filter((x) => !files.has(x.file)), ...items.map(({ account, bucket, key, file, size, folder }) => ({ account, bucket, key, file, size, ...(folder ? { folder } : {}) }))]);
  }

  remove(file: string): Promise<void> {
    return this.change((list) => list.filter((x) => x.file !== file));
  }

  /** The downloads that can be continued, with the bytes their partial files already hold. */
  async list(): Promise<Array<PendingDownload & { kept: number }>> {
    await this.writes;
    const out: Array<PendingDownload & { kept: number }> = [];
    const gone = new Set<string>();
    for (const d of await this.read()) {
      const kept = await keptDownload(d);
      if (kept === undefined) gone.add(d.file);
      else out.push({ ...d, kept });
    }
    if (gone.size) await this.change((list) => list.filter((x) => !gone.has(x.file)));
    return out;
  }
}

function isPending(x: unknown): x is PendingDownload {
  const d = x as Partial<PendingDownload> | null;
  return !!d && typeof d.account === 'string' && typeof d.bucket === 'string' && typeof d.key === 'string' && typeof d.file === 'string' && typeof d.size === 'number' && (d.folder === undefined || typeof d.folder === 'string');
}
