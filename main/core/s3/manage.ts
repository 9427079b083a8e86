/**
 * Everyday actions on objects that are already stored: delete (many, or a folder with all below
 * it), new folder, search, delete a bucket; copies and moves are in copy.ts. Each either
 * finishes or leaves the bucket as it was. Also the two helpers every action shares: requests
 * told in Ferry's words (inWords) and a few at a time (pool).
 */
import { FerryError, isFerryError } from '../errors';
import { PageGuard } from './bounds';
import { toFerryError } from './errors';
import { checkUserKey } from './names';
import { objectsUnder } from './collect';
import { listedName, type ObjectInfo, type Storage } from './storage';

export interface ActionOptions {
  signal?: AbortSignal;
  /** Work done so far, in items (deletes) or bytes (copies and moves), of the total. */
  onProgress?: (done: number, total: number) => void;
}

/** Runs an SDK request, its failure told in Ferry's words (a FerryError passes as it is). */
export function inWords<T>(storage: Storage, where: { bucket: string; key?: string }, fn: () => Promise<T>): Promise<T> {
  return fn().catch((err: unknown) => {
    throw isFerryError(err) ? err : toFerryError(err, { endpoint: storage.endpoint, account: storage.profile.name, ...where });
  });
}

/**
 * Runs fn over items with a few at a time; stops at the first failure or a cancel, and returns
 * (or throws) only once those in flight have ended, so that what they did is known.
 */
export async function pool<T>(items: T[], width: number, fn: (item: T) => Promise<void>, signal?: AbortSignal): Promise<void> {
  let next = 0;
  let failed: unknown;
  const worker = async () => {
    while (next < items.length && failed === undefined) {
      if (signal?.aborted) {
        failed ??= new FerryError('CANCELLED', 'Cancelled.');
        break;
      }
      const item = items[next++]!;
      try {
        await fn(item);
      } catch (err) {
        failed ??= err;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(width, items.length) }, worker));
  if (failed !== undefined) throw failed;
}

/**
 * Deletes objects and whole folders: a name ending in "/" is a folder, deleted with everything
 * below it. Returns how many objects were deleted. Deleting something already gone is not an
 * error (S3 says the same).
 */
export async function deleteObjects(storage: Storage, bucket: string, names: string[], opts: ActionOptions = {}): Promise<number> {
  const keys = new Set<string>();
  for (const name of names) {
    if (name.endsWith('/')) for (const o of await objectsUnder(storage, bucket, name, opts.signal)) keys.add(o.key);
    else keys.add(name);
  }
  // Folders shown only because keys share a prefix have no marker; deleting their contents removes them.
  const all = [...keys];
  let done = 0;
  opts.onProgress?.(0, all.length);
  await pool(
    all,
    16,
    async (key) => {
      await storage.delete(bucket, key);
      opts.onProgress?.(++done, all.length);
    },
    opts.signal,
  );
  return all.length;
}

/** A new, empty folder: the zero-byte "name/" object S3 consoles and Cyberduck make. */
export async function createFolder(storage: Storage, bucket: string, parent: string, name: string): Promise<string> {
  const clean = name.trim();
  if (!clean) throw new FerryError('USAGE', 'Give the folder a name.');
  if (clean.includes('/')) throw new FerryError('USAGE', 'A folder name cannot contain "/". Make one folder, open it, then make the next inside.');
  if (clean === '.' || clean === '..') throw new FerryError('USAGE', `"${clean}" cannot be a folder name.`);
  const key = `${parent}${clean}/`;
  checkUserKey(key);
  const existing = await storage.listPage(bucket, key, { recursive: true, pageSize: 1 });
  if (existing.objects.length) throw new FerryError('OBJECTS_EXIST', `${bucket}/${key} already exists.`);
  await storage.put(bucket, key, Buffer.alloc(0), { ContentType: 'application/x-directory' });
  return key;
}

/**
 * Objects whose name contains the query (ignoring case), anywhere at or below a prefix: a
 * streamed server-side listing, filtered as it arrives. Returns when `limit` matches are found
 * or `pages` pages were read, with the token to continue from.
 */
