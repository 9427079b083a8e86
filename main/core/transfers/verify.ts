/**
 * The final checks of transfers. An upload's: the object at the key is the one this upload made
 * (never deleting another writer's), and an interrupted upload the server no longer has may
 * already be whole. A download's whole-file check, where the server's ETag makes one possible:
 *
 * - a plain ETag (32 hex digits) is the object's MD5: the file's MD5 must equal it;
 * - a multipart ETag ("md5-N") is the MD5 of the N parts' MD5s: with the part size known, the
 *   file's parts must hash to it. The part size comes from the object itself where it says
 *   (Ferry records it on its uploads; AWS answers a HEAD for part 1), or is guessed from the sizes
 *   common tools use; a guess that does not match proves nothing, and only the size check stands;
 * - anything else (SSE-KMS and SSE-C ETags, servers whose ETags are not MD5s): the size check.
 *
 * The file is hashed as its ranges land, in file order, by reading back what is already written
 * (from the page cache), so the check finishes moments after the last byte arrives and a resumed
 * download is checked whole, not only the part fetched this time.
 */
import { createHash, type Hash } from 'node:crypto';
import type { FileHandle } from 'node:fs/promises';
import { FerryError, isFerryError } from '../errors';
import type { Storage } from '../s3/storage';
import { MAX_PARTS, MiB, partLength, type UploadPlan } from './plan';
import type { HashPool } from './hash-pool';
import { md5Of, md5Range, poolFor, type SourceFile } from './source';
import type { UploadProgressState } from './state';

/** Which check a finished download passed. */
export type DownloadCheck = 'md5' | 'parts-md5' | 'size';

export type CheckPlan =
  | { kind: 'md5'; md5: string }
  | { kind: 'parts'; md5: string; count: number; partSize: number; /** The part size was told, not guessed: a mismatch is damage. */ known: boolean }
  | { kind: 'size'; /** Why no byte can be checked. */ why: SizeOnly };

/** Why only a download's size could be checked: no MD5 ETag at all (encryption with KMS or a customer key, a server whose ETags are something else), or parts of a size the object does not tell. */
export type SizeOnly = 'encrypted' | 'not-md5' | 'part-size';

/** Part sizes of common uploaders (AWS CLI, rclone, MinIO's mc, s3cmd, Ferry's own defaults, Ferry's copies). */
const COMMON_PART_SIZES = [8, 5, 16, 15, 10, 64, 32, 100, 128, 256].map((n) => n * MiB);

/** The part sizes that cut `size` bytes into exactly `count` parts, most likely first. */
export function partSizeGuesses(size: number, count: number): number[] {
  const fits = (p: number) => Math.ceil(size / p) === count;
  const guesses = COMMON_PART_SIZES.filter(fits);
  // The AWS CLI doubles its 8 MiB chunk until the file fits in 10,000 parts.
  for (let p = 16 * MiB; p <= 5 * 1024 * MiB; p *= 2) if (fits(p) && !guesses.includes(p)) guesses.push(p);
  return guesses;
}

/** What can be checked for an object with this ETag and size; `partSize` as the object told it, if it did. */
export function checkPlan(etag: string | undefined, size: number, opts: { encrypted?: boolean; partSize?: number } = {}): CheckPlan {
  if (!etag || opts.encrypted) return { kind: 'size', why: opts.encrypted ? 'encrypted' : 'not-md5' };
  const plain = /^"?([0-9a-f]{32})"?$/i.exec(etag);
  if (plain) return { kind: 'md5', md5: plain[1]!.toLowerCase() };
  const multi = /^"?([0-9a-f]{32})-(\d+)"?$/i.exec(etag);
  if (!multi) return { kind: 'size', why: 'not-md5' };
  const count = Number(multi[2]);
  // S3 makes no object of more than 10,000 parts: an ETag that says so is no multipart ETag, and
  // believing it would hold a digest per part (millions, for a hostile count) to check it.
  if (count < 1 || count > MAX_PARTS) return { kind: 'size', why: 'not-md5' };
  // One part: every part size of at least the object's cuts it the same way, so the check is conclusive.
  if (count === 1) return { kind: 'parts', md5: multi[1]!.toLowerCase(), count, partSize: Math.max(size, 1), known: true };
  const told = opts.partSize && Math.ceil(size / opts.partSize) === count ? opts.partSize : undefined;
  const partSize = told ?? partSizeGuesses(size, count)[0];
  return partSize ? { kind: 'parts', md5: multi[1]!.toLowerCase(), count, partSize, known: told !== undefined } : { kind: 'size', why: 'part-size' };
}

