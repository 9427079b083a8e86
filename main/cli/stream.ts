/**
 * cp with a stream on one side, as aws s3 cp does: `ferry cp s3://b/k -` writes the object to
 * stdout, and so does a download into something that is not a file (/dev/null, a FIFO, a
 * terminal), which is written into, never replaced. `ferry cp - s3://b/k` uploads what arrives
 * on stdin: it is kept in a private temporary file first, so it goes up through the same engine
 * (parts in parallel, checked by the server) and nothing half-read is ever stored.
 */
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { FerryError, systemCode } from '../core/errors';
import type { Connection } from '../core/ferry';
import { formatS3Url, type S3Location } from '../core/s3/names';
import { formatBytes } from '../core/transfers/plan';
import { checkPlanFor, Digest } from '../core/transfers/verify';
import type { Context } from './context';

/** Paths that name a process's open descriptors: /dev/stdout, /dev/stderr, /dev/fd/N, /proc/(self|PID)/fd/N. */
const DESCRIPTOR = /^\/(?:dev\/(?:(stdout|stderr)|fd\/(\d+))|proc\/(self|\d+)\/fd\/(\d+))$/;

/**
 * Whether a download target is a stream rather than a file to (re)place: "-" (stdout), anything
 * that exists and is neither a file nor a folder (a device, FIFO or socket, also behind a link),
 * and the process's own descriptors (/dev/stdout, /dev/fd/N) whatever they lead to.
 */
export async function streamTarget(target: string): Promise<boolean> {
  if (target === '-') return true;
  const path = resolve(target);
  if (DESCRIPTOR.test(path)) return true;
  const info = await stat(path).catch(() => undefined);
  return Boolean(info && !info.isFile() && !info.isDirectory());
}

/** The descriptor a path names (/dev/stdout, /dev/stderr, /dev/fd/N, /proc/self/fd/N), if it names one of this process's. */
function descriptorOf(path: string): number | undefined {
  const m = DESCRIPTOR.exec(path);
  if (!m) return undefined;
  const [, std, fd, proc, procFd] = m;
  if (std) return std === 'stdout' ? 1 : 2;
  if (fd) return Number(fd);
  return proc === 'self' || proc === String(process.pid) ? Number(procFd) : undefined;
}

/**
 * Writes the whole object into stdout or the device: its bytes as they arrive, then the check
 * (the object's MD5, or its parts' MD5s, or its size). What is written cannot be taken back, so
 * a mismatch is said, and the command fails.
 */
export async function downloadToStream(ctx: Context, c: Connection, from: S3Location, target: string, raw: NodeJS.WritableStream): Promise<{ size: number; verified: string }> {
  const { body, info } = await c.storage.getStream(from.bucket, from.key, ctx.io.signal);
  const plan = await checkPlanFor(c.storage, from.bucket, from.key, info);
  const digest = plan.kind === 'size' ? undefined : new Digest(plan);
  let written = 0;
  // Into what is already open where it can be (stdout, /dev/fd/N): reopening /dev/stdout with
  // 'w' would empty the file a shell's >> appends to. Anything else is opened to append, which a
  // device or FIFO takes as a write and which never empties a file.
  const fd = target === '-' ? undefined : descriptorOf(resolve(target));
  const out = target === '-' || fd === 1 ? raw : createWriteStream(target, fd !== undefined ? { fd, autoClose: false } : { flags: 'a' });
  try {
    await pipeline(
      body,
      async function* (chunks: AsyncIterable<Uint8Array>) {
        for await (const chunk of chunks) {
          const bytes = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
          digest?.take(bytes);
          written += bytes.length;
          // --bwlimit holds here too: the next read waits, and the socket slows the server.
          await c.bandwidth.downloads.take(bytes.length, ctx.io.signal);
          yield bytes;
        }
      },
      out,
      // stdout is this process's to keep open; a stream opened here is ended (its descriptor kept when given).
      { end: out !== raw, ...(ctx.io.signal ? { signal: ctx.io.signal } : {}) },
    );
  } catch (err) {
    if (ctx.io.signal?.aborted) throw new FerryError('CANCELLED', 'Download cancelled.', { cause: err });
    // A reader that went away (ferry cp s3://b/k - | head -c 10) ends the download: that is what it asked for.
    if (systemCode(err) === 'EPIPE' || (err as { code?: string }).code === 'ERR_STREAM_PREMATURE_CLOSE') return { size: written, verified: 'none' };
    throw err;
  }
  const shown = target === '-' ? 'stdout' : target;
  if (written !== info.size) throw new FerryError('S3_ERROR', `${formatS3Url(from)} sent ${written} of its ${info.size} bytes to ${shown}: what was written is incomplete. Download it again.`);
  const verdict = digest?.verdict();
  if (verdict === 'mismatch') throw new FerryError('S3_ERROR', `The bytes written to ${shown} do not match ${formatS3Url(from)} (its ETag ${info.etag}): the server or the network changed them. Download it again.`);
  return { size: written, verified: verdict === 'match' ? (plan.kind === 'md5' ? 'md5' : 'parts-md5') : 'size' };
}

