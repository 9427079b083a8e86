/**
 * The file an upload reads: opened once (every way it can be wrong said in words a user can act
 * on), read in ranges with positional reads so many parts can read one descriptor at once, and
 * hashed, and checked for changes since it was opened.
 */
import { createHash } from 'node:crypto';
import { open, stat, type FileHandle } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { FerryError, systemCode } from '../errors';
import { sharedHashPool, type HashPool } from './hash-pool';

export interface SourceFile {
  handle: FileHandle;
  size: number;
  mtimeMs: number;
}

/**
 * Opens a local file for upload, turning every way it can be wrong into a message a user can
 * act on. Symlinks are followed. The handle stays open for the whole upload, so ranges are read
 * from the same file even if its name is replaced meanwhile.
 */
export async function openSource(path: string): Promise<SourceFile> {
  let info;
  try {
    info = await stat(path);
  } catch (err) {
    const code = systemCode(err);
    if (code === 'ENOENT' || code === 'ENOTDIR') throw new FerryError('FILE_NOT_FOUND', `There is no file at ${path}. Check the path and try again.`, { cause: err });
    if (code === 'EACCES' || code === 'EPERM') throw new FerryError('FILE_UNREADABLE', `Cannot read ${path}: permission denied. Check the file's permissions.`, { cause: err });
    if (code === 'ELOOP') throw new FerryError('FILE_NOT_FOUND', `${path} is a symbolic link that loops back on itself.`, { cause: err });
    throw new FerryError('FILE_UNREADABLE', `Cannot read ${path} (${code ?? 'unknown error'}).`, { cause: err });
  }
  if (info.isDirectory()) throw new FerryError('NOT_A_FILE', `${path} is a folder, not a file. Give the path of a file.`);
  if (!info.isFile()) throw new FerryError('NOT_A_FILE', `${path} is not a regular file (it is a device, socket or pipe). Give the path of a file.`);
  let handle: FileHandle;
  try {
    handle = await open(path, 'r');
  } catch (err) {
    const code = systemCode(err);
    if (code === 'EACCES' || code === 'EPERM') throw new FerryError('FILE_UNREADABLE', `Cannot read ${path}: permission denied. Check the file's permissions.`, { cause: err });
    throw new FerryError('FILE_UNREADABLE', `Cannot read ${path} (${code ?? 'unknown error'}).`, { cause: err });
  }
  return { handle, size: info.size, mtimeMs: info.mtimeMs };
}

/** The error for a source file that ended before the bytes Ferry expected. */
export function becameShorter(file: string): FerryError {
  return new FerryError('FILE_CHANGED', `${file} became shorter while it was being uploaded, so the upload was stopped. Upload it again when it is no longer being written.`);
}

/** Ranges at least this long are hashed on a thread of the pool, where there is one (a thread's start costs about as much as hashing 4 MiB). */
export const THREADED = 4 * 1024 * 1024;

/** MD5 of the bytes [start, end) of an open file: on a hashing thread where the machine has cores to spare (hash-pool.ts). */
export function md5Range(file: string, handle: FileHandle, start: number, end: number, given?: HashPool | null): Promise<Buffer> {
  return md5Of(handle, start, end, given, () => becameShorter(file));
}

/**
 * The threads to hash ranges of `bytes` on: `given` (the process's pool when not given; none when
 * null) for ranges of 4 MiB or more. The pool (and its thread) is made only when a range long
 * enough comes: a small file starts none.
 */
export function poolFor(bytes: number, given: HashPool | null | undefined): HashPool | undefined {
  if (bytes < THREADED) return undefined;
  return given === undefined ? sharedHashPool() : (given ?? undefined);
}

/**
 * MD5 of the bytes [start, end) of an open file, on a thread of `given` (the process's pool when
 * not given; none when null) for ranges of 4 MiB or more; `short` is the error for a file that
 * ends before `end`.
 */
export async function md5Of(handle: FileHandle, start: number, end: number, given: HashPool | null | undefined, short: () => Error): Promise<Buffer> {
  const pool = poolFor(end - start, given);
  if (pool) {
    // A thread that fails (it died, or the read failed) leaves the range to this thread, whose error says it in words.
    const got = await pool.md5(handle.fd, start, end).catch(() => undefined);
    if (got && 'short' in got) throw short();
    if (got) return got.md5;
  }
  const hash = createHash('md5');
  const buf = Buffer.allocUnsafe(Math.min(CHUNK, Math.max(end - start, 1)));
  for (let pos = start; pos < end; ) {
    const { bytesRead } = await handle.read(buf, 0, Math.min(buf.length, end - pos), pos);
    if (bytesRead === 0) throw short();
    hash.update(buf.subarray(0, bytesRead));
    pos += bytesRead;
  }
  return hash.digest();
}

const CHUNK = 256 * 1024;

/**
 * The bytes [start, end) of an open file as a stream, read with positional reads so many parts
 * can read the same descriptor at once. Destroying the stream never closes the file. Memory per
 * stream is a chunk or two, whatever the part size. Reading is not sending: progress counts
 * bytes as the network takes them (s3/sent.ts), not as they are read here.
 */
export function rangeStream(handle: FileHandle, start: number, end: number, pace?: (bytes: number) => Promise<void>): Readable {
  async function* chunks() {
    for (let pos = start; pos < end; ) {
      const want = Math.min(CHUNK, end - pos);
      // Under a bandwidth cap, each read waits its turn (bandwidth.ts).
      if (pace) await pace(want);
      const { bytesRead, buffer } = await handle.read(Buffer.allocUnsafe(want), 0, want, pos);
      if (bytesRead === 0) throw new FerryError('FILE_CHANGED', 'The file became shorter while it was being uploaded.');
      pos += bytesRead;
      yield bytesRead === want ? buffer : buffer.subarray(0, bytesRead);
    }
  }
  return Readable.from(chunks(), { objectMode: false, highWaterMark: CHUNK });
}

/** Whether the source's size or modification time changed since it was opened. */
export async function sourceChanged(src: SourceFile): Promise<boolean> {
  const now = await src.handle.stat();
  return now.size !== src.size || now.mtimeMs !== src.mtimeMs;
}
