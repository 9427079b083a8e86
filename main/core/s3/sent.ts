/**
 * How much of a request's body the network has taken. Progress must count bytes when they have
 * left Node: a chunk the request has accepted may still sit in the request's or the socket's
 * buffer (their writableLength) for seconds on a slow link. The SDK's handler writes a streamed
 * body with body.pipe(request) and never shows the request; the one moment Node says a chunk is
 * out of its hands (written to the kernel) is that write's callback. So the caller passes a
 * listener with the send options (sendOptions), and the handler (client.ts) has watchSent hear
 * each write's callback on the request the body is piped into.
 *
 * What the kernel's socket buffers hold still counts as sent: Node cannot see them.
 */
import type { HttpHandlerOptions } from '@smithy/types';
import type { Readable, Writable } from 'node:stream';

const LISTENER = Symbol('ferryBodySent');

type WithListener = HttpHandlerOptions & { [LISTENER]?: (bytes: number) => void };

/** Send options for S3Client.send whose request tells `onSent` of each chunk of its body the network has taken. */
export function sendOptions(abortSignal: AbortSignal, onSent: (bytes: number) => void): HttpHandlerOptions {
  const options: WithListener = { abortSignal, [LISTENER]: onSent };
  return options;
}

/** The listener sendOptions put in a request's options, if any. */
export function sentListener(options: HttpHandlerOptions | undefined): ((bytes: number) => void) | undefined {
  return (options as WithListener | undefined)?.[LISTENER];
}

/**
 * Makes `onSent` hear the length of each chunk of `body` once it is written to the kernel:
 * whatever `body` is piped into (the SDK's request) has its writes' callbacks heard. A body with
 * framing (aws-chunked, where checksums are sent) reports its framing bytes too, a few per chunk.
 */
export function watchSent(body: Readable, onSent: (bytes: number) => void): void {
  const pipe = body.pipe;
  body.pipe = function <T extends NodeJS.WritableStream>(this: Readable, dest: T, opts?: { end?: boolean }): T {
    const sink = dest as unknown as Writable;
    const write = sink.write;
    sink.write = function (this: Writable, chunk: unknown, encoding?: unknown, callback?: unknown): boolean {
      const cb = (typeof encoding === 'function' ? encoding : callback) as ((err?: Error | null) => void) | undefined;
      const enc = typeof encoding === 'function' ? undefined : (encoding as BufferEncoding | undefined);
      const length = typeof chunk === 'string' ? Buffer.byteLength(chunk, enc) : (chunk as Uint8Array).byteLength;
      return write.call(this, chunk, enc as BufferEncoding, (err?: Error | null) => {
        if (!err) onSent(length);
        cb?.(err);
      });
    } as Writable['write'];
    return pipe.call(this, dest, opts) as T;
  };
}
