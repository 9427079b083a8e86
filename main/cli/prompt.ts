import { FerryError } from '../core/errors';
import { createInterface } from 'node:readline';
import { Writable } from 'node:stream';

/**
 * Asks a question on a terminal; with `hidden`, what is typed is not echoed (for secrets).
 * Ctrl-C at the prompt, or the command's signal (SIGTERM, a closed terminal) cancels it: the
 * terminal's echo comes back and nothing is saved.
 */
export function ask(question: string, opts: { hidden?: boolean; input: NodeJS.ReadableStream; output: NodeJS.WritableStream; signal?: AbortSignal | undefined }): Promise<string> {
  let muted = false;
  const out = new Writable({
    write(chunk, _enc, cb) {
      if (!muted) opts.output.write(chunk);
      cb();
    },
  });
  const rl = createInterface({ input: opts.input, output: out, terminal: true });
  return new Promise((resolve, reject) => {
    const cancel = () => {
      opts.signal?.removeEventListener('abort', cancel);
      rl.close();
      // Nothing was asked of a server or saved yet (status 130, as a signal gives).
      opts.output.write('\n');
      reject(new FerryError('CANCELLED', 'Cancelled at the prompt: nothing was saved.'));
    };
    if (opts.signal?.aborted) return cancel();
    rl.question(question, (answer) => {
      opts.signal?.removeEventListener('abort', cancel);
      rl.close();
      if (opts.hidden) opts.output.write('\n');
      resolve(answer);
    });
    muted = Boolean(opts.hidden);
    rl.on('SIGINT', cancel);
    opts.signal?.addEventListener('abort', cancel, { once: true });
  });
}

/**
 * Reads all of a non-terminal stdin (piped secrets), up to a sane limit. The command's signal
 * (Ctrl-C, SIGTERM) ends the wait as it ends a prompt: cancelled, nothing saved, status 130.
 */
export async function readAll(input: NodeJS.ReadableStream, limit = 64 * 1024, signal?: AbortSignal): Promise<string> {
  let text = '';
  const cancelled = () => new FerryError('CANCELLED', 'Cancelled while reading stdin: nothing was saved.');
  if (signal?.aborted) throw cancelled();
  let stop!: () => void;
  const stopped = new Promise<'stopped'>((resolve) => {
    stop = () => resolve('stopped');
    signal?.addEventListener('abort', stop, { once: true });
  });
  const chunks = input[Symbol.asyncIterator]();
  try {
    for (;;) {
      const next = await Promise.race([chunks.next(), stopped]);
      if (next === 'stopped') throw cancelled();
      if (next.done) break;
      const chunk = next.value as string | Buffer;
      text += typeof chunk === 'string' ? chunk : chunk.toString('utf8');
      if (text.length > limit) throw new FerryError('USAGE', `Too much input on stdin (more than ${limit / 1024} KiB): pipe only the key ID and the secret, one per line.`);
    }
  } finally {
    signal?.removeEventListener('abort', stop);
    // Cancelled: nothing more is read, and an open pipe must not keep the process alive.
    if (signal?.aborted) {
      void chunks.return?.();
      (input as NodeJS.ReadableStream & { destroy?: () => void }).destroy?.();
    }
  }
  return text;
}
