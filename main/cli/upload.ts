/**
 * The CLI's uploads. cp FILE, share FILE and each file of share FILE… --one-link go through
 * uploadFile; cp DIR --recursive sends a folder through the window's queue (uploadFolder, with
 * queued.ts); cp - spools stdin to a file for uploadFile (stream.ts). Keys are named by keys.ts;
 * every upload says the same "upload:" line and the same notes after it (sayOutcome), and reads
 * --no-resume and --no-clobber here.
 */
import type { LimitTrace } from '../core/transfers/adaptive';
import { laneLine } from './lanes';
import { stat } from 'node:fs/promises';
import { basename, resolve } from 'node:path';
import { FerryError, isFerryError } from '../core/errors';
import type { Connection } from '../core/ferry';
import { formatS3Url, type S3Location } from '../core/s3/names';
import { expandDrop, skippedReason } from '../core/transfers/drop';
import { LOST_CREATE_QUIET_MS, youngLeftover } from '../core/transfers/lost-create';
import { formatBytes } from '../core/transfers/plan';
import type { Progress } from '../core/transfers/progress';
import type { UploadResult } from '../core/transfers/upload';
import { usage, type Context, type OptionSpecs } from './context';
import { asFolder } from './keys';
import type { ProgressBar } from './progress-bar';
import { throughQueue } from './queued';

/** The options of an upload, besides the shared ones: cp and share take them. */
export const UPLOAD_OPTIONS = {
  'no-resume': { type: 'boolean', help: ['--no-resume', 'with cp/share: start an interrupted upload or download afresh instead of continuing it'] },
  'no-clobber': { type: 'boolean', help: ['--no-clobber', 'with cp/share: replace nothing that exists (an object when uploading, a file when downloading)'] },
} as const satisfies OptionSpecs;

type UploadContext = Context<typeof UPLOAD_OPTIONS>;

/** A local file and the object it becomes. */
export interface Upload {
  file: string;
  bucket: string;
  key: string;
  /**
   * Never replace (share's default): a taken key is kept beside as "name (2).ext", uploaded
   * only-if-absent, and moved on to the next free name if another writer takes it meanwhile;
   * `key` is then the name it was stored under.
   */
  keepBoth?: boolean;
}

/** What an upload says when it is done: on stdout for cp; on stderr for share, whose stdout is for the link alone. */
export function uploadedLine(u: Upload): string {
  return `upload: ${u.file} to ${formatS3Url(u)}`;
}

/** A request cut off by Ctrl-C is the command cancelled, said as `message`; any other failure passes on. */
const stopped = (ctx: UploadContext, message: string) => (err: unknown): never => {
  if (ctx.io.signal?.aborted) throw new FerryError('CANCELLED', message, { cause: err });
  throw err;
};

/** What --no-clobber says of an object it kept. */
const notReplaced = (ctx: UploadContext, u: { bucket: string; key: string }) => ctx.say(`ferry: ${formatS3Url(u)} already exists; not replaced (--no-clobber)`);

/** How cp FILE and share FILE send their file: tuned by the user, with a progress bar. */
export interface Tuning {
  partSize: number | undefined;
  bar: ProgressBar | undefined;
}

/**
 * Uploads one file, continuing an interrupted upload of it unless --no-resume. With `tuning`
 * (cp FILE, share FILE) it goes with the user's --part-size and --concurrency, draws the progress
 * bar, honours --no-clobber (undefined: the object was there and stays) and says on stderr what
 * is worth knowing: the plan with --debug, a continued or restarted upload, a file that changed
 * meanwhile. Without (each file of share FILE… --one-link) it goes with Ferry's defaults and
 * says nothing, as it always has.
 */
