/**
 * Continuing an interrupted upload: which parts the server still holds (ListParts, paged and
 * guarded against a server going round in circles), and which of them still match the file,
 * byte for byte, so that only those are kept and the rest sent again.
 */
import { PageGuard } from '../s3/bounds';
import { checkPartNumber, type Storage } from '../s3/storage';
import { partLength, type UploadPlan } from './plan';
import { sdkFailure } from './retry';
import { md5Range, type SourceFile } from './source';
import type { UploadProgressState } from './state';
import { unquote } from './verify';

type Part = UploadProgressState['parts'][number];

/** A part as the server lists it. */
export interface ListedPart {
  PartNumber: number;
  ETag: string;
  Size: number;
}

/** Asks the server which parts of an earlier upload it holds: undefined when the upload is gone, 'unsupported' without ListParts. */
export async function listParts(
  storage: Storage,
  req: { bucket: string; key: string },
  uploadId: string,
  signal: AbortSignal,
  retry: <T>(run: () => Promise<T>) => Promise<T>,
): Promise<ListedPart[] | 'gone' | 'unsupported'> {
  const found: ListedPart[] = [];
  const numbers = new Set<number>();
  const guard = new PageGuard(`the parts of ${req.key}`, storage.endpoint);
  let marker: string | undefined;
  try {
    for (;;) {
      const out = await retry(() =>
        storage.client.send((s) => new s.ListPartsCommand({ Bucket: req.bucket, Key: req.key, UploadId: uploadId, ...(marker ? { PartNumberMarker: marker } : {}) }), {
          abortSignal: signal,
        }),
      );
      const before = numbers.size;
      for (const p of out.Parts ?? []) {
        if (!p.PartNumber || !p.ETag || numbers.has(p.PartNumber)) continue;
        checkPartNumber(p.PartNumber, storage.endpoint);
        numbers.add(p.PartNumber);
        found.push({ PartNumber: p.PartNumber, ETag: p.ETag, Size: p.Size ?? -1 });
      }
      if (!out.IsTruncated || !out.NextPartNumberMarker) return found;
      marker = out.NextPartNumberMarker;
      guard.next(marker, numbers.size - before);
    }
  } catch (err) {
    const { name, status } = sdkFailure(err);
    // Ceph answers NoSuchKey for an upload that was just aborted.
    if (name === 'NoSuchUpload' || name === 'NoSuchKey') return 'gone';
    if (name === 'MethodNotAllowed' || name === 'NotImplemented' || status === 405 || status === 501) return 'unsupported';
    throw err;
  }
}

/**
 * The listed parts that still hold the file's bytes: right size for the plan, and either an ETag
 * that is the range's MD5 or the same ETag and MD5 the saved state recorded (servers whose ETags
 * are not MD5s). The file may have been rewritten with the same size and time, so each is hashed.
 */
export async function keepStoredParts(
  file: string,
  src: SourceFile,
  plan: UploadPlan,
  saved: Part[],
  listed: ListedPart[],
  stop: AbortSignal,
): Promise<{ parts: Array<{ part: Part; md5: Buffer }>; etagsAreMd5: boolean }> {
  const earlier = new Map(saved.map((p) => [p.PartNumber, p]));
  const candidates = listed.filter((p) => p.PartNumber <= plan.partCount && p.Size === partLength(p.PartNumber, plan.partSize, src.size));
  const parts: Array<{ part: Part; md5: Buffer }> = [];
  let etagsAreMd5 = true;
  let next = 0;
  const verify = async () => {
    for (let i = next++; i < candidates.length && !stop.aborted; i = next++) {
      const p = candidates[i]!;
      const start = (p.PartNumber - 1) * plan.partSize;
      const md5 = await md5Range(file, src.handle, start, start + p.Size);
      const hex = md5.toString('hex');
      const before = earlier.get(p.PartNumber);
      const isMd5 = unquote(p.ETag) === hex;
      if (!isMd5 && !(before?.ETag === p.ETag && before.md5 === hex)) continue;
      if (!isMd5) etagsAreMd5 = false;
      parts.push({ part: { PartNumber: p.PartNumber, ETag: p.ETag, ...(isMd5 ? {} : { md5: hex }) }, md5 });
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, plan.concurrency) }, verify));
  return { parts, etagsAreMd5 };
}