/**
 * What can be checked of an object, from what its HEAD or GET said: checkPlan, and where the part
 * size of a multipart ETag is only guessed, the server is asked for its first part's size (AWS
 * answers; Ceph and Swift do not, and the guess stands).
 */
export async function checkPlanFor(storage: Storage, bucket: string, key: string, info: { etag?: string; size: number; encryption?: string; partSize?: number }): Promise<CheckPlan> {
  const plan = checkPlan(info.etag, info.size, { encrypted: Boolean(info.encryption && /kms|customer/i.test(info.encryption)), ...(info.partSize ? { partSize: info.partSize } : {}) });
  if (plan.kind !== 'parts' || plan.known) return plan;
  const told = await storage.firstPartSize(bucket, key, info.size);
  return told ? checkPlan(info.etag, info.size, { partSize: told }) : plan;
}

/**
 * The check of an object's bytes taken in order: the whole MD5, or the MD5s of its parts cut at
 * the plan's part size. `verdict()` says whether they matched ('match'), did not ('mismatch') or
 * could not be judged ('unknown': a guessed part size that did not fit).
 */
export class Digest {
  private whole: Hash = createHash('md5');
  private part: Hash = createHash('md5');
  private partFill = 0;
  private readonly partDigests: Buffer[] = [];

  constructor(private readonly plan: Exclude<CheckPlan, { kind: 'size' }>) {}

  take(bytes: Buffer): void {
    if (this.plan.kind === 'md5') return void this.whole.update(bytes);
    const { partSize } = this.plan;
    for (let at = 0; at < bytes.length; ) {
      const n = Math.min(bytes.length - at, partSize - this.partFill);
      this.part.update(bytes.subarray(at, at + n));
      this.partFill += n;
      at += n;
      if (this.partFill === partSize) this.closePart();
    }
  }

  private closePart(): void {
    this.partDigests.push(this.part.digest());
    this.part = createHash('md5');
    this.partFill = 0;
  }

  verdict(): Verdict {
    if (this.plan.kind === 'md5') return this.whole.digest('hex') === this.plan.md5 ? 'match' : 'mismatch';
    if (this.partFill > 0 || this.partDigests.length === 0) this.closePart();
    return partsVerdict(this.plan, this.partDigests);
  }
}

type Verdict = 'match' | 'mismatch' | 'unknown';

/** Whether the MD5s of an object's parts, cut at the plan's part size, make its multipart ETag. */
function partsVerdict(plan: Extract<CheckPlan, { kind: 'parts' }>, digests: Buffer[]): Verdict {
  const same = digests.length === plan.count && createHash('md5').update(Buffer.concat(digests)).digest('hex') === plan.md5;
  return same ? 'match' : plan.known ? 'mismatch' : 'unknown';
}

/**
 * Hashes a file being written, in order, as far as it is whole. `advance(end)` says the bytes
 * before `end` are written; `result()` waits for the hashing to catch up with `size` and gives
 * the Digest's verdict.
 *
 * The parts of a multipart ETag are independent: each is hashed on a thread of the pool as soon
 * as it is whole (hash-pool.ts), so checking a large download costs the thread that drives every
 * socket nothing (issue 21). A plain MD5 is one hash over the whole file, taken here in order.
 */
