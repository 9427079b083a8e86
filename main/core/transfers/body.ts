/**
 * Sends one request body (a part, or a whole object) read from a range of the source file, with
 * its length and Content-MD5, under the retry policy: each attempt reads the range afresh and
 * owns its stream, the server refuses bytes damaged on the way (BadDigest: sent again) and a file
 * that changed under the upload is told apart from damage by hashing the range again.
 */
import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import { FerryError, systemCode } from '../errors';
import type { Bandwidth } from './bandwidth';
import type { ProgressMeter } from './progress';
import { becameShorter, md5Range, rangeStream, type SourceFile } from './source';
import { joinSignals } from '../signals';

/**
 * Sends one body (a part or a whole object) with its length and Content-MD5, telling `onSent` of
 * each chunk the network has taken (s3/sent.ts: pass sendOptions(signal, onSent) to the client).
 */
export type SendBody<T> = (body: Readable | Uint8Array, length: number, contentMd5: string, signal: AbortSignal, onSent: (bytes: number) => void) => Promise<T>;

/** Which file the bodies come from, and how a request is retried. */
export interface BodyRoute {
  file: string;
  /** The cap the bodies go under (none: UNLIMITED). */
  bandwidth: Bandwidth;
  retry: <T>(signal: AbortSignal, run: () => Promise<T>, onFail?: () => void) => Promise<T>;
}

/** The bytes [start, end) of the source, counted on a meter, until the signal stops them. */
export interface BodyRange {
  src: SourceFile;
  start: number;
  end: number;
  meter: ProgressMeter;
  signal: AbortSignal;
}

/** Bodies up to this size are read into memory once rather than streamed (small files, small last parts). */
const SMALL_BODY = 256 * 1024;

/**
 * Sends the byte range [start, end) with retries, each attempt reading the range afresh. Each
 * attempt owns its body: a read that fails fails that request (never the process), and bytes
 * an abandoned attempt still sends are not counted. Bytes count as the network takes them; a
 * request whose client did not tell (not Ferry's handler) counts its body when it is answered.
 */
export async function sendRange<T>(via: BodyRoute, range: BodyRange, send: SendBody<T>): Promise<{ out: T; md5: Buffer }> {
  const { src, start, end, meter, signal } = range;
  // A small body is read once: its MD5 is of exactly the bytes sent (and no stream is set up).
  if (end - start <= SMALL_BODY) return sendSmall(via, range, send);
  // The server checks each request's bytes against this MD5 and refuses a corrupted one.
  let md5 = await md5Range(via.file, src.handle, start, end);
  let attempt: { live: boolean; counted: number; body?: Readable } | undefined;
  const out = await via.retry(
    signal,
    async () => {
      const a: { live: boolean; counted: number; body?: Readable; failed?: FerryError } = { live: true, counted: 0 };
      attempt = a;
      const own = new AbortController();
      let body: Readable | Uint8Array = new Uint8Array(0);
      // Counted as the network takes them, never beyond the range (aws-chunked framing is counted too).
      const onSent = (n: number) => {
        const take = Math.min(n, end - start - a.counted);
        if (!a.live || take <= 0) return;
        a.counted += take;
        meter.add(take);
      };
      if (end > start) {
        a.body = body = rangeStream(src.handle, start, end, (n) => via.bandwidth.take(n, signal));
        a.body.once('error', (err) => {
          const code = systemCode(err);
          a.failed = err instanceof FerryError ? err : new FerryError('FILE_UNREADABLE', `Cannot read ${via.file} (${code ?? (err as Error).message}).`, { cause: err });
          own.abort(a.failed);
        });
      }
      const stop = joinSignals(signal, own.signal);
      try {
        const out = await send(body, end - start, md5.toString('base64'), stop.signal, onSent);
        onSent(end - start);
        return out;
      } catch (err) {
        if (a.failed) {
          throw a.failed.code === 'FILE_CHANGED' ? becameShorter(via.file) : a.failed;
        }
        if ((err as { name?: string }).name === 'BadDigest') {
          // Either the bytes were damaged on the way (send again) or the file changed under us.
          const again = await md5Range(via.file, src.handle, start, end);
          if (!again.equals(md5)) {
            throw new FerryError('FILE_CHANGED', `${via.file} changed while it was being uploaded, so the upload was stopped. Upload it again when it is no longer being written.`);
          }
          md5 = again;
          throw Object.assign(new Error('The server received damaged bytes (BadDigest); sending the part again.'), { name: 'InternalError', Code: 'InternalError' });
        }
        throw err;
      } finally {
        stop.release();
      }
    },
    () => {
      if (!attempt) return;
      attempt.live = false;
      attempt.body?.destroy();
      meter.add(-attempt.counted);
      attempt.counted = 0;
    },
  );
  return { out, md5 };
}

/** sendRange for a body small enough to hold: one read, one hash, the same bytes on every attempt. */
async function sendSmall<T>(via: BodyRoute, range: BodyRange, send: SendBody<T>): Promise<{ out: T; md5: Buffer }> {
  const { src, start, end, meter, signal } = range;
  const bytes = Buffer.allocUnsafe(end - start);
  for (let pos = 0; pos < bytes.length; ) {
    const { bytesRead } = await src.handle.read(bytes, pos, bytes.length - pos, start + pos).catch((err: unknown) => {
      throw new FerryError('FILE_UNREADABLE', `Cannot read ${via.file} (${systemCode(err) ?? (err as Error).message}).`, { cause: err });
    });
    if (bytesRead === 0) throw becameShorter(via.file);
    pos += bytesRead;
  }
  const md5 = createHash('md5').update(bytes).digest();
  let counted = false;
  const out = await via.retry(
    signal,
    async () => {
      // Held in memory, it is written in one go (not streamed): counted when it is answered.
      await via.bandwidth.take(bytes.length, signal);
      const sent = await send(bytes, bytes.length, md5.toString('base64'), signal, () => {});
      if (!counted) meter.add(bytes.length);
      counted = true;
      return sent;
    },
  );
  return { out, md5 };
}
