import { describeDuration } from '../../core/links/expiry';
import { FerryError } from '../../core/errors';
import { ENV_PROFILE_NAME } from '../../core/ferry';
import { formatS3Url } from '../../core/s3/names';
import type { LinkRecord } from '../../core/links/link-history';
import { usage as usageError, type Context, type OptionSpecs, type UsageLine } from '../context';

export const usage: readonly UsageLine[] = [
  ['links', 'the share links issued so far, with their expiry'],
  ['links end ID', 'end a private link now: its encrypted files and page are deleted; other links keep working'],
  ['links copy ID', 'print a private link again (its key is in the keychain)'],
];

export const options = {} as const satisfies OptionSpecs;

export const outputOnly = true;

/** The share links issued here (the latest 200), each with how long it has left; or end or copy a private one. */
export async function run(ctx: Context<typeof options>): Promise<void> {
  const [verb, id] = ctx.args;
  if (verb === 'end' || verb === 'copy') {
    if (ctx.args.length !== 2) throw usageError(`Usage: ferry links ${verb} ID (the ID ferry links shows for a private link).`);
    return privateLink(ctx, verb, id!);
  }
  if (ctx.args.length) throw usageError('Usage: ferry links, ferry links end ID, or ferry links copy ID.');
  const now = ctx.ferry.clock.now();
  const records = await ctx.ferry.links.current(200);
  if (ctx.o.json) return ctx.json(records.map((r) => ({ ...r, expired: Date.parse(r.expiresAt) <= now })));
  for (const r of records) {
    const left = Date.parse(r.expiresAt) - now;
    const state = r.ended ? `ended ${r.ended}` : left > 0 ? `expires in ${describeDuration(left / 1000)}` : 'expired';
    ctx.out(`${r.createdAt}  ${state}  ${what(r)}`);
  }
}

/** A one-link share is said as what it shares, a private link as its files and ID, not as the page Ferry wrote for it. */
function what(r: LinkRecord): string {
  if (r.private) return `private link ${r.private.id}: ${r.private.files} encrypted file${r.private.files === 1 ? '' : 's'} in ${r.bucket}${r.private.passphrase ? ', with a passphrase' : ''}`;
  if (r.share) return `${formatS3Url({ bucket: r.bucket, key: r.share.prefix })} as one link (${r.share.files} file${r.share.files === 1 ? '' : 's'})`;
  return formatS3Url(r);
}

async function privateLink(ctx: Context<typeof options>, verb: 'end' | 'copy', id: string): Promise<void> {
  const record = await ctx.ferry.links.privateLink(id);
  if (!record) throw new FerryError('USAGE', `No private link ${id} was made here; ferry links lists them, each with its ID.`);
  if (record.ended) {
    if (verb === 'end') return ctx.say(`Private link ${id} was already ended at ${record.ended}.`);
    throw new FerryError('EXPIRY_OUT_OF_RANGE', `Private link ${id} was ended at ${record.ended}; make a new one.`);
  }
  // With the account and server it was made on.
  const conn = await ctx.ferry.connect(record.account === ENV_PROFILE_NAME ? { ...ctx.selector, endpointUrl: record.endpoint } : { account: record.account });
  try {
    if (conn.storage.endpoint !== record.endpoint) throw new FerryError('USAGE', `"${record.account}" connects elsewhere now (${conn.storage.endpoint}); that link was made on ${record.endpoint}.`);
    if (verb === 'copy') return ctx.out(await ctx.ferry.privateLinks.copyAgain(conn, record));
    await ctx.ferry.privateLinks.end(conn, record);
    ctx.say(`Private link ${id} ended: its encrypted file${record.private!.files === 1 ? '' : 's'} and page are deleted, so it stops working now. Other links are untouched.`);
  } finally {
    conn.close();
  }
}