export async function searchObjects(
  storage: Storage,
  bucket: string,
  prefix: string,
  query: string,
  opts: { token?: string; limit?: number; pages?: number; signal?: AbortSignal } = {},
): Promise<{ objects: ObjectInfo[]; nextToken?: string; scanned: number }> {
  const q = query.trim().toLowerCase();
  const found: ObjectInfo[] = [];
  const guard = new PageGuard(`the search of ${bucket}/${prefix}`, storage.endpoint);
  let token = opts.token;
  let scanned = 0;
  for (let i = 0; i < (opts.pages ?? 10); i++) {
    const page = await storage.listPage(bucket, prefix, { recursive: true, ...(token ? { token } : {}), ...(opts.signal ? { signal: opts.signal } : {}) });
    scanned += page.objects.length;
    for (const o of page.objects) if (o.key.slice(prefix.length).toLowerCase().includes(q)) found.push(o);
    token = page.nextToken;
    if (token) guard.next(token, page.objects.length);
    if (!token || found.length >= (opts.limit ?? 200)) break;
  }
  return { objects: found, ...(token ? { nextToken: token } : {}), scanned };
}

/**
 * Deletes every version and delete marker in a bucket that keeps versions. A server that keeps no
 * versions (or cannot list them) has none to delete: that answer is not an error here.
 */
async function deleteAllVersions(storage: Storage, bucket: string, signal?: AbortSignal): Promise<void> {
  let keyMarker: string | undefined;
  let versionMarker: string | undefined;
  const guard = new PageGuard(`the versions in ${bucket}`, storage.endpoint);
  for (;;) {
    let page;
    try {
      page = await storage.client.send(
        (s) => new s.ListObjectVersionsCommand({ Bucket: bucket, EncodingType: 'url', ...(keyMarker ? { KeyMarker: keyMarker } : {}), ...(versionMarker ? { VersionIdMarker: versionMarker } : {}) }),
        signal ? { abortSignal: signal } : {},
      );
    } catch (err) {
      const status = (err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
      const name = (err as { name?: string }).name;
      if (!keyMarker && (status === 501 || status === 405 || name === 'NotImplemented')) return;
      throw toFerryError(err, { endpoint: storage.endpoint, account: storage.profile.name, bucket });
    }
    const name = listedName(page.EncodingType);
    const entries = [...(page.Versions ?? []), ...(page.DeleteMarkers ?? [])].filter((v) => v.Key !== undefined).map((v) => ({ ...v, Key: name(v.Key) }));
    await pool(
      entries,
      16,
      async (v) => {
        const del = (versionId?: string) => inWords(storage, { bucket, key: v.Key! }, () => storage.client.send((s) => new s.DeleteObjectCommand({ Bucket: bucket, Key: v.Key!, ...(versionId ? { VersionId: versionId } : {}) })));
        const id = v.VersionId || 'null';
        // Objects stored before versioning was turned on have the version "null"; a server that
        // names no versions takes the name alone.
        await (id === 'null' ? del('null').catch(() => del()) : del(id));
      },
      signal,
    );
    if (!page.IsTruncated) return;
    keyMarker = page.NextKeyMarker === undefined ? undefined : name(page.NextKeyMarker);
    versionMarker = page.NextVersionIdMarker;
    if (!keyMarker) return;
    // Each page's versions were deleted: a repeated marker is a server going round in circles.
    guard.next(JSON.stringify([keyMarker, versionMarker]), entries.length);
  }
}

/**
 * Deletes a bucket. An empty one goes at once; one with objects goes only with withContents,
 * which first deletes every object and aborts every unfinished upload in it.
 */
export async function deleteBucket(storage: Storage, bucket: string, opts: ActionOptions & { withContents?: boolean } = {}): Promise<{ objects: number }> {
  let objects = 0;
  if (opts.withContents) {
    for (const u of await storage.listMultipartUploads(bucket)) await storage.abortMultipartUpload(bucket, u.key, u.uploadId);
    const all = await objectsUnder(storage, bucket, '', opts.signal);
    objects = await deleteObjects(storage, bucket, all.map((o) => o.key), opts);
    // A bucket that keeps versions still holds the older ones and the delete markers just made.
    await deleteAllVersions(storage, bucket, opts.signal);
  } else {
    const first = await storage.listPage(bucket, '', { recursive: true, pageSize: 1 });
    if (first.objects.length) {
      throw new FerryError('BUCKET_NOT_EMPTY', `The bucket ${bucket} is not empty. Delete its contents too (type the bucket's name to confirm), or empty it first.`);
    }
  }
  try {
    await storage.client.send((s) => new s.DeleteBucketCommand({ Bucket: bucket }));
  } catch (err) {
    const e = toFerryError(err, { endpoint: storage.endpoint, account: storage.profile.name, bucket });
    if (e.code === 'BUCKET_NOT_EMPTY') {
      throw new FerryError('BUCKET_NOT_EMPTY', `The bucket ${bucket} still holds something: objects added while it was being emptied, or versions the server would not list. Delete it again; if it stays, empty it in the provider's console.`, { cause: err });
    }
    throw e;
  }
  return { objects };
}
