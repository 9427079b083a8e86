/**
 * How a link Ferry makes tells the browser to treat the object. A link is opened on the storage
 * endpoint's origin, where a script in the object (an HTML or SVG file someone sent through a
 * file request, say) would run as that origin. What the server stored cannot be trusted to
 * prevent that: a sender chooses the Content-Type of a browser upload, and some servers (Ceph)
 * drop the Content-Disposition a request's policy asks for. So every link names the type the
 * browser gets (response-content-type) and, unless that type is one a browser shows without
 * running anything, makes the object a download (response-content-disposition: attachment).
 *
 * Inline stays for images, PDF, plain text, audio and video, judged by the name's extension and
 * served as that type whatever the server stored: a screenshot link opens as a picture, as
 * Dropshare's and ShareX's do, and a "photo.png" that holds HTML is shown as a (broken) picture,
 * never as a page. SVG, HTML, XML and everything else download.
 */
import { UNSAFE } from '../text';

const TEXT = 'text/plain; charset=utf-8';

/** Types a browser renders without running script in the page's origin, by extension. */
const INLINE: Record<string, string> = {
  png: 'image/png',
  apng: 'image/apng',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  gif: 'image/gif',
  webp: 'image/webp',
  avif: 'image/avif',
  bmp: 'image/bmp',
  ico: 'image/x-icon',
  pdf: 'application/pdf',
  txt: TEXT,
  text: TEXT,
  log: TEXT,
  md: TEXT,
  csv: TEXT,
  mp4: 'video/mp4',
  m4v: 'video/mp4',
  webm: 'video/webm',
  mov: 'video/quicktime',
  ogv: 'video/ogg',
  mp3: 'audio/mpeg',
  m4a: 'audio/mp4',
  aac: 'audio/aac',
  wav: 'audio/wav',
  flac: 'audio/flac',
  ogg: 'audio/ogg',
  oga: 'audio/ogg',
  opus: 'audio/ogg',
};

export interface Served {
  /** The response-content-type the link asks for. */
  contentType: string;
  /** The response-content-disposition, when the browser must save rather than show. */
  disposition?: string;
}

/**
 * `attachment; filename="ascii"; filename*=UTF-8''percent-encoded` (RFC 6266 with RFC 5987), so
 * every browser saves the download under the given name, non-ASCII names included. Control and
 * bidi characters become "_", so a saved file cannot disguise its name ("invoice\u202Efdp.exe").
 */
export function contentDisposition(filename: string): string {
  const clean = filename.replace(/[\r\n"\\/]/g, '_').replace(UNSAFE, '_');
  const ascii = clean.normalize('NFKD').replace(/[^\x20-\x7e]/g, '_');
  const encoded = encodeURIComponent(clean).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  return ascii === clean ? `attachment; filename="${ascii}"` : `attachment; filename="${ascii}"; filename*=UTF-8''${encoded}`;
}

const leafOf = (key: string) => key.replace(/\/+$/, '').slice(key.replace(/\/+$/, '').lastIndexOf('/') + 1) || 'download';

/** The type a name shows inline as, or undefined when it must download. */
export function inlineType(name: string): string | undefined {
  const dot = name.lastIndexOf('.');
  return dot > 0 ? INLINE[name.slice(dot + 1).toLowerCase()] : undefined;
}

/**
 * How a link to `key` is served: inline as a safe type named by its extension, or as a download
 * (a download name asked for always downloads, under that name). `page` is for the pages Ferry
 * itself writes into a bucket (file requests, many-files pages), the only HTML a link shows.
 */
export function servedAs(key: string, opts: { filename?: string; page?: boolean } = {}): Served {
  if (opts.page) return { contentType: 'text/html; charset=utf-8' };
  const leaf = leafOf(key);
  const inline = inlineType(opts.filename ?? leaf);
  if (opts.filename) return { contentType: inline ?? 'application/octet-stream', disposition: contentDisposition(opts.filename) };
  if (inline) return { contentType: inline };
  return { contentType: 'application/octet-stream', disposition: contentDisposition(leaf) };
}
