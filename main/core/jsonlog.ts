import { appendFile, mkdir, readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { z } from 'zod';
import { systemCode } from './errors';

/**
 * An append-only log of JSON records, one per line, appended with O_APPEND: concurrent writers
 * (the app and the CLI) cannot lose each other's records, and a crash mid-write loses at most
 * the line being written, which reading skips.
 */
export class JsonLog<S extends z.ZodType> {
  constructor(
    readonly path: string,
    private readonly schema: S,
  ) {}

  async add(record: z.infer<S>): Promise<void> {
    await mkdir(dirname(this.path), { recursive: true, mode: 0o700 });
    await appendFile(this.path, `${JSON.stringify(this.schema.parse(record))}\n`, { mode: 0o600 });
  }

  /** Newest first. */
  async list(limit = Infinity): Promise<Array<z.infer<S>>> {
    let text: string;
    try {
      text = await readFile(this.path, 'utf8');
    } catch (err) {
      if (systemCode(err) === 'ENOENT') return [];
      throw err;
    }
    const out: Array<z.infer<S>> = [];
    const lines = text.split('\n');
    for (let i = lines.length - 1; i >= 0 && out.length < limit; i--) {
      const line = lines[i]!.trim();
      if (!line) continue;
      try {
        const r = this.schema.safeParse(JSON.parse(line));
        if (r.success) out.push(r.data);
      } catch {
        // a torn line from a crash: skip it
      }
    }
    return out;
  }
}
