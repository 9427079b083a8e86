/**
 * Bounds on everything a server sends, so a hostile or broken one cannot exhaust memory, hang
 * Ferry or keep it listing forever:
 *
 * - Answers Ferry parses (listings, errors, every XML document) are read at most MAX_XML_BYTES
 *   and MAX_XML_DEPTH deep; an object's own bytes (a successful GetObject) are not limited here,
 *   their readers bound what they keep.
 * - Every response body must keep arriving: a body that delivers under 1 KiB in a whole timeout
 *   period while its reader waits for more fails as a timeout (a server that drips a byte every
 *   few seconds defeats a plain idle timeout).
 * - Paged listings stop when a server repeats a marker or sends pages that go nowhere (PageGuard).
 */
import { createHash } from 'node:crypto';
import { Transform, type Readable, type TransformCallback } from 'node:stream';
import type { DeserializeMiddleware } from '@smithy/types';
import type { ServiceInputTypes, ServiceOutputTypes } from '@aws-sdk/client-s3';
import { FerryError } from '../errors';

/** A listing page of 1,000 keys of 1,024 bytes, URL-encoded, is about 4 MB; nothing S3 sends Ferry to parse is near this. */
export const MAX_XML_BYTES = 16 * 1024 * 1024;
/** S3's documents nest 4 or 5 elements deep. */
export const MAX_XML_DEPTH = 32;
/** A body that delivers less than this in a whole timeout period is stalled. */
const MIN_BYTES_PER_PERIOD = 1024;

const LT = 0x3c;
const GT = 0x3e;
const SLASH = 0x2f;

export interface BodyLimits {
  /** The largest body to read (XML answers); undefined for none. */
  maxBytes?: number;
  /** The deepest element nesting allowed (XML answers). */
  maxDepth?: number;
  /** The period in which at least MIN_BYTES_PER_PERIOD must arrive while the reader waits. */
  periodMs: number;
  /** The whole body must have arrived by then (answers Ferry parses); undefined for none. */
  deadlineMs?: number;
  /** Bytes that must arrive in each period while the reader waits (default 1 KiB). */
  minBytes?: number;
  /** For messages: what the answer was to. */
  what: string;
}

/** An error with the name the retry rules and toFerryError know for "took too long". */
function stalled(what: string, periodMs: number): Error {
  return Object.assign(new Error(`The answer to ${what} stalled: less than 1 KiB arrived in ${Math.round(periodMs / 1000)} s.`), { name: 'TimeoutError' });
}

/**
 * A pass-through that enforces the limits on one response body. Depth is counted from the tags
 * as they pass (an opening tag adds one, a closing or self-closing tag takes one away;
 * declarations, comments and processing instructions count for nothing).
 */
export class BoundedBody extends Transform {
  private bytes = 0;
  private inPeriod = 0;
  private depth = 0;
  /** Inside an opening tag (after "<name", before ">"), where "/>" closes an empty element. */
  private inTag = false;
  /** The byte before this chunk: '<' or '/' matter across chunk boundaries. */
  private last = 0;
  private readonly timer: NodeJS.Timeout;
  private readonly deadline: NodeJS.Timeout | undefined;

  constructor(private readonly limits: BodyLimits) {
    super();
    this.deadline = limits.deadlineMs === undefined ? undefined : setTimeout(() => this.destroy(Object.assign(new Error(`The answer to ${limits.what} took over ${Math.round(limits.deadlineMs! / 1000)} s to arrive.`), { name: 'TimeoutError' })), limits.deadlineMs);
    this.deadline?.unref();
    this.timer = setInterval(() => {
      // Only a reader that waits for bytes counts: one that is busy (writing to disk) leaves data buffered here.
      if (this.inPeriod < (limits.minBytes ?? MIN_BYTES_PER_PERIOD) && this.readableLength === 0 && !this.writableFinished) this.destroy(stalled(limits.what, limits.periodMs));
      this.inPeriod = 0;
    }, limits.periodMs);
    this.timer.unref();
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    this.bytes += chunk.length;
    this.inPeriod += chunk.length;
    if (this.limits.maxBytes !== undefined && this.bytes > this.limits.maxBytes) {
      return done(Object.assign(new Error(`The answer to ${this.limits.what} is over ${this.limits.maxBytes / 1024 / 1024} MiB; no S3 answer is that large, so Ferry stopped reading it.`), { name: 'ResponseTooLarge' }));
    }
    if (this.limits.maxDepth !== undefined && !this.countDepth(chunk)) {
      return done(Object.assign(new Error(`The answer to ${this.limits.what} nests elements over ${this.limits.maxDepth} deep, or holds declarations; no S3 answer does, so Ferry stopped reading it.`), { name: 'ResponseTooLarge' }));
    }
    done(null, chunk);
  }

