import { rm, stat } from 'node:fs/promises';
import { basename, dirname, join, sep } from 'node:path';
import { FerryError, isFerryError } from '../../core/errors';
import { formatS3Url, parseS3Url, type S3Location } from '../../core/s3/names';
import type { DownloadResult } from '../../core/transfers/download';
import { formatBytes } from '../../core/transfers/plan';
import type { Progress } from '../../core/transfers/progress';
import type { LimitTrace } from '../../core/transfers/adaptive';
import { usage as usageError, type Context, type OptionSpecs, type UsageLine } from '../context';
import { asFolder, intoKey, oneObject } from '../keys';
import { laneLine } from '../lanes';
import { UPLOAD_OPTIONS, uploadedLine, uploadFile, uploadFolder } from '../upload';
import { throughQueue } from '../queued';
import { downloadToStream, fromStdin, staleStdinFolders, stdinKey, streamTarget } from '../stream';

const UPLOAD_SHAPE = 'FILE s3://bucket[/key]';

export const usage: readonly UsageLine[] = [
  [`cp ${UPLOAD_SHAPE}`, "upload a file (a key ending in / keeps the file's name; - reads stdin)"],
  ['cp DIR s3://bucket[/prefix] --recursive', "upload a folder's files under the prefix"],
  ['cp s3://bucket/key [FILE|DIR|-]', 'download an object (in parallel ranges; an interrupted download continues; - writes stdout)'],
  ['cp s3://bucket/prefix/ DIR --recursive', "download a folder's objects into DIR"],
];

export const options = { ...UPLOAD_OPTIONS, recursive: { type: 'boolean' } } as const satisfies OptionSpecs;

/** Uploads a file or (--recursive) a folder, or downloads an object or (--recursive) a folder: whichever side is s3:// says which. */
export async function run(ctx: Context<typeof options>): Promise<void> {
  if (ctx.args[0]?.startsWith('s3://')) {
    ctx.arity(1, 2, 's3://bucket/key [FILE or FOLDER]');
    if (ctx.args[1]?.startsWith('s3://')) throw usageError('To copy within S3, use ferry mv (moves) or download and upload again.');
    return download(ctx);
  }
  ctx.arity(2, 2, UPLOAD_SHAPE);
  const [file, target] = ctx.args as [string, string];
  if (file === '-') return uploadStdin(ctx, parseS3Url(target));
  if (ctx.o.recursive) return uploadFolder(ctx, file, parseS3Url(target));
  // As aws s3 cp: a folder goes up only when asked to.
  if ((await stat(file).catch(() => undefined))?.isDirectory()) throw usageError(`${file} is a folder; uploading a folder and everything in it needs --recursive.`);
  const loc = parseS3Url(target);
  const upload = { file, bucket: loc.bucket, key: intoKey(loc.key, basename(file)) };
  const tuning = { partSize: ctx.partSize(), bar: ctx.progress() };
  const result = await ctx.withConnection((c) => uploadFile(ctx, c, upload, tuning));
  if (!result) return;
  if (ctx.o.json) ctx.json(result);
  else ctx.out(uploadedLine(upload));
}

/**
 * Downloads an object to a file or folder (or, with --recursive, a whole prefix into a folder).
 * A folder's objects each get a file of their own (two keys never write one file), a key that
 * cannot be a file here is skipped with the reason, and one object's failure does not stop the
 * rest; the command fails at the end if any did.
 */