export async function uploadFile(ctx: UploadContext, c: Connection, u: Upload, tuning?: Tuning): Promise<UploadResult | undefined> {
  if (!u.keepBoth || ctx.o['no-clobber']) return uploadTo(ctx, c, u, tuning);
  const wanted = u.key;
  const { existingKeys } = await import('../core/s3/collect');
  const { freeNames, keptBeside } = await import('../core/transfers/free-names');
  const taken = (keys: string[]) => existingKeys(c.storage, u.bucket, keys, ctx.io.signal).catch(stopped(ctx, 'Upload cancelled: nothing was sent.'));
  const [free] = await freeNames([wanted], taken);
  const result = await keptBeside(wanted, free!, taken, (key) => uploadTo(ctx, c, Object.assign(u, { key }), tuning, { ifAbsent: true }));
  if (u.key !== wanted) ctx.say(`ferry: ${formatS3Url({ bucket: u.bucket, key: wanted })} is taken, so this file is kept beside it as ${formatS3Url(u)} (--replace replaces it instead)`);
  return result;
}

async function uploadTo(ctx: UploadContext, c: Connection, u: Upload, tuning?: Tuning, held: { ifAbsent?: true } = {}): Promise<UploadResult | undefined> {
  const resume = { resume: !ctx.o['no-resume'] };
  // --no-clobber: looked at first (nothing is sent for a key that is taken), and held to the end
  // (ifAbsent), so another writer's object stored meanwhile is not replaced either.
  const ifAbsent = ctx.o['no-clobber'] || held.ifAbsent ? { ifAbsent: true } : {};
  if (ctx.o['no-clobber'] && (await c.storage.exists(u.bucket, u.key, ctx.io.signal).catch(stopped(ctx, 'Upload cancelled: nothing was sent.')))) return void notReplaced(ctx, u);
  const taken = (err: unknown) => {
    if (isFerryError(err, 'OBJECTS_EXIST') && ctx.o['no-clobber']) return void notReplaced(ctx, u);
    throw err;
  };
  if (!tuning) return c.upload({ file: u.file, bucket: u.bucket, key: u.key, ...ifAbsent, ...ctx.abortable }, resume).catch(taken);
  const { partSize, bar } = tuning;
  const concurrency = ctx.concurrencyOption();
  const result = await c
    .upload(
      {
        file: u.file,
        bucket: u.bucket,
        key: u.key,
        ...ifAbsent,
        ...(concurrency ? { concurrency } : {}),
        ...(partSize ? { partSize } : {}),
        ...ctx.abortable,
        ...(bar ? { onProgress: (p: Progress) => bar.update(p) } : {}),
        // Waiting out a lost network is said, with a bar or without one: never a silent hang.
        onWaiting: ctx.waiting(bar, c.storage.endpoint, 'upload'),
        onPlan: (plan) => {
          if (plan.multipart && c.profile.capabilities?.abortMultipart === false) warnNoAbort(ctx, c);
          if (ctx.o.debug) {
            const inFlight = plan.adapts ? `${plan.concurrency} at a time to start, more while that sends faster` : `${plan.concurrency} at a time`;
            ctx.say(`ferry: ${formatBytes(plan.size)} as ${plan.multipart ? `${plan.partCount} parts of ${formatBytes(plan.partSize)}, ${inFlight}` : 'a single PUT'}${ctx.o['part-size'] || ctx.o.concurrency ? '' : ' (chosen for this file size and provider)'}`);
          }
        },
        ...(ctx.o.debug ? { onLane: (t: LimitTrace) => ctx.say(laneLine('parts', t)) } : {}),
        onResume: ({ partsOnServer, partCount }) => {
          if (ctx.o.debug || ctx.io.stderr.isTTY) ctx.say(`ferry: continuing an interrupted upload: ${partsOnServer} of ${partCount} parts are already on the server`);
        },
        onRestart: (reason) => ctx.say(`ferry: starting the upload over: ${reason}`),
      },
      resume,
    )
    .finally(() => bar?.clear())
    .catch(taken);
  if (!result) return undefined;
  sayOutcome(ctx, u, result);
  return result;
}

/** What is worth knowing of a finished upload beyond its "upload:" line: one file's or each of a folder's. */
function sayOutcome(ctx: UploadContext, u: Upload, result: UploadResult): void {
  if (result.alreadyUploaded) {
    ctx.say(`ferry: ${formatS3Url(u)} already holds this file (an earlier run's upload had finished); nothing was sent`);
  }
  if (result.emptyUploadLeft) ctx.say(`ferry: note: ${youngLeftover(u, LOST_CREATE_QUIET_MS)}`);
  if (result.changedDuringUpload) {
    ctx.say(`ferry: warning: ${u.file} changed while it was being uploaded; ${formatS3Url(u)} holds the ${formatBytes(result.size)} it had when Ferry read it (verified by the server). Upload it again for the newer version.`);
  }
}