  private countDepth(chunk: Buffer): boolean {
    let prev = this.last;
    for (let i = 0; i < chunk.length; i++) {
      const c = chunk[i]!;
      if (prev === LT) {
        if (c === SLASH) this.depth--;
        else if (c === 0x21) {
          // '<!': a DOCTYPE, comment or CDATA section. S3 sends none, and the SDK's parser spends
          // time on them that grows with the square of the answer (a 2 MB answer froze Ferry for minutes).
          return false;
        } else if (c !== 0x3f) {
          // '<name': one deeper ('?' and '!' start declarations and comments).
          if (++this.depth > this.limits.maxDepth!) return false;
          this.inTag = true;
        }
      } else if (c === GT) {
        // '/>' ends an empty element only inside its tag: in text it is just two characters.
        if (prev === SLASH && this.inTag) this.depth--;
        this.inTag = false;
      }
      if (c !== LT && c !== GT && c !== SLASH) {
        // Skip ahead to the next byte that matters.
        let j = i + 1;
        while (j < chunk.length && chunk[j] !== LT && chunk[j] !== GT && chunk[j] !== SLASH) j++;
        i = j - 1;
        prev = chunk[i]!;
        continue;
      }
      prev = c;
    }
    this.last = prev;
    return true;
  }

  override _flush(done: TransformCallback): void {
    clearInterval(this.timer);
    clearTimeout(this.deadline);
    done();
  }

  override _destroy(err: Error | null, done: (error: Error | null) => void): void {
    clearInterval(this.timer);
    clearTimeout(this.deadline);
    done(err);
  }
}

/** Puts a body behind the limits, passing errors either way so the reader and the socket both end. */
export function bound(body: Readable, limits: BodyLimits): BoundedBody {
  const guarded = new BoundedBody(limits);
  // A body nobody reads any more (an HTML page refused by its type before the SDK read it) must
  // not crash the process when a bound stops it: readers that are there still get the error.
  guarded.on('error', () => {});
  body.on('error', (err) => guarded.destroy(err));
  guarded.on('close', () => {
    if (!body.readableEnded) body.destroy();
  });
  body.pipe(guarded);
  return guarded;
}

/** The error for an answer that is not S3's, named as errors.ts says "not like an S3 service". */
export function notS3Response(what: string, status: number | undefined): Error {
  return Object.assign(new Error(`Expected an S3 response but got ${what}`), { name: 'NotS3Response', $metadata: { httpStatusCode: status } });
}

/**
 * A web page where S3 should answer (a portal, a wrong URL, a proxy's error page) is never S3's
 * answer, whatever its status: an error page with a DOCTYPE would read as an answer "nested far
 * too deep", one quoting <Code>NoSuchBucket</Code> as a missing bucket, a 200 as a stored object.
 * Only an object's own bytes may be a page, and a HEAD has no body (Swift sends PUT, HEAD and
 * DELETE answers with an empty text/html one). One rule for the SDK's requests (boundResponses)
 * and Ferry's own (wire.ts).
 */