export class FileHasher {
  private hashed = 0;
  private target = 0;
  private running: Promise<void> | undefined;
  private readonly digest: Digest;
  private failed: unknown;
  /** The parts given to threads, in order (threaded plans only). */
  private readonly parts: Array<Promise<Buffer>> = [];
  private readonly threaded: { pool: HashPool; partSize: number } | undefined;

  constructor(
    private readonly handle: FileHandle,
    private readonly size: number,
    private readonly plan: Exclude<CheckPlan, { kind: 'size' }>,
    /** Threads for the parts' hashes: the process's pool when not given, none when null. */
    given?: HashPool | null,
  ) {
    this.digest = new Digest(plan);
    const pool = plan.kind === 'parts' ? poolFor(plan.partSize, given) : undefined;
    this.threaded = pool && plan.kind === 'parts' ? { pool, partSize: plan.partSize } : undefined;
  }

  advance(end: number): void {
    if (end <= this.target) return;
    this.target = Math.min(end, this.size);
    if (this.threaded) return this.handOut(this.threaded);
    this.running ??= this.run().finally(() => (this.running = undefined));
  }

  /** Every part now whole goes to a thread (the threads take them in order). */
  private handOut({ pool, partSize }: { pool: HashPool; partSize: number }): void {
    for (;;) {
      const start = this.parts.length * partSize;
      const end = Math.min(start + partSize, this.size);
      if (start >= this.size || end > this.target) return;
      const hashing = md5Of(this.handle, start, end, pool, endedEarly);
      // Judged in result(); a failure meanwhile is no unhandled rejection.
      hashing.catch(() => {});
      this.parts.push(hashing);
    }
  }

  private async run(): Promise<void> {
    const buf = Buffer.allocUnsafe(MiB);
    try {
      while (this.hashed < this.target) {
        const want = Math.min(buf.length, this.target - this.hashed);
        const { bytesRead } = await this.handle.read(buf, 0, want, this.hashed);
        if (bytesRead === 0) throw endedEarly();
        this.digest.take(buf.subarray(0, bytesRead));
        this.hashed += bytesRead;
      }
    } catch (err) {
      this.failed ??= err;
    }
  }

  async result(): Promise<Verdict> {
    this.advance(this.size);
    if (this.threaded && this.plan.kind === 'parts') return partsVerdict(this.plan, await Promise.all(this.parts));
    while (this.running) await this.running;
    if (this.failed) throw this.failed;
    return this.digest.verdict();
  }
}

const endedEarly = () => new Error('the file ended early while being checked');

