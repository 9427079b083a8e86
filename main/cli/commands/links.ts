import { describeDuration } from '../../core/links/expiry';
import { formatS3Url } from '../../core/s3/names';
import type { Context, OptionSpecs, UsageLine } from '../context';

export const usage: readonly UsageLine[] = [['links', 'the share links issued so far, with their expiry']];

export const options = {} as const satisfies OptionSpecs;

export const outputOnly = true;

/** The share links issued here (the latest 200), each with how long it has left. */
export async function run(ctx: Context<typeof options>): Promise<void> {
  ctx.arity(0, 0, '');
  const now = ctx.ferry.clock.now();
  const records = await ctx.ferry.links.list(200);
  if (ctx.o.json) return ctx.json(records.map((r) => ({ ...r, expired: Date.parse(r.expiresAt) <= now })));
  for (const r of records) {
    const left = Date.parse(r.expiresAt) - now;
    // A one-link share is said as what it shares, not as the page Ferry wrote for it.
    const what = r.share ? `${formatS3Url({ bucket: r.bucket, key: r.share.prefix })} as one link (${r.share.files} file${r.share.files === 1 ? '' : 's'})` : formatS3Url(r);
    ctx.out(`${r.createdAt}  ${left > 0 ? `expires in ${describeDuration(left / 1000)}` : 'expired'}  ${what}`);
  }
}
