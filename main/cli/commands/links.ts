import { describeDuration } from '../../core/links/expiry';
import { FerryError } from '../../core/errors';
import { ENV_PROFILE_NAME } from '../../core/ferry';
import { formatS3Url } from '../../core/s3/names';
import type { LinkState, Unchecked } from '../../core/links/gone';
import type { LinkRecord } from '../../core/links/link-history';
import type { Connection } from '../../core/connection';
import { usage as usageError, type Context, type OptionSpecs, type UsageLine } from '../context';
import { localTime } from '../when';

export const usage: readonly UsageLine[] = [
  ['links', 'the share links issued so far: their expiry, and which lost their files'],
  ['links end ID', 'end a private link now: its encrypted files and page are deleted; other links keep working'],
  ['links copy ID', 'print a private link again (its key is in the keychain)'],
];

export const options = {} as const satisfies OptionSpecs;

export const outputOnly = true;

/**
 * How long `ferry links` waits for the servers to say whether links' objects are still there:
 * past it, what was not answered is listed unmarked and said once (an offline server never hangs
 * the listing).
 */
const CHECK_DEADLINE_MS = 5_000;
/** Requests at once while checking, over all the links and accounts. */
const CHECK_CONCURRENCY = 8;

/**
 * The share links issued here (the latest 200), each with when it was made (in this machine's
 * time zone) and how long it has left, a live one marked when what it points to was deleted; or
 * end or copy a private one.
 */
export async function run(ctx: Context<typeof options>): Promise<void> {
  const [verb, id] = ctx.args;
  if (verb === 'end' || verb === 'copy') {
    if (ctx.args.length !== 2) throw usageError(`Usage: ferry links ${verb} ID (the ID ferry links shows for a private link).`);
    return privateLink(ctx, verb, id!);
  }
  if (ctx.args.length) throw usageError('Usage: ferry links, ferry links end ID, or ferry links copy ID.');
  const now = ctx.ferry.clock.now();
  // --account: that account's links only (an account not in Ferry is said, not listed as none).
  const only = ctx.o.account;
  if (only && only !== ENV_PROFILE_NAME) await ctx.ferry.accounts.get(only);
  const records = (await ctx.ferry.links.current(200)).filter((r) => !only || r.account === only);
  // Only links that still work are checked: an expired or ended one opens nothing anyway.
  const live = records.filter((r) => !r.ended && Date.parse(r.expiresAt) > now);
  const { states, unchecked } = live.length ? await check(ctx, live) : { states: new Map<LinkRecord, LinkState>(), unchecked: [] };
  if (ctx.o.json) {
    ctx.json(records.map((r) => ({ ...r, expired: Date.parse(r.expiresAt) <= now, ...goneFields(states.get(r)) })));
  } else {
    if (!records.length) ctx.out('No share links yet. Make one with: ferry share FILE s3://bucket/ (or ferry presign s3://bucket/key for an object already there)');
    for (const r of records) {
      const left = Date.parse(r.expiresAt) - now;
      const state = r.ended ? `ended ${localTime(r.ended, ctx.io.env)}` : left > 0 ? `expires in ${describeDuration(left / 1000)}` : 'expired';
      ctx.out(`${localTime(r.createdAt, ctx.io.env)}  ${state}  ${what(r)}${mark(r, states.get(r))}`);
    }
  }
  sayUnchecked(ctx, unchecked);
}

/** What --json adds to a checked link: objectGone, and filesGone for a share's or private link's files. */
function goneFields(state: LinkState | undefined): { objectGone?: boolean; filesGone?: number } {
  if (!state) return {};
  return { objectGone: state.objectGone, ...(state.files ? { filesGone: state.files.gone } : {}) };
}

/** A checked link's mark: nothing while all it points to is there. */
function mark(r: LinkRecord, state: LinkState | undefined): string {
  if (!state) return '';
  // Not "deleted": a link may be signed for a key that never held an object (presign asks no server).
  if (state.objectGone) return r.share || r.private ? '  (page deleted: the link opens nothing)' : '  (no object there now: the link opens nothing)';
  const files = state.files;
  if (!files?.gone) return '';
  if (files.of === 1) return '  (its file deleted)';
  return files.gone === files.of ? `  (all ${files.of} files deleted)` : `  (${files.gone} of ${files.of} files deleted)`;
}

