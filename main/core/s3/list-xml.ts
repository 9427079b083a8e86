/**
 * A ListObjectsV2 answer read as it arrives (issue 21): no document is built, each entry is
 * handed on when its element closes, and the continuation token as soon as it is read, so the
 * next page can be asked for while this one is still arriving. What it reads is what the SDK's
 * deserialiser reads from the same document (test/unit/list-xml.test.ts compares them); the
 * body reaching it is already bounded in size, depth and time (bounds.ts), and holds no
 * declarations, comments or CDATA (bounds.ts refuses them).
 */
import { StringDecoder } from 'node:string_decoder';

export interface ListedObject {
  key: string;
  size: number;
  lastModified?: string;
  etag?: string;
}

export interface ListResult {
  contents: ListedObject[];
  prefixes: string[];
  isTruncated: boolean;
  nextToken?: string;
  encodingType?: string;
}

/** The longest tag (name and attributes) a listing has: S3's root with its namespace is under 100 bytes. */
const MAX_TAG = 1024;

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

/** XML text with its five entities and character references resolved. */
export function xmlText(s: string): string {
  if (!s.includes('&')) return s;
  return s.replace(/&(#x[0-9a-fA-F]+|#\d+|amp|lt|gt|quot|apos);/g, (_, e: string) => {
    if (e[0] !== '#') return ENTITIES[e]!;
    const code = e[1] === 'x' ? Number.parseInt(e.slice(2), 16) : Number(e.slice(1));
    return code <= 0x10ffff ? String.fromCodePoint(code) : '';
  });
}

/** An answer that is not a listing: the same name Ferry's SDK guard gives one (client.ts), so the message says "not S3". */
const notAListing = (what: string) => Object.assign(new Error(`Expected an S3 listing but got ${what}`), { name: 'NotS3Response' });

/**
 * Feeds on the body's chunks; `onToken` hears the continuation token the moment it is read.
 * `end()` gives the page (entries in document order, as the SDK gives them).
 */
export class ListParser {
  private readonly decoder = new StringDecoder('utf8');
  private rest = '';
  private readonly path: string[] = [];
  private text = '';
  private current: Partial<ListedObject> & { key?: string } = {};
  private readonly result: ListResult = { contents: [], prefixes: [], isTruncated: false };

  constructor(private readonly onToken?: (token: string) => void) {}

  write(chunk: Buffer): void {
    this.scan(this.rest + this.decoder.write(chunk));
  }

  end(): ListResult {
    this.scan(this.rest + this.decoder.end());
    if (this.path.length || !this.seenRoot) throw notAListing(this.seenRoot ? 'a document cut short' : 'no XML document');
    return this.result;
  }

  private seenRoot = false;

  private scan(s: string): void {
    let i = 0;
    for (;;) {
      const lt = s.indexOf('<', i);
      if (lt < 0) {
        this.text += s.slice(i);
        this.rest = '';
        return;
      }
      const gt = s.indexOf('>', lt);
      if (gt < 0) {
        // A tag is a name and a namespace at most: one that runs on is not S3's (and is never
        // searched again from its start, chunk after chunk).
        if (s.length - lt > MAX_TAG) throw notAListing('a tag that never ends');
        this.text += s.slice(i, lt);
        this.rest = s.slice(lt);
        return;
      }
      if (gt - lt > MAX_TAG) throw notAListing('a tag that never ends');
      this.text += s.slice(i, lt);
      this.tag(s.slice(lt + 1, gt));
      i = gt + 1;
    }
  }

  private tag(inner: string): void {
    if (inner.startsWith('?')) return;
    if (inner.startsWith('/')) return this.close(inner.slice(1).trim());
    const selfClosing = inner.endsWith('/');
    const name = /^[^\s/]+/.exec(inner)?.[0] ?? '';
    if (!this.path.length) {
      if (name !== 'ListBucketResult') throw notAListing(`<${name.slice(0, 40)}>`);
      this.seenRoot = true;
    }
    this.path.push(name);
    this.text = '';
    if (selfClosing) this.close(name);
  }

  private close(name: string): void {
    if (this.path[this.path.length - 1] !== name) throw notAListing('mismatched tags');
    const depth = this.path.length;
    const parent = this.path[depth - 2];
    const value = xmlText(this.text);
    this.path.pop();
    this.text = '';
    if (depth === 3 && parent === 'Contents') {
      if (name === 'Key') this.current.key = value;
      else if (name === 'Size') this.current.size = Number(value);
      else if (name === 'LastModified') {
        const at = new Date(value);
        if (!Number.isNaN(at.getTime())) this.current.lastModified = at.toISOString();
      } else if (name === 'ETag') this.current.etag = value;
    } else if (depth === 3 && parent === 'CommonPrefixes' && name === 'Prefix') {
      this.result.prefixes.push(value);
    } else if (depth === 2) {
      if (name === 'Contents') {
        const c = this.current;
        this.result.contents.push({ key: c.key ?? '', size: Number.isFinite(c.size) ? c.size! : 0, ...(c.lastModified ? { lastModified: c.lastModified } : {}), ...(c.etag ? { etag: c.etag } : {}) });
        this.current = {};
      } else if (name === 'IsTruncated') this.result.isTruncated = value === 'true';
      else if (name === 'NextContinuationToken') {
        this.result.nextToken = value;
        this.onToken?.(value);
      } else if (name === 'EncodingType') this.result.encodingType = value;
    }
  }
}
