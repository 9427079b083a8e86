import { mkdir, open } from 'node:fs/promises';
import { dirname } from 'node:path';
import { systemCode } from './errors';
import { ensure, type Infer, type Shape } from './shape';

/** Bytes read at a time from the end of the file. */
const CHUNK = 64 * 1024;
/** A longer line is no record of Ferry's (a torn or foreign one): it is skipped without being held. */
const MAX_LINE = 1024 * 1024;

/**
 * An append-only log of JSON records, one per line, appended with O_APPEND: concurrent writers
 * (the app and the CLI) cannot lose each other's records, and a crash mid-write loses at most
 * the line being written. Appending after such a torn line first ends it, so the torn line
 * cannot swallow the next record. Reading goes backwards from the end in chunks, so the newest
 * records come first and cost the same whatever the file's size.
 */
export class JsonLog<S extends Shape<unknown>> {
  constructor(
    readonly path: string,
    private readonly schema: S,
  ) {}

  async add(record: Infer<S>): Promise<void> {
    const line = `${JSON.stringify(ensure(this.schema, record))}\n`;
    await mkdir(dirname(this.path), { recursive: true, mode: 0o700 });
    const fh = await open(this.path, 'a+', 0o600);
    try {
      const { size } = await fh.stat();
      const last = Buffer.alloc(1);
      if (size > 0) await fh.read(last, 0, 1, size - 1);
      // Two writers healing the same torn line at once leave an empty line, which reading skips.
      await fh.write(size > 0 && last[0] !== 0x0a ? `\n${line}` : line);
    } finally {
      await fh.close();
    }
  }

  /** Forgets every record (the file is emptied in place, so a concurrent appender's next line still lands). */
  async clear(): Promise<void> {
    const fh = await open(this.path, 'r+').catch((err: unknown) => {
      if (systemCode(err) === 'ENOENT') return undefined;
      throw err;
    });
    if (!fh) return;
    try {
      await fh.truncate(0);
    } finally {
      await fh.close();
    }
  }

  /** Newest first, at most `limit` records. */
  async list(limit = Infinity): Promise<Array<Infer<S>>> {
    const out: Array<Infer<S>> = [];
    if (limit <= 0) return out;
    for await (const record of this.newestFirst()) {
      out.push(record);
      if (out.length >= limit) break;
    }
    return out;
  }

  /** Every valid record, newest first, read from the end of the file a chunk at a time. */
  async *newestFirst(): AsyncGenerator<Infer<S>> {
    let fh;
    try {
      fh = await open(this.path, 'r');
    } catch (err) {
      if (systemCode(err) === 'ENOENT') return;
      throw err;
    }
    try {
      let pos = (await fh.stat()).size;
      // The part of a line that lies after the chunk being scanned, in file order.
      let tail: Buffer[] = [];
      let tailLength = 0;
      let overlong = false;
      const buf = Buffer.allocUnsafe(CHUNK);
      while (pos > 0) {
        const n = Math.min(CHUNK, pos);
        pos -= n;
        const { bytesRead } = await fh.read(buf, 0, n, pos);
        let end = bytesRead;
        for (let i = end - 1; i >= 0; i--) {
          if (buf[i] !== 0x0a) continue;
          const record = overlong ? undefined : this.parse(Buffer.concat([buf.subarray(i + 1, end), ...tail]));
          tail = [];
          tailLength = 0;
          overlong = false;
          end = i;
          if (record !== undefined) yield record;
        }
        if (!overlong && tailLength + end > MAX_LINE) {
          overlong = true;
          tail = [];
          tailLength = 0;
        }
        if (!overlong && end > 0) {
          tail.unshift(Buffer.from(buf.subarray(0, end)));
          tailLength += end;
        }
      }
      const first = overlong ? undefined : this.parse(Buffer.concat(tail));
      if (first !== undefined) yield first;
    } finally {
      await fh.close();
    }
  }

  private parse(line: Buffer): Infer<S> | undefined {
    const text = line.toString('utf8').trim();
    if (!text) return undefined;
    try {
      const r = this.schema.read(JSON.parse(text));
      return r.ok ? (r.value as Infer<S>) : undefined;
    } catch {
      return undefined; // a torn line from a crash
    }
  }
}
