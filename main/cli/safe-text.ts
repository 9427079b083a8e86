/**
 * Everything the CLI prints as text goes through here (see core/text.ts for why): control
 * characters are shown, never interpreted.
 */
import { UNSAFE, safeLines, safeText } from '../core/text';

export { safeLines, safeText };

/**
 * JSON whose strings cannot act on a terminal either: JSON.stringify already escapes C0
 * controls; this also escapes DEL, C1 and bidi controls as \uXXXX. The value is exactly the same.
 */
export function safeJson(value: unknown): string {
  return JSON.stringify(value).replace(UNSAFE, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/**
 * A stream for the CLI's line-oriented output: each write is one message, normally ending in a
 * newline; that final newline is kept, and every control character before it is escaped.
 */
export function textStream<S extends NodeJS.WritableStream & { isTTY?: boolean; columns?: number }>(stream: S): S {
  const write = (chunk: string | Uint8Array, ...rest: unknown[]): boolean => {
    const text = typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
    const line = text.endsWith('\n') ? `${safeText(text.slice(0, -1))}\n` : safeText(text);
    return (stream.write as (c: string, ...r: unknown[]) => boolean)(line, ...rest);
  };
  return new Proxy(stream, {
    get(target, prop, receiver) {
      if (prop === 'write') return write;
      const v = Reflect.get(target, prop, receiver) as unknown;
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
}
