/**
 * Text from elsewhere (object keys, file names, bucket names, server messages) must never act on
 * the user's terminal: an escape sequence in a key could clear the screen, set the window title
 * or write the clipboard (OSC 52), and a bidi override could disguise a name. Everything the CLI
 * prints as text goes through here; control characters are shown, never interpreted.
 */

// C0 controls but newline and tab, DEL, C1 controls (8-bit CSI is U+009B), and the Unicode
// bidirectional controls (embeddings, overrides, isolates, marks).
// eslint-disable-next-line no-control-regex
const UNSAFE = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;
// eslint-disable-next-line no-control-regex
const UNSAFE_OR_LINE = /[\u0000-\u0009\u000a-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

function escape(c: string): string {
  const code = c.charCodeAt(0);
  if (c === '\n') return '\\n';
  if (c === '\r') return '\\r';
  if (c === '\t') return '\\t';
  return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
}

/** One line of text, safe to print: every control character (line breaks included) shown as an escape. */
export function safeText(text: string): string {
  return text.replace(UNSAFE_OR_LINE, escape);
}

/** Several lines (a stack trace): each made safe, the line breaks between them kept. */
export function safeLines(text: string): string {
  return text.split('\n').map(safeText).join('\n');
}

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