async function download(ctx: Context<typeof options>): Promise<void> {
  const [source, target = '.'] = ctx.args as [string, string | undefined];
  const { bucket, key } = parseS3Url(source);
  if (target === '-' && ctx.o.recursive) throw usageError('A folder cannot go to stdout: give a folder to download into.');
  const [{ makeFolder, planRecursive }, { downloadName }] = await Promise.all([import('../../core/transfers/targets'), import('../../core/transfers/download')]);
  const bar = ctx.progress();
  const concurrency = ctx.concurrencyOption();
  const partSize = ctx.partSize();
  // Ctrl-C keeps what arrived (a pause): the same command continues it, as the help says.
  const opts = { replace: true, ...(ctx.io.signal ? { pauseSignal: ctx.io.signal } : {}), ...(concurrency ? { concurrency } : {}), ...(partSize !== undefined ? { partSize } : {}), ...(ctx.o['no-resume'] ? { resume: false } : {}) };
  const targetInfo = await stat(target).catch(() => undefined);
  const results: DownloadResult[] = [];
  const failures: string[] = [];
  /** What --json prints for one object when it is not a finished file's result (a stream, a file kept). */
  let single: object | undefined;
  const exists = (file: string) => stat(file).then(() => true, () => false);
  await ctx.withConnection(async (c) => {
    if (ctx.o.recursive) {
      const { items, skipped } = await planRecursive(c.storage, bucket, asFolder(key), target, ctx.io.signal);
      const under = formatS3Url({ bucket, key: asFolder(key) });
      if (!items.length && !skipped.length) ctx.say(`ferry: nothing under ${under} to download; no folder was made. Check the name: ferry ls ${under}`);
      for (const s of skipped) failures.push(`${formatS3Url({ bucket, key: s.key })}: skipped: ${s.reason}`);
      for (const s of skipped) ctx.say(`ferry: skipped ${formatS3Url({ bucket, key: s.key })}: ${s.reason}`);
      const wanted: typeof items = [];
      const here: string[] = [];
      for (const o of items) {
        if (ctx.o['no-clobber'] && (await exists(o.file))) here.push(o.file);
        else wanted.push(o);
      }
      // One line, however many: a stopped folder download rerun with --no-clobber (as it advises) finds most files here.
      if (here.length === 1) ctx.say(`ferry: ${here[0]} already exists; not replaced (--no-clobber)`);
      else if (here.length) ctx.say(`ferry: ${here.length} files already here were left as they are (--no-clobber), ${here[0]} the first`);
      // Through the window's queue: several small objects at once, large ones in parallel ranges.
      await throughQueue(ctx, c, { onInterrupt: 'pause' }, wanted.map((o) => ({ direction: 'download' as const, bucket, key: o.key, file: o.file, folder: o.folder, size: o.size, replace: true, ...(ctx.o['no-resume'] ? { fresh: true } : {}) })), {
        done: (t, r) => {
          results.push(r as DownloadResult);
          if (!ctx.o.json) ctx.out(`download: ${formatS3Url({ bucket, key: t.key })} to ${t.file}`);
        },
        failed: (t) => {
          if (t.status === 'cancelled') return;
          const why = t.error ?? t.status;
          failures.push(`${formatS3Url({ bucket, key: t.key })}: ${why}`);
          ctx.say(`ferry: ${formatS3Url({ bucket, key: t.key })} was not downloaded: ${why}`);
        },
      });
      if (ctx.io.signal?.aborted) {
        const left = wanted.length - results.length - failures.length + skipped.length;
        throw new FerryError(
          'CANCELLED',
          `Download stopped with ${results.length} of ${wanted.length} files done; what arrived of the ${left} not done is kept. Run the same command again to continue${ctx.o['no-clobber'] || !results.length ? '' : ', with --no-clobber so the files already here are not fetched again'}.`,
        );
      }
      sizeOnly(ctx, results);
      return;
    }
    if (!key || key.endsWith('/')) throw usageError('Give an object to download (s3://bucket/key), or a folder with --recursive.');
    if (await streamTarget(target)) {
      // Into stdout, a device or a pipe: written into, never replaced.
      const r = await oneObject(c, bucket, key, 'downloading', () => downloadToStream(ctx, c, { bucket, key }, target, ctx.bytesOut));
      // stdout carries the bytes: nothing else goes there.
      if (target !== '-') single = { bucket, key, file: target, ...r };
      return;
    }
    const file = targetInfo?.isDirectory() || target.endsWith('/') ? join(target, downloadName(key)) : target;
    // As aws s3 cp: the folder the file goes into is made if it is not there.
    await makeFolder(dirname(file));
    if (ctx.o['no-clobber'] && (await exists(file))) {
      ctx.say(`ferry: ${file} already exists; not replaced (--no-clobber)`);
      single = { bucket, key, file, notReplaced: true };
      return;
    }
    let kept = 0;
    const r = await oneObject(c, bucket, key, 'downloading', () =>
      c
        .download({
          bucket,
          key,
          file,
          ...opts,
          onKept: (b) => (kept = b),
          onResume: (b, size) => {
            if (ctx.o.debug || ctx.io.stderr.isTTY) ctx.say(`ferry: continuing an interrupted download: ${formatBytes(b)} of ${formatBytes(size)} are already here`);
          },
          ...(bar ? { onProgress: (p: Progress) => bar.update(p) } : {}),
          onWaiting: ctx.waiting(bar, c.storage.endpoint, 'download'),
          ...(ctx.o.debug ? { onLane: (t: LimitTrace) => ctx.say(laneLine('ranges', t)) } : {}),
        })
        .finally(() => bar?.clear()),
    ).catch((err: unknown) => {
      if (!isFerryError(err, 'PAUSED')) throw err;
      throw new FerryError('CANCELLED', `Download stopped; the ${formatBytes(kept)} that arrived are kept beside ${file}. Run the same command again to continue it.`, { cause: err });
    });
    results.push(r);
    if (!ctx.o.json) ctx.out(`download: ${formatS3Url({ bucket, key })} to ${file}`);
    sizeOnly(ctx, results);
  });
  bar?.clear();
  if (ctx.o.json && (ctx.o.recursive || results[0] || single)) ctx.json(ctx.o.recursive ? { downloaded: results, failed: failures } : (results[0] ?? single));
  if (failures.length) {
    throw new FerryError('S3_ERROR', `${failures.length} of ${results.length + failures.length} objects were not downloaded; the first: ${failures[0]}`);
  }
}