/** Said once before uploads start on a server that keeps the parts of a cancelled or failed multipart upload. */
function warnNoAbort(ctx: UploadContext, c: Connection): void {
  ctx.say(`ferry: warning: ${c.storage.endpoint} does not support cancelling multipart uploads (found by ferry accounts test): if this upload is cancelled or fails, its parts may stay on the server and cost money.`);
}

/**
 * cp DIR --recursive: a folder's files under a prefix, as aws s3 cp --recursive does (the
 * folder's own name is not part of the keys). Files move through the same queue as in the
 * window: several small files at once, large ones in parallel parts. One failure does not stop
 * the others; all are reported.
 */
export async function uploadFolder(ctx: UploadContext, dir: string, target: S3Location): Promise<void> {
  const info = await stat(dir).catch(() => undefined);
  if (!info) throw new FerryError('FILE_NOT_FOUND', `There is no folder at ${dir}. Check the path and try again.`);
  if (!info.isDirectory()) throw usage(`${dir} is a file; --recursive uploads a folder. Drop --recursive to upload one file.`);
  const prefix = asFolder(target.key);
  const top = `${basename(resolve(dir))}/`;
  let files = (await expandDrop([dir], '', (s) => ctx.say(`ferry: skipped ${s.link}: ${skippedReason(s, dir)}`))).map((f) => ({ ...f, key: prefix + f.key.slice(top.length) }));
  const failures: string[] = [];
  const results: Array<{ file: string; key: string; size: number }> = [];
  /** Cancelled files whose clean-up on the server is left to a later run (their messages say how). */
  const leftOver: string[] = [];
  await ctx.withConnection(async (c) => {
    if (ctx.o['no-clobber'] && files.length) {
      const { existingKeys } = await import('../core/s3/collect');
      const taken = await existingKeys(c.storage, target.bucket, files.map((f) => f.key), ctx.io.signal).catch(stopped(ctx, 'Upload cancelled: nothing was sent.'));
      for (const f of files) if (taken.has(f.key)) notReplaced(ctx, { bucket: target.bucket, key: f.key });
      files = files.filter((f) => !taken.has(f.key));
    }
    if (files.length && c.profile.capabilities?.abortMultipart === false) warnNoAbort(ctx, c);
    const fresh = { ...(ctx.o['no-resume'] ? { fresh: true } : {}), ...(ctx.o['no-clobber'] ? { ifAbsent: true } : {}) };
    await throughQueue(ctx, c, { onInterrupt: 'cancel' }, files.map((f) => ({ bucket: target.bucket, key: f.key, file: f.file, size: f.size, ...fresh })), {
      done: (t, result) => {
        results.push({ file: t.file, key: t.key, size: t.size });
        if (!ctx.o.json) ctx.out(uploadedLine(t));
        if (result && 'partSize' in result) sayOutcome(ctx, t, result);
      },
      failed: (t) => {
        if (t.errorCode === 'OBJECTS_EXIST') notReplaced(ctx, t);
        else if (t.status === 'cancelled') void (t.error && leftOver.push(`${t.file}: ${t.error}`));
        else failures.push(`${t.file}: ${t.error ?? t.status}`);
      },
    });
  });
  if (ctx.o.json) ctx.json({ uploaded: results, failed: failures });
  if (ctx.io.signal?.aborted) {
    for (const line of leftOver) ctx.say(`ferry: ${line}`);
    const where = formatS3Url({ bucket: target.bucket, key: prefix });
    throw new FerryError('CANCELLED', leftOver.length ? `Upload cancelled. ${leftOver.length} of the files left parts on the server that could not be removed in time (above); the next run of this upload removes them, or see them with ferry uploads ls ${where}.` : 'Upload cancelled.');
  }
  if (failures.length) {
    throw new FerryError('S3_ERROR', `${failures.length} of ${files.length} files were not uploaded; the first: ${failures[0]}`);
  }
}
