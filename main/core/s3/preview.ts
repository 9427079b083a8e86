/**
 * Quick look: what an object can show without being downloaded. Plain core code over Storage, so
 * the window (objects:preview) and the CLI can both use it.
 */
import mime from 'mime-types';
import type { PreviewView } from './preview-view';
import type { Storage } from './storage';

export type { PreviewView } from './preview-view';

const PREVIEW_IMAGES = new Set(['image/png', 'image/jpeg', 'image/gif', 'image/webp', 'image/avif', 'image/bmp']);
const TEXT_EXTENSIONS = /\.(txt|md|markdown|csv|tsv|json|ya?ml|xml|log|ini|toml|conf|cfg|js|ts|tsx|jsx|py|rb|go|rs|java|c|h|cpp|css|html?|sh|sql)$/i;

/** An image (up to 10 MiB) or the first 256 KiB of a text: the window's quick look. */
export async function preview(storage: Storage, bucket: string, key: string): Promise<PreviewView> {
  const head = await storage.head(bucket, key);
  const type = (head.contentType ?? mime.lookup(key) ?? 'application/octet-stream').toString().split(';')[0]!.trim().toLowerCase();
  const looked = (mime.lookup(key) || '').toString();
  const image = PREVIEW_IMAGES.has(type) ? type : PREVIEW_IMAGES.has(looked) ? looked : undefined;
  if (image) {
    if (head.size > 10 * 1024 * 1024) return { kind: 'none', contentType: type, reason: 'This image is over 10 MB; download it to see it.' };
    return { kind: 'image', contentType: image, base64: (await storage.getBytes(bucket, key, head.size)).toString('base64') };
  }
  if (type.startsWith('text/') || /json|xml|yaml|csv|javascript/.test(type) || TEXT_EXTENSIONS.test(key)) {
    const limit = 256 * 1024;
    const bytes = await storage.getBytes(bucket, key, Math.min(head.size, limit));
    return { kind: 'text', contentType: type, text: bytes.toString('utf8').replace(/\uFFFD+$/, ''), truncated: head.size > limit };
  }
  return { kind: 'none', contentType: type, reason: `There is no quick look for ${type} files; download it, or open its share link in your browser.` };
}