/**
 * cp - s3://bucket/key: what arrives on stdin, as one object (see stream.ts). If it does not
 * complete, what it sent is removed at once: there is no file to continue from later.
 */
async function uploadStdin(ctx: Context<typeof options>, loc: S3Location): Promise<void> {
  if (ctx.o.recursive) throw usageError('stdin is one stream, not a folder: drop --recursive.');
  const key = stdinKey(loc);
  const tuning = { partSize: ctx.partSize(), bar: ctx.progress() };
  const result = await fromStdin(ctx, (file) =>
    ctx.withConnection(async (c) => {
      // What a killed cp - left (its temporary copy, its parts on the server) goes first.
      for (const dir of await staleStdinFolders()) {
        const left = (await ctx.ferry.uploadStates.list().catch(() => [])).filter((s) => s.file.startsWith(`${dir}${sep}`));
        const mine = (s: { account: string; endpoint: string }) => s.account === c.profile.name && s.endpoint === c.storage.endpoint;
        for (const s of left.filter(mine)) await c.abandon(s.file, s.bucket, s.key).catch(() => {});
        if (left.every(mine)) await rm(dir, { recursive: true, force: true });
      }
      try {
        return await uploadFile(ctx, c, { file, bucket: loc.bucket, key }, tuning);
      } catch (err) {
        await c.abandon(file, loc.bucket, key).catch(() => {});
        if (!isFerryError(err) || err.code === 'CANCELLED') throw err;
        throw new FerryError(err.code, `${err.message.replace(/ (The finished parts are kept|The interrupted upload is kept|Run the same upload again).*$/s, '')} Nothing from stdin was stored; send it again.`, { cause: err });
      }
    }),
  );
  if (!result) return;
  if (ctx.o.json) ctx.json({ ...result, file: '-' });
  else ctx.out(`upload: - to ${formatS3Url({ bucket: loc.bucket, key })}`);
}

/**
 * Downloads whose bytes could not be checked are said, as a checked one needs no word: only their
 * length was (an ETag that is no MD5 of the bytes: encryption with KMS or a customer key, a
 * server whose ETags are not MD5s, or parts of a size the object does not tell). --debug says
 * which check every download passed.
 */
function sizeOnly(ctx: Context, results: DownloadResult[]): void {
  if (ctx.o.debug) for (const r of results) ctx.say(`ferry: ${formatS3Url(r)}: ${r.verified === 'md5' ? 'every byte checked against its MD5 (ETag)' : r.verified === 'parts-md5' ? "every byte checked against its parts' MD5s (ETag)" : `only its size could be checked (${SIZE_ONLY[r.sizeOnly ?? 'not-md5']})`}`);
  const unchecked = results.filter((r) => r.verified === 'size');
  if (!unchecked.length || ctx.o.debug) return;
  const what = unchecked.length === 1 ? formatS3Url(unchecked[0]!) : `${unchecked.length} of the ${results.length} files`;
  const whys = [...new Set(unchecked.map((r) => r.sizeOnly ?? 'not-md5'))].map((w) => SIZE_ONLY[w]);
  ctx.say(`ferry: note: only the size of ${what} could be checked, not ${unchecked.length === 1 ? 'its' : 'their'} bytes: ${whys.join('; ')}.`);
}

/** Why a download's bytes could not be checked, as the note says it. */
const SIZE_ONLY: Record<NonNullable<DownloadResult['sizeOnly']>, string> = {
  'part-size': 'uploaded in parts of a size the object does not record and Ferry could not work out (its ETag is the MD5 of those parts)',
  encrypted: 'encrypted with a KMS or customer key, so its ETag is no MD5 of its bytes',
  'not-md5': "the server's ETag for it is no MD5 of its bytes",
};