/** An ETag without its quotes, in lower case. */
export const unquote = (etag: string) => etag.replace(/"/g, '').toLowerCase();

/** AWS's part and object ETags are not MD5s under SSE-KMS (and DSSE-KMS) or SSE-C. */
export function etagIsNotMd5(out: { ServerSideEncryption?: string; SSECustomerAlgorithm?: string }): boolean {
  return Boolean(out.SSECustomerAlgorithm) || /kms/i.test(out.ServerSideEncryption ?? '');
}

/** S3's multipart ETag: the MD5 of the parts' MD5s, "-", the part count. */
const MULTIPART_ETAG = /^"?([0-9a-f]{32})-(\d+)"?$/i;

/** The ETag S3 gives a multipart object of parts with these MD5s (without quotes). */
export function multipartEtag(partMd5: ReadonlyArray<Buffer | undefined>): string | undefined {
  if (partMd5.some((x) => !x)) return undefined;
  return `${createHash('md5').update(Buffer.concat(partMd5 as Buffer[])).digest('hex')}-${partMd5.length}`;
}

/**
 * Whether an interrupted upload the server no longer has was completed: every part in the
 * saved state, the file's bytes still hashing to those parts, and the object's ETag the one
 * those parts make. Returns the object's ETag if so.
 */
export async function alreadyUploaded(storage: Storage, req: { file: string; bucket: string; key: string }, src: SourceFile, plan: UploadPlan, prior: Pick<UploadProgressState, 'parts'>, stop: AbortSignal): Promise<string | undefined> {
  const parts = [...prior.parts].sort((a, b) => a.PartNumber - b.PartNumber);
  if (parts.length !== plan.partCount || parts.some((p, i) => p.PartNumber !== i + 1 || !/^"?[0-9a-f]{32}"?$/i.test(p.ETag))) return undefined;
  const predicted = multipartEtag(parts.map((p) => Buffer.from(unquote(p.ETag), 'hex')));
  const head = await storage.head(req.bucket, req.key).catch(() => undefined);
  if (!head || head.size !== src.size || unquote(head.etag ?? '') !== predicted) return undefined;
  for (const p of parts) {
    if (stop.aborted) return undefined;
    const start = (p.PartNumber - 1) * plan.partSize;
    const md5 = await md5Range(req.file, src.handle, start, start + partLength(p.PartNumber, plan.partSize, src.size));
    if (md5.toString('hex') !== (p.md5 ?? unquote(p.ETag))) return undefined;
  }
  return head.etag;
}

/**
 * Judges the object at the key after this upload's Complete, by what this upload produced: the
 * version ID and ETag the server answered to its own Complete, else the ETag its parts' MD5s
 * make, else its size. Another writer's object there is reported and kept, never deleted.
 * Only an object shown to be this upload's, and wrong (the server assembled other bytes, or
 * stored another size), is removed: that version where the bucket keeps versions.
 */
export async function checkStored(
  storage: Storage,
  req: { bucket: string; key: string },
  size: number,
  mine: { etag?: string; versionId?: string; expected?: string },
  retry: <T>(run: () => Promise<T>) => Promise<T>,
  signal?: AbortSignal,
  /** Only-if-absent: another writer's object there is the key found taken (OBJECTS_EXIST), not ours replaced. */
  ifAbsent = false,
): Promise<string | undefined> {
  const where = `s3://${req.bucket}/${req.key}`;
  const removeOurs = async (why: string): Promise<never> => {
    await storage.delete(req.bucket, req.key, mine.versionId).catch(() => {});
    throw new FerryError('S3_ERROR', `${storage.endpoint} ${why}; Ferry removed the object its upload made. Upload it again.`);
  };
  // The server's own answer to this Complete says it assembled other bytes than the parts sent.
  const answered = MULTIPART_ETAG.exec(mine.etag ?? '');
  if (answered && mine.expected && unquote(mine.etag!) !== mine.expected) {
    await removeOurs(`assembled ${where} from other bytes than Ferry sent (ETag ${mine.etag}, expected "${mine.expected}")`);
  }
  let head;
  try {
    head = await retry(() => storage.head(req.bucket, req.key, signal));
  } catch (err) {
    if (isFerryError(err) && err.code === 'NO_SUCH_KEY') {
      throw new FerryError('REPLACED', `Someone else deleted ${where} just after Ferry's upload finished, so it is not there now. Upload it again if it should be.`);
    }
    throw err;
  }
  const ours =
    mine.versionId && head.versionId ? head.versionId === mine.versionId : mine.etag ? unquote(head.etag ?? '') === unquote(mine.etag) : mine.expected ? unquote(head.etag ?? '') === mine.expected : head.size === size;
  if (!ours) {
    // Servers that take If-None-Match on Complete and ignore it answer 200 and keep theirs
    // (Ceph 16; Swift when its write is newer): the key was taken as Ferry stored it.
    if (ifAbsent && !mine.versionId) throw new FerryError('OBJECTS_EXIST', `${where} was taken by another writer as Ferry stored it; not replaced (--no-clobber).`);
    const kept = mine.versionId ? ` Ferry's upload is kept as an older version (${mine.versionId}).` : '';
    throw new FerryError(
      'REPLACED',
      `Another upload replaced ${where} after Ferry's finished: the object there now (${head.size} bytes${head.etag ? `, ETag ${head.etag}` : ''}) is not the one Ferry sent, and Ferry left it as it is.${kept} Upload again if yours should be the one kept.`,
    );
  }
  if (head.size !== size) await removeOurs(`stored ${head.size} bytes for ${where} instead of ${size}`);
  return mine.etag ?? head.etag;
}