/** Once per reason, on stderr: which links could not be checked, and why (they are listed unmarked). */
function sayUnchecked(ctx: Context<typeof options>, unchecked: Unchecked[]): void {
  const byWhy = new Map<string, number>();
  for (const u of unchecked) byWhy.set(u.why, (byWhy.get(u.why) ?? 0) + 1);
  for (const [why, n] of byWhy) ctx.say(`ferry: could not check whether ${n === 1 ? "1 link's files are" : `${n} links' files are`} still there: ${why.replace(/\.$/, '')}. ${n === 1 ? 'It is' : 'They are'} listed unmarked.`);
}

/** Checks the live links, each on the account and server it was made on, one connection per account. */
async function check(ctx: Context<typeof options>, live: LinkRecord[]): Promise<{ states: Map<LinkRecord, LinkState>; unchecked: Unchecked[] }> {
  const { checkLinks } = await import('../../core/links/gone');
  const connections = new Map<string, Promise<Connection | string>>();
  const storageFor = async (r: LinkRecord) => {
    const id = `${r.account}\n${r.endpoint}`;
    if (!connections.has(id)) connections.set(id, connectFor(ctx, r));
    const conn = await connections.get(id)!;
    return typeof conn === 'string' ? conn : conn.storage;
  };
  try {
    return await checkLinks(live, storageFor, { concurrency: CHECK_CONCURRENCY, deadlineMs: CHECK_DEADLINE_MS, ...ctx.abortable });
  } finally {
    // Also the ones still connecting or asking past the deadline: closing them ends their requests.
    for (const conn of connections.values()) void conn.then((c) => typeof c === 'string' || c.close(), () => {});
  }
}

/** The connection a link was made with, or why there is none now. */
async function connectFor(ctx: Context<typeof options>, r: LinkRecord): Promise<Connection | string> {
  const fromEnv = r.account === ENV_PROFILE_NAME;
  let conn: Connection;
  try {
    conn = await ctx.ferry.connect(fromEnv ? { ...ctx.selector, endpointUrl: r.endpoint } : { account: r.account });
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  }
  const why =
    fromEnv && conn.storage.profile.name !== ENV_PROFILE_NAME
      ? 'made with keys from AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, which are not set now'
      : conn.storage.endpoint !== r.endpoint
        ? `made on ${r.endpoint}, and "${r.account}" connects to ${conn.storage.endpoint} now`
        : undefined;
  if (why) conn.close();
  return why ?? conn;
}

/** A one-link share is said as what it shares, a private link as its files and ID, not as the page Ferry wrote for it. */
function what(r: LinkRecord): string {
  if (r.private) return `private link ${r.private.id}: ${r.private.files} encrypted file${r.private.files === 1 ? '' : 's'} in ${r.bucket}${r.private.passphrase ? ', with a passphrase' : ''}`;
  if (r.share) return `${formatS3Url({ bucket: r.bucket, key: r.share.prefix })} as one link (${r.share.files} file${r.share.files === 1 ? '' : 's'})`;
  // Two links to one object differ by the name the browser saves it as, when one was given.
  return `${formatS3Url(r)}${r.filename ? ` as "${r.filename}"` : ''}`;
}

async function privateLink(ctx: Context<typeof options>, verb: 'end' | 'copy', id: string): Promise<void> {
  const record = await ctx.ferry.links.privateLink(id);
  if (!record) throw new FerryError('USAGE', `No private link ${id} was made here; ferry links lists them, each with its ID.`);
  if (record.ended) {
    if (verb === 'end') return ctx.say(`Private link ${id} was already ended at ${localTime(record.ended, ctx.io.env)}.`);
    throw new FerryError('EXPIRY_OUT_OF_RANGE', `Private link ${id} was ended at ${localTime(record.ended, ctx.io.env)}; make a new one.`);
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
