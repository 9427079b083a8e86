import { formatS3Url } from '../../core/s3/names';
import { formatBytes } from '../../core/transfers/plan';
import { usage as usageError, type Context, type OptionSpecs, type UsageLine } from '../context';
import { REQUEST_USAGE } from './request';

export const usage: readonly UsageLine[] = [['requests', 'file requests made here: open or expired, with the files received']];

export const options = {} as const satisfies OptionSpecs;

export const outputOnly = true;

/** The file requests made here, open or not, with the files received. */
export async function run(ctx: Context<typeof options>): Promise<void> {
  if (ctx.args.length) throw usageError('Usage: ferry requests.');
  const list = await ctx.ferry.listRequests();
  if (ctx.o.json) return ctx.json(list);
  if (!list.length) return ctx.out('No file requests yet. Make one with: ' + REQUEST_USAGE);
  for (const r of list) {
    ctx.out(`${r.state.padEnd(7)} ${r.title}  ${formatS3Url({ bucket: r.bucket, key: r.prefix })}  until ${r.expiresAt}  ${r.received.length} file${r.received.length === 1 ? '' : 's'} received  page ${formatS3Url({ bucket: r.bucket, key: r.pageKey })}`);
    for (const f of r.received) ctx.out(`          ${formatBytes(f.size).padStart(10)}  ${f.key.slice(r.prefix.length)}`);
  }
}
