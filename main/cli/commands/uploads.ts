import { FerryError, isFerryError } from '../../core/errors';
import { describeDuration } from '../../core/links/expiry';
import { formatS3Url, parseS3Url } from '../../core/s3/names';
import { formatBytes } from '../../core/transfers/plan';
import { usage as usageError, type Context, type OptionSpecs, type UsageLine } from '../context';

export const usage: readonly UsageLine[] = [
  ['uploads ls s3://bucket[/prefix]', 'unfinished multipart uploads (billed until aborted): age, parts, size'],
  ['uploads abort s3://bucket[/key|/folder/] [--older-than 1d] [--upload-id ID]', "abort them: a key's, a folder's, or the bucket's"],
];

export const options = { 'upload-id': { type: 'string' }, 'older-than': { type: 'string' } } as const satisfies OptionSpecs;

/** Unfinished multipart uploads: listed with what they cost, and aborted. */
export async function run(ctx: Context<typeof options>): Promise<void> {
  const [sub, target, ...extra] = ctx.args;
  if ((sub !== 'ls' && sub !== 'abort') || !target || extra.length) {
    throw usageError('Usage: ferry uploads ls s3://bucket[/prefix] | ferry uploads abort s3://bucket[/key|/folder/] [--older-than 1d] [--upload-id ID].');
  }
  const { bucket, key: prefix } = parseS3Url(target);
  const olderThan = ctx.o['older-than'] ? parseAge(ctx.o['older-than']) : 0;
  const now = ctx.ferry.clock.now();
  await ctx.withConnection(async (c) => {
    // ls lists by prefix; abort takes a key as that key alone (s3://b/report must not abort
    // report-final.pdf's upload), a folder (ending in /) or the whole bucket.
    const named = (key: string) => sub === 'ls' || !prefix || prefix.endsWith('/') || key === prefix;
    const uploads = (await c.storage.listMultipartUploads(bucket, prefix || undefined, ctx.io.signal)).filter(
      (u) => named(u.key) && (!ctx.o['upload-id'] || u.uploadId === ctx.o['upload-id']) && (!olderThan || (u.initiated && now - Date.parse(u.initiated) >= olderThan * 1000)),
    );
    if (sub === 'ls') {
      const rows = [];
      for (const u of uploads) rows.push({ ...u, ...(await c.storage.multipartUsage(bucket, u.key, u.uploadId, ctx.io.signal)) });
      if (ctx.o.json) return ctx.json(rows);
      if (!rows.length) return ctx.out(`No unfinished uploads in s3://${bucket}/${prefix}`);
      for (const r of rows) {
        const age = r.initiated ? `${describeDuration((now - Date.parse(r.initiated)) / 1000)} old` : 'age unknown';
        ctx.out(`${age.padEnd(22)} ${String(r.parts).padStart(5)} parts ${formatBytes(r.bytes).padStart(10)}  ${formatS3Url({ bucket, key: r.key })}  ${r.uploadId}`);
      }
      return;
    }
    // An upload a Ferry on this computer is sending now is left to it, said, and counted as a failure.
    const aborted: { key: string; uploadId: string }[] = [];
    const kept: { key: string; uploadId: string; reason: string }[] = [];
    for (const u of uploads) {
      try {
        await ctx.ferry.uploadStates.abortFromOutside(c.storage, bucket, u.key, u.uploadId);
      } catch (err) {
        if (!isFerryError(err, 'UPLOAD_IN_PROGRESS')) throw err;
        kept.push({ key: u.key, uploadId: u.uploadId, reason: err.message });
        ctx.say(`ferry: not aborted: ${err.message}`);
        continue;
      }
      aborted.push({ key: u.key, uploadId: u.uploadId });
      if (!ctx.o.json) ctx.out(`abort: ${formatS3Url({ bucket, key: u.key })} ${u.uploadId}`);
    }
    // A named upload that is not there is a mistake to hear of (a mistyped ID), not a clean slate.
    if (ctx.o['upload-id'] && !uploads.length) throw new FerryError('NO_SUCH_UPLOAD', `No unfinished upload in s3://${bucket}/${prefix} has the ID ${ctx.o['upload-id']}. See them with: ferry uploads ls s3://${bucket}/${prefix}`);
    if (ctx.o.json) ctx.json({ aborted, ...(kept.length ? { kept } : {}) });
    else if (!uploads.length) ctx.out('Nothing to abort.');
    if (kept.length) throw new FerryError('UPLOAD_IN_PROGRESS', `${kept.length} of ${uploads.length} unfinished uploads were left alone: a Ferry on this computer is sending them now.`);
  });
}

/** An age such as 1d, 12h, 90m or seconds, for --older-than. */
function parseAge(raw: string): number {
  const m = /^(\d+)([smhdw]?)$/.exec(raw.trim().toLowerCase());
  if (!m) throw usageError(`"${raw}" is not an age. Write it as 90m, 12h or 7d.`);
  return Number(m[1]) * ({ '': 1, s: 1, m: 60, h: 3600, d: 86_400, w: 604_800 } as Record<string, number>)[m[2]!]!;
}