export function webPageAnswer(headers: Record<string, string | string[] | undefined>, status: number | undefined, objectOrHead: boolean): Error | undefined {
  const type = headers['content-type'];
  if (objectOrHead || typeof type !== 'string' || !/html/i.test(type) || headers['content-length'] === '0') return undefined;
  return notS3Response(type, status);
}

/** Answers S3 may take minutes to finish, sending whitespace meanwhile. */
const SLOW_ANSWERS = new Set(['CompleteMultipartUploadCommand', 'CopyObjectCommand', 'UploadPartCopyCommand']);

/**
 * The SDK middleware that bounds every response of a client: innermost in the deserialize step,
 * so it sees the body before the SDK reads it. Only a successful GetObject is an object's own
 * bytes; everything else is an answer the SDK parses.
 */
export function boundResponses(periodMs: number): DeserializeMiddleware<ServiceInputTypes, ServiceOutputTypes> {
  return (next, context) => async (args) => {
    const result = await next(args);
    const response = result.response as { statusCode?: number; body?: unknown };
    const body = response.body as Readable | undefined;
    if (!body || typeof (body as { pipe?: unknown }).pipe !== 'function') return result;
    const command = context.commandName ?? 'a request';
    const data = command === 'GetObjectCommand' && (response.statusCode ?? 0) >= 200 && (response.statusCode ?? 0) < 300;
    const page = webPageAnswer((response as { headers?: Record<string, string | undefined> }).headers ?? {}, response.statusCode, data || /^Head/.test(command));
    if (page) {
      body.destroy();
      throw page;
    }
    // AWS keeps the answer to a long completion or copy open with a space now and then, for
    // minutes: those need only keep arriving, at any rate.
    const slow = SLOW_ANSWERS.has(command) ? { minBytes: 1 } : { deadlineMs: 2 * periodMs };
    response.body = bound(body, { periodMs, what: command.replace(/Command$/, ''), ...(data ? {} : { maxBytes: MAX_XML_BYTES, maxDepth: MAX_XML_DEPTH, ...slow }) });
    return result;
  };
}

/**
 * Guards a paged listing against a server that never ends it: a marker (continuation token,
 * part number, key and upload ID) seen before, or many pages in a row that bring nothing new.
 */
/** Continuation markers S3 sends are a few hundred bytes (a key, encoded, at most a few KiB). */
const MAX_MARKER_BYTES = 8192;

export class PageGuard {
  /** Hashes of the markers seen: a server cannot make Ferry hold what it sends. */
  private readonly seen = new Set<string>();
  private fruitless = 0;
  constructor(
    private readonly what: string,
    private readonly endpoint: string,
  ) {}

  /** Whether a marker may be sent at all: not too large, never seen before (next() judges it again, with the page). */
  fresh(marker: string): boolean {
    return Buffer.byteLength(marker) <= MAX_MARKER_BYTES && !this.seen.has(createHash('sha256').update(marker).digest('base64'));
  }

  /** Call once per page with the marker for the next page and how many new items the page brought. */
  next(marker: string, newItems: number): void {
    if (Buffer.byteLength(marker) > MAX_MARKER_BYTES) {
      throw new FerryError('S3_ERROR', `${this.endpoint} sent a continuation marker for ${this.what} of ${Buffer.byteLength(marker)} bytes; S3's are a few hundred, so the listing stopped. Try again; if it keeps happening, the server is faulty.`);
    }
    const id = createHash('sha256').update(marker).digest('base64');
    if (this.seen.has(id)) {
      throw new FerryError('S3_ERROR', `${this.endpoint} sent a page of ${this.what} it had sent before (the same continuation marker), so the listing stopped rather than run forever. Try again; if it keeps happening, the server is faulty.`);
    }
    this.seen.add(id);
    this.fruitless = newItems > 0 ? 0 : this.fruitless + 1;
    if (this.fruitless > 100) {
      throw new FerryError('S3_ERROR', `${this.endpoint} sent ${this.fruitless} pages of ${this.what} in a row with nothing new in them, so the listing stopped rather than run forever. Try again; if it keeps happening, the server is faulty.`);
    }
  }
}