/** Keeps stdin in a private temporary file, then hands the file to `upload`; the file goes whatever happens. */
export async function fromStdin<T>(ctx: Context, upload: (file: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), `ferry-stdin-${process.pid}-`)).catch((err: unknown) => {
    const code = systemCode(err);
    const why = code === 'EROFS' ? 'is on a read-only disk' : code === 'ENOSPC' ? 'is on a full disk' : code === 'EACCES' || code === 'EPERM' ? 'is not yours to write in' : `cannot be used (${code ?? (err as Error).message})`;
    throw new FerryError('FILE_UNREADABLE', `Ferry keeps what comes on stdin in a temporary folder, and ${tmpdir()} ${why}; nothing was sent. Set TMPDIR to a folder you can write to, then try again.`, { cause: err });
  });
  const file = join(dir, 'stdin');
  try {
    const out = createWriteStream(file, { mode: 0o600 });
    try {
      await pipeline(ctx.io.stdin, out, ...(ctx.io.signal ? [{ signal: ctx.io.signal }] : []));
    } catch (err) {
      if (ctx.io.signal?.aborted) throw new FerryError('CANCELLED', 'Upload cancelled: nothing was sent.', { cause: err });
      if (systemCode(err) === 'ENOSPC') {
        throw new FerryError('DISK_FULL', `The disk holding ${dirname(dir)} filled up while Ferry kept what came on stdin (${formatBytes(out.bytesWritten)} so far); nothing was sent. Set TMPDIR to a folder on a disk with room, then try again.`, { cause: err });
      }
      throw err;
    }
    if (!out.closed) await once(out, 'close');
    return await upload(file);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * Folders an earlier `cp -` left in the temporary folder when it was killed (its process is
 * gone), with the stdin file in each: the caller aborts their uploads, then removes them.
 */
export async function staleStdinFolders(): Promise<string[]> {
  const names = await readdir(tmpdir()).catch(() => [] as string[]);
  const alive = (pid: number) => {
    try {
      process.kill(pid, 0);
      return true;
    } catch (err) {
      return systemCode(err) === 'EPERM';
    }
  };
  return names.flatMap((n) => {
    const pid = Number(/^ferry-stdin-(\d+)-/.exec(n)?.[1]);
    return pid && pid !== process.pid && !alive(pid) ? [join(tmpdir(), n)] : [];
  });
}

/** The key for stdin: it has no name of its own, so the key must end in one. */
export function stdinKey(loc: S3Location): string {
  if (!loc.key || loc.key.endsWith('/')) throw new FerryError('USAGE', `What comes on stdin has no name: give the whole key, for example ${formatS3Url({ bucket: loc.bucket, key: `${loc.key}${basename('data.bin')}` })}. See: ferry --help`);
  return loc.key;
}
