/**
 * Copies and moves on the server: no bytes pass through this computer. A copy is pinned to the
 * source's ETag and judged ours by what the server answered to it; a move deletes nothing until
 * every copy is on the server and checked, deletes an original only while it is what was
 * copied, and removes its own copies if one fails or the move is cancelled.
 */
import { FerryError, isFerryError } from '../errors';
import { GiB, MiB } from '../transfers/plan';
import { objectsUnder } from './collect';
import { inWords, pool, type ActionOptions } from './manage';
import { checkKey, checkUserKey } from './names';
import type { ObjectInfo, Storage } from './storage';

const encodeSource = (bucket: string, key: string) => `${bucket}/${key.split('/').map(encodeURIComponent).join('/')}`;

/** Objects up to this size are copied by one CopyObject; larger ones in parallel part copies (with progress). */
export const COPY_IN_ONE_UP_TO = 512 * MiB;

/**
 * Copies one object on the server (no bytes pass through this computer), keeping its type and
 * metadata. Large objects go as a multipart copy in ranges, each pinned to the source's ETag.
 */
export async function copyObject(
  storage: Storage,
  from: { bucket: string; key: string },
  to: { bucket: string; key: string },
  opts: ActionOptions & {
    inOneUpTo?: number;
    partSize?: number;
    /** Stops a multipart copy between parts (the parts in flight finish, the upload is aborted), where `signal` would also cut requests off. */
    stopBetweenParts?: AbortSignal;
  } = {},
): Promise<ObjectInfo & { versionId?: string; sourceEtag?: string }> {
  checkKey(to.key);
  const source = await storage.head(from.bucket, from.key);
  const client = storage.client;
  const limit = Math.min(opts.inOneUpTo ?? COPY_IN_ONE_UP_TO, 5 * GiB);
  const call = <T>(fn: () => Promise<T>) => inWords(storage, { bucket: to.bucket, key: to.key }, fn);
  // What this copy made, as the server answered it: how the object at the target is known as ours.
  const made: { etag?: string; versionId?: string } = {};
  // Every copy request is pinned to the source's ETag. Some servers (Swift) answer 412 to
  // If-Match on a multipart object's own ETag: when a fresh HEAD shows the same ETag, the source
  // has not changed, so the copy goes on unpinned and the ETag is checked again afterwards.
  let pin = source.etag;
  const stillSame = async () => (await storage.head(from.bucket, from.key)).etag === source.etag;
  const pinned = <T>(send: (ifMatch: string | undefined) => Promise<T>): Promise<T> => {
    // Requests run at once: what counts is whether this one was pinned, not what `pin` is now.
    const sentWith = pin;
    return call(() =>
      send(sentWith).catch(async (err: unknown) => {
        if ((err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode !== 412 || !sentWith || !(await stillSame())) throw err;
        pin = undefined;
        return send(undefined);
      }),
    );
  };
  const changed = () => new FerryError('FILE_CHANGED', `${from.key} changed while it was being copied; the original was kept. Try again.`);
  if (source.size <= limit) {
    const out = await pinned((ifMatch) =>
      client.send((s) => new s.CopyObjectCommand({ Bucket: to.bucket, Key: to.key, CopySource: encodeSource(from.bucket, from.key), ...(ifMatch ? { CopySourceIfMatch: ifMatch } : {}) }), opts.signal ? { abortSignal: opts.signal } : {}),
    );
    if (!pin && !(await stillSame())) throw changed();
    if (out.CopyObjectResult?.ETag) made.etag = out.CopyObjectResult.ETag;
    if (out.VersionId && out.VersionId !== 'null') made.versionId = out.VersionId;
    opts.onProgress?.(source.size, source.size);
  } else {
    const partSize = Math.max(opts.partSize ?? 256 * MiB, Math.ceil(source.size / 10_000));
    const count = Math.ceil(source.size / partSize);
    const created = await call(() => client.send((s) => new s.CreateMultipartUploadCommand({ Bucket: to.bucket, Key: to.key, ...(source.contentType ? { ContentType: source.contentType } : {}) })));
    const uploadId = created.UploadId!;
    const etags: string[] = [];
    let done = 0;
    try {
      await pool(
        Array.from({ length: count }, (_, i) => i),
        4,
        async (i) => {
          const start = i * partSize;
          const end = Math.min(source.size, start + partSize) - 1;
          const copyPart = (ifMatch: string | undefined) =>
            client.send(
              (s) => new s.UploadPartCopyCommand({
                Bucket: to.bucket,
                Key: to.key,
                UploadId: uploadId,
                PartNumber: i + 1,
                CopySource: encodeSource(from.bucket, from.key),
                CopySourceRange: `bytes=${start}-${end}`,
                ...(ifMatch ? { CopySourceIfMatch: ifMatch } : {}),
              }),
              opts.signal ? { abortSignal: opts.signal } : {},
            );
          const out = await pinned(copyPart);
          etags[i] = out.CopyPartResult?.ETag ?? '';
          done += end - start + 1;
          opts.onProgress?.(done, source.size);
        },
        opts.signal ?? opts.stopBetweenParts,
      );
      if (!pin && !(await stillSame())) throw changed();
      const out = await call(() =>
        client.send((s) => new s.CompleteMultipartUploadCommand({ Bucket: to.bucket, Key: to.key, UploadId: uploadId, MultipartUpload: { Parts: etags.map((ETag, i) => ({ ETag, PartNumber: i + 1 })) } })),
      );
      if (out.ETag) made.etag = out.ETag;
      if (out.VersionId && out.VersionId !== 'null') made.versionId = out.VersionId;
    } catch (err) {
      await client.send((s) => new s.AbortMultipartUploadCommand({ Bucket: to.bucket, Key: to.key, UploadId: uploadId })).catch(() => {});
      throw err;
    }
  }
  const copy = await storage.head(to.bucket, to.key);
  const ours = made.versionId && copy.versionId ? made.versionId === copy.versionId : made.etag ? sameEtag(made.etag, copy.etag) : copy.size === source.size;
  if (!ours) {
    throw new FerryError('REPLACED', `Someone else wrote ${to.key} while Ferry copied ${from.key} there; their object was left as it is, and ${from.key} was kept.`);
  }
  if (copy.size !== source.size) {
    throw new FerryError('S3_ERROR', `The copy of ${from.key} at ${to.key} has ${copy.size} bytes where the original has ${source.size}; the original was kept.`);
  }
  return { ...copy, ...made, ...(source.etag ? { sourceEtag: source.etag } : {}) };
}

const sameEtag = (a: string | undefined, b: string | undefined) => Boolean(a && b && a.replace(/"/g, '') === b.replace(/"/g, ''));

/**
 * Deletes an object only while it is still the one Ferry knows (by ETag), so that what another
 * writer put there meanwhile is never deleted. With a version ID, exactly that version goes.
 * Returns whether it was deleted.
 */
async function deleteIfUnchanged(storage: Storage, bucket: string, key: string, known: { etag?: string; versionId?: string }): Promise<boolean> {
  if (known.versionId) {
    await storage.delete(bucket, key, known.versionId);
    return true;
  }
  const look = () => storage.head(bucket, key).catch((err: unknown) => (isFerryError(err, 'NO_SUCH_KEY') ? undefined : Promise.reject(err)));
  const now = await look();
  if (!now) return true;
  if (known.etag && !sameEtag(known.etag, now.etag)) return false;
  // With versions, exactly the version looked at goes; one added after the look stays. Where the
  // server honours If-Match on DELETE (AWS), one written after the look stays too.
  if (now.etag && (await storage.deleteIfMatch(bucket, key, now.etag, now.versionId))) return true;
  if (now.etag) {
    // Refused: another object is there now, or (Swift, for a multipart object's own ETag) the
    // server's If-Match does not know this ETag. A fresh look tells which.
    const again = await look();
    if (!again) return true;
    if (!sameEtag(again.etag, now.etag)) return false;
  }
  await storage.delete(bucket, key, now.versionId);
  return true;
}

export interface MovePlan {
  from: string;
  to: string;
  size: number;
}

/**
 * What moving an object or folder to a new name means, object by object. A folder (a name ending
 * in "/") moves with everything below it. Refuses when anything would be replaced.
 */
export async function planMove(storage: Storage, bucket: string, from: string, to: string, toBucket = bucket): Promise<MovePlan[]> {
  if (from === to && toBucket === bucket) throw new FerryError('USAGE', 'The new name is the same as the old one.');
  const folder = from.endsWith('/');
  if (folder !== to.endsWith('/')) throw new FerryError('USAGE', folder ? 'A folder moves to a folder: end the new name with "/".' : 'A file moves to a file name, not a folder name ending in "/".');
  if (folder && toBucket === bucket && to.startsWith(from)) throw new FerryError('USAGE', `A folder cannot move into itself (${to} is inside ${from}).`);
  const plan: MovePlan[] = folder
    ? (await objectsUnder(storage, bucket, from)).map((o) => ({ from: o.key, to: to + o.key.slice(from.length), size: o.size }))
    : [{ from, to, size: (await storage.head(bucket, from)).size }];
  if (!plan.length) throw new FerryError('NO_SUCH_KEY', `There is nothing in ${bucket}/${from} to move. Refresh the list to see what is there now.`);
  for (const p of plan) checkUserKey(p.to);
  const taken = folder ? new Set((await objectsUnder(storage, toBucket, to)).map((o) => o.key)) : new Set((await storage.exists(toBucket, to)) ? [to] : []);
  const clashes = plan.filter((p) => taken.has(p.to));
  if (clashes.length) {
    throw new FerryError('OBJECTS_EXIST', `${clashes.length === 1 ? `${clashes[0]!.to} already exists` : `${clashes.length} objects already exist at the new name (${clashes[0]!.to}, …)`} in ${toBucket}; nothing was moved. Choose another name, or delete ${clashes.length === 1 ? 'it' : 'them'} first.`);
  }
  return plan;
}

/**
 * Moves (or renames) an object or a folder: every object is copied and checked first, and only
 * then are the originals deleted. If a copy fails, the copies made so far are removed and the
 * originals stay as they were.
 */
export async function moveObjects(storage: Storage, bucket: string, from: string, to: string, opts: ActionOptions & { toBucket?: string; inOneUpTo?: number; partSize?: number } = {}): Promise<MovePlan[]> {
  const toBucket = opts.toBucket ?? bucket;
  const plan = await planMove(storage, bucket, from, to, toBucket);
  const total = plan.reduce((n, p) => n + p.size, 0);
  const made: Array<{ key: string; etag?: string; versionId?: string }> = [];
  /** What each original was when copied: it is deleted only if it still is. */
  const copiedFrom = new Map<string, string | undefined>();
  const progress = new Map<string, number>();
  const report = () => opts.onProgress?.([...progress.values()].reduce((a, b) => a + b, 0), total);
  try {
    // A cancel starts no new copy and lets those in flight finish (one copy request is not cut
    // off: the server may carry it out anyway, leaving a copy nobody knows of), so every copy
    // made is known, and removed below.
    await pool(
      plan,
      8,
      async (p) => {
        const copy = await copyObject(storage, { bucket, key: p.from }, { bucket: toBucket, key: p.to }, {
          ...(opts.signal ? { stopBetweenParts: opts.signal } : {}),
          ...(opts.inOneUpTo !== undefined ? { inOneUpTo: opts.inOneUpTo } : {}),
          ...(opts.partSize !== undefined ? { partSize: opts.partSize } : {}),
          onProgress: (d) => (progress.set(p.from, d), report()),
        });
        made.push({ key: p.to, ...(copy.etag ? { etag: copy.etag } : {}), ...(copy.versionId ? { versionId: copy.versionId } : {}) });
        copiedFrom.set(p.from, copy.sourceEtag);
      },
      opts.signal,
    );
  } catch (err) {
    // Only the copies still as Ferry made them are removed: never what another writer put there.
    let kept = 0;
    await pool(made, 16, async (m) => void ((await deleteIfUnchanged(storage, toBucket, m.key, m)) || kept++)).catch(() => {});
    if (!isFerryError(err, 'CANCELLED')) throw err;
    const copies = made.length - kept;
    throw new FerryError('CANCELLED', `Move cancelled: nothing was moved${copies ? ` (the ${copies} ${copies === 1 ? 'copy' : 'copies'} made so far ${copies === 1 ? 'was' : 'were'} removed)` : ''}.`, { cause: err });
  }
  const changed: string[] = [];
  await pool(plan, 16, async (p) => {
    if (!(await deleteIfUnchanged(storage, bucket, p.from, { etag: copiedFrom.get(p.from) }))) changed.push(p.from);
  });
  if (changed.length) {
    throw new FerryError(
      'REPLACED',
      `${changed.length === 1 ? `${changed[0]} was` : `${changed.length} objects (${changed[0]}, …) were`} written again by someone else during the move, so ${changed.length === 1 ? 'it was' : 'they were'} kept where ${changed.length === 1 ? 'it is' : 'they are'}; the copy at the new name holds the earlier version. Check both, then delete the one you do not want.`,
    );
  }
  return plan;
}
