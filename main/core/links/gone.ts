/**
 * Whether what issued links point to is still there. A link outlives nothing: once its object is
 * deleted it answers NoSuchKey to whoever opens it, and the history cannot know that unless it
 * asks. Only the server's own "no such object" (NoSuchKey, a 404) counts as gone; a network error,
 * refused keys or a server too slow for the deadline leave the link unmarked, with the reason.
 */
import { FerryError, isFerryError } from '../errors';
import type { LinkRecord } from './link-history';
import { joinSignals } from '../signals';

/** What the links' checks need of an account's storage (Storage has it). */
export interface HeadStorage {
  exists(bucket: string, key: string, signal?: AbortSignal): Promise<boolean>;
  getBytes(bucket: string, key: string, limit: number): Promise<Buffer>;
}

export interface LinkState {
  /** The link's own object is gone (the file; a share's or private link's page), so the link opens nothing. */
  objectGone: boolean;
  /** A one-link share's or private link's files: how many are gone, of how many were checked. */
  files?: { gone: number; of: number };
}

/** A link not checked, and why, in words for "could not check: …". */
export interface Unchecked {
  record: LinkRecord;
  why: string;
}

export interface CheckOptions {
  /** Requests at once, over all the links. */
  concurrency: number;
  /** The whole check gives up after this long: what was not answered by then stays unchecked. */
  deadlineMs: number;
  signal?: AbortSignal;
}

/** A share page of more files than this is checked by its page alone. */
export const MAX_FILES_CHECKED = 1000;
/** A share page is read up to this size (a page of MAX_FILES_CHECKED signed links is well under it). */
const PAGE_LIMIT = 4 * 1024 * 1024;

/**
 * Checks each record's objects on the storage `storageFor` gives it (undefined with a reason: the
 * record is not checked), at most `concurrency` requests at once, all within `deadlineMs`.
 */
export async function checkLinks(
  records: readonly LinkRecord[],
  storageFor: (r: LinkRecord) => Promise<HeadStorage | string>,
  opts: CheckOptions,
): Promise<{ states: Map<LinkRecord, LinkState>; unchecked: Unchecked[] }> {
  const states = new Map<LinkRecord, LinkState>();
  const unchecked: Unchecked[] = [];
  const deadline = AbortSignal.timeout(opts.deadlineMs);
  const stopping = joinSignals(opts.signal, deadline);
  const signal = stopping.signal;
  const late = new Promise<never>((_resolve, reject) => {
    const stop = () => reject(new Late());
    if (signal.aborted) stop();
    else signal.addEventListener('abort', stop, { once: true });
  });
  late.catch(() => {});
  const slots = limiter(opts.concurrency);
  /** One request in a slot, never waited for past the deadline. */
  const ask = <T>(fn: () => Promise<T>): Promise<T> => Promise.race([slots(() => (signal.aborted ? late : fn())), late]);

  await Promise.all(
    records.map(async (record) => {
      try {
        const storage = await Promise.race([storageFor(record), late]);
        if (typeof storage === 'string') return unchecked.push({ record, why: storage });
        states.set(record, await checkOne(record, storage, ask, signal));
      } catch (err) {
        if (opts.signal?.aborted) return;
        unchecked.push({ record, why: reason(err, opts.deadlineMs) });
      }
    }),
  ).finally(stopping.release);
  if (opts.signal?.aborted) throw new FerryError('CANCELLED', 'Cancelled.');
  return { states, unchecked };
}

async function checkOne(record: LinkRecord, storage: HeadStorage, ask: <T>(fn: () => Promise<T>) => Promise<T>, signal: AbortSignal): Promise<LinkState> {
  const there = (key: string) => ask(() => storage.exists(record.bucket, key, signal));
  const objectGone = !(await there(record.key));
  let files: string[] | undefined;
  if (record.private) files = record.private.objects;
  else if (record.share && !objectGone) files = await ask(() => storage.getBytes(record.bucket, record.key, PAGE_LIMIT)).then(shareFiles, () => undefined);
  if (!files || (!record.private && !files.length) || files.length > MAX_FILES_CHECKED) return { objectGone };
  const found = await Promise.all(files.map(there));
  return { objectGone, files: { gone: found.filter((f) => !f).length, of: files.length } };
}

/** The keys a one-link share's page lists (sharing.ts renderIndexPage), or undefined when it is not such a page any more. */
export function shareFiles(page: Buffer): string[] | undefined {
  const data = /<script type="application\/json" id="ferry-data">([^<]*)<\/script>/.exec(page.toString('utf8'))?.[1];
  if (data === undefined) return undefined;
  try {
    const parsed = JSON.parse(data) as { files?: unknown };
    if (!Array.isArray(parsed.files)) return undefined;
    // A page names each object's key; pages made before it said the key only as the name.
    const names = parsed.files.map((f: unknown) => (f && typeof f === 'object' ? ((f as { key?: unknown }).key ?? (f as { name?: unknown }).name) : undefined));
    return names.every((n): n is string => typeof n === 'string' && n.length > 0) ? names : undefined;
  } catch {
    return undefined;
  }
}

class Late extends Error {}

/** Why a link could not be checked, short: "offline", "no answer in 5 s", or the error's own words. */
function reason(err: unknown, deadlineMs: number): string {
  if (err instanceof Late || (err as { name?: string }).name === 'TimeoutError') return `no answer within ${deadlineMs < 1000 ? `${deadlineMs} ms` : `${Math.round(deadlineMs / 1000)} s`}`;
  if (isFerryError(err)) {
    if (err.code === 'ENDPOINT_UNREACHABLE') return `offline (${err.message.replace(/\.? Check the endpoint URL.*$/, '')})`;
    return err.message;
  }
  return err instanceof Error ? err.message : String(err);
}

/** Runs at most `n` of the functions given at once, in the order given. */
function limiter(n: number): <T>(fn: () => Promise<T>) => Promise<T> {
  let running = 0;
  const waiting: Array<() => void> = [];
  return async <T>(fn: () => Promise<T>): Promise<T> => {
    if (running >= n) await new Promise<void>((resolve) => waiting.push(resolve));
    running++;
    try {
      return await fn();
    } finally {
      running--;
      waiting.shift()?.();
    }
  };
}
