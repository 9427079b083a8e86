/**
 * Text from elsewhere (object keys, file names, bucket names, server messages) is shown, never
 * interpreted: an escape sequence in a key could act on a terminal (clear it, set its title, write
 * the clipboard with OSC 52), and a bidi override could disguise a name anywhere it is shown
 * ("invoice\u202Efdp.exe" reads as "invoiceexe.pdf"). The CLI's output, the window and the
 * notifications all show such characters as visible escapes, through this one function.
 */

// C0 controls but newline and tab, DEL, C1 controls (8-bit CSI is U+009B), and the Unicode
// bidirectional controls (embeddings, overrides, isolates, marks).
// eslint-disable-next-line no-control-regex
export const UNSAFE = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;
// Line and paragraph separators (U+2028, U+2029) break a line as a newline does.
// eslint-disable-next-line no-control-regex
const UNSAFE_OR_LINE = /[\u0000-\u0009\u000a-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

function escape(c: string): string {
  const code = c.charCodeAt(0);
  if (c === '\n') return '\\n';
  if (c === '\r') return '\\r';
  if (c === '\t') return '\\t';
  return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
}

/** One line of text, safe to show: every control character (line breaks included) shown as an escape. */
export function safeText(text: string): string {
  return text.replace(UNSAFE_OR_LINE, escape);
}

/** Several lines (a stack trace, a message): each made safe, the line breaks between them kept. */
export function safeLines(text: string): string {
  return text.split('\n').map(safeText).join('\n');
}
