/**
 * Files to private objects and back, on the desktop (format.ts). A file is sealed into a
 * ciphertext file beside Ferry's data, which the normal upload engine then sends (resume,
 * checks, progress); a private request's object, downloaded by the normal engine, is opened into
 * the user's file. Either way memory holds one chunk at a time, and nothing half-done is left:
 * a file that changes while it is sealed, or an object that does not authenticate, ends with no
 * output file at all.
 */
import { randomBytes } from 'node:crypto';
import { open, rename, rm } from 'node:fs/promises';
import { FerryError } from '../errors';
import { CHUNK, chunkSpan, type FileMeta, type Header, headerLength, makeHeader, metaPrefix, openChunk, parseHeader, readMeta, sealChunk, P256_PUBLIC, SALT, KIND_REQUEST } from './format';

/** Reads and writes this many bytes at a time (16 chunks). */
const BATCH = 16 * CHUNK;

/**
 * Seals `src` into `dst` (a new file) under `payloadKey`, with the file's name, type and size
 * first. `header` is the object's header (format.makeHeader). Refuses a file that changes meanwhile.
 */
export async function sealFile(src: string, dst: string, header: Buffer, payloadKey: Buffer, meta: Omit<FileMeta, 'size'>): Promise<{ size: number; sealedSize: number }> {
  const input = await open(src, 'r');
  const output = await open(dst, 'wx', 0o600).catch(async (err: unknown) => {
    await input.close();
    throw err;
  });
  let ok = false;
  try {
    const before = await input.stat();
    if (!before.isFile()) throw new FerryError('NOT_A_FILE', `${src} is not a file.`);
    const prefix = metaPrefix({ ...meta, size: before.size });
    const total = prefix.length + before.size;
    const count = Math.max(1, Math.ceil(total / CHUNK));
    await output.write(header);
    let written = header.length;
    // The payload, a batch at a time: the name's prefix, then the file's bytes.
    let carry = prefix;
    let read = 0;
    let index = 0;
    const buf = Buffer.allocUnsafe(BATCH);
    while (index < count) {
      const want = Math.min(BATCH, before.size - read);
      let got = 0;
      while (got < want) {
        const { bytesRead } = await input.read(buf, got, want - got, read + got);
        if (!bytesRead) break;
        got += bytesRead;
      }
      if (got < want) throw changed(src);
      read += got;
      const data = carry.length ? Buffer.concat([carry, buf.subarray(0, got)]) : buf.subarray(0, got);
      const out: Buffer[] = [];
      let at = 0;
      // Full chunks, and the last one once everything is read.
      while (index < count && (data.length - at >= CHUNK || (read === before.size && at < data.length) || (total === 0 && index === 0))) {
        const piece = data.subarray(at, Math.min(data.length, at + CHUNK));
        at += piece.length;
        out.push(sealChunk(payloadKey, header, index, index === count - 1, piece));
        index++;
      }
      carry = Buffer.from(data.subarray(at));
      const block = Buffer.concat(out);
      await output.write(block, 0, block.length, written);
      written += block.length;
    }
    const after = await input.stat();
    if (after.size !== before.size || after.mtimeMs !== before.mtimeMs) throw changed(src);
    await output.sync();
    ok = true;
    return { size: before.size, sealedSize: written };
  } finally {
    await input.close();
    await output.close();
    if (!ok) await rm(dst, { force: true });
  }
}

const changed = (file: string) => new FerryError('FILE_CHANGED', `${file} changed while Ferry was encrypting it. Share it again once it is written.`);

/** The header at the start of a sealed file. */
export async function readHeader(file: string): Promise<Header> {
  const fd = await open(file, 'r');
  try {
    const buf = Buffer.alloc(headerLength(KIND_REQUEST));
    const { bytesRead } = await fd.read(buf, 0, buf.length, 0);
    return parseHeader(buf.subarray(0, bytesRead));
  } finally {
    await fd.close();
  }
}

/**
 * Opens a sealed file (`src`, as downloaded) into `dst`: every chunk authenticated, in order, the
 * last one marked last. The plaintext goes to a temporary file renamed into place only when all
 * of it is good; a changed, reordered or cut-short object leaves nothing.
 */
export async function openFile(src: string, dst: string, keyFor: (h: Header) => Buffer, opts: { replace?: boolean } = {}): Promise<FileMeta> {
  const header = await readHeader(src);
  const key = keyFor(header);
  const input = await open(src, 'r');
  const temp = `${dst}.ferry-${randomBytes(4).toString('hex')}.partial`;
  const output = await open(temp, 'wx', 0o600).catch(async (err: unknown) => {
    await input.close();
    throw err;
  });
  let ok = false;
  try {
    const { size } = await input.stat();
    const { count } = chunkSpan(header.kind, size, 0);
    let meta: FileMeta | undefined;
    let written = 0;
    for (let i = 0; i < count; i++) {
      const span = chunkSpan(header.kind, size, i);
      const sealed = Buffer.allocUnsafe(span.length);
      const { bytesRead } = await input.read(sealed, 0, span.length, span.start);
      if (bytesRead !== span.length) throw new FerryError('PRIVATE_TAMPERED', `${src} was cut short while it was read.`);
      let plain = openChunk(key, header.bytes, i, span.last, sealed);
      if (i === 0) {
        const m = readMeta(plain);
        meta = m.meta;
        plain = plain.subarray(m.offset);
      }
      await output.write(plain, 0, plain.length, written);
      written += plain.length;
    }
    if (!meta || written !== meta.size) throw new FerryError('PRIVATE_TAMPERED', 'This file does not hold as many bytes as its sender encrypted: it was not opened. Ask the sender for it again.');
    await output.sync();
    await output.close();
    if (opts.replace) await rename(temp, dst);
    else {
      // Never over a file already there.
      const { link, unlink } = await import('node:fs/promises');
      await link(temp, dst).catch((err: NodeJS.ErrnoException) => {
        throw err.code === 'EEXIST' ? new FerryError('OBJECTS_EXIST', `${dst} already exists; Ferry does not replace it.`) : err;
      });
      await unlink(temp);
    }
    ok = true;
    return meta;
  } finally {
    await input.close().catch(() => {});
    await output.close().catch(() => {});
    if (!ok) await rm(temp, { force: true });
  }
}

/** Only the name, type and size, from an object's first bytes (header and first chunk). */
export function metaOf(start: Buffer, objectLength: number, keyFor: (h: Header) => Buffer): FileMeta {
  const header = parseHeader(start);
  const span = chunkSpan(header.kind, objectLength, 0);
  if (start.length < span.start + span.length) throw new FerryError('PRIVATE_TAMPERED', 'This file was cut short: it cannot be opened.');
  return readMeta(openChunk(keyFor(header), header.bytes, 0, span.last, start.subarray(span.start, span.start + span.length))).meta;
}

/** How many bytes of an object metaOf needs. */
export const META_BYTES = headerLength(KIND_REQUEST) + CHUNK + 16;

export { makeHeader, P256_PUBLIC, SALT };
