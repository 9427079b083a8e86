/**
 * What a quick look shows of an object (see preview.ts). Plain data with no imports, so the
 * window's contract (preload/contract.ts) shares this one definition without loading S3 code.
 */

/** An image (its bytes, base64), the start of a text, or why there is nothing to show. */
export type PreviewView =
  | { kind: 'image'; contentType: string; base64: string }
  | { kind: 'text'; contentType: string; text: string; truncated: boolean }
  | { kind: 'none'; contentType: string; reason: string };
