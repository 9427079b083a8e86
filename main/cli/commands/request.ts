/** ferry request: a link through which others upload files into a folder (main/core/sharing). */
import { describeDuration } from '../../core/links/expiry';
import { formatS3Url, parseS3Url } from '../../core/s3/names';
import { formatBytes, parseSize } from '../../core/transfers/plan';
import { usage as usageError, type Context, type OptionSpecs, type UsageLine } from '../context';
import { localTime } from '../when';

/** How to make a request, as its usage error and ferry requests (when there are none yet) say it. */
export const REQUEST_USAGE = 'ferry request s3://bucket/incoming/name/ --expires-in 3d --max-size 2GiB [--accept image/*] [--note TEXT] [--title TEXT]';

export const usage: readonly UsageLine[] = [
  ['request s3://bucket/incoming/name/ --max-size 2GiB [--accept image/*] [--note TEXT]', 'a link others upload files through'],
  ['request s3://bucket/incoming/name/ --max-size 2GiB --private', 'the same, each file encrypted in the sender\'s browser to this account\'s key'],
];

export const options = {
  'max-size': { type: 'string', help: ['--max-size SIZE', 'with request: the largest file a sender may upload (at most 5 GiB)'] },
  accept: { type: 'string', help: ['--accept TYPE', 'with request: only files of this type, e.g. image/* or application/pdf'] },
  note: { type: 'string', help: ['--note TEXT', 'with request: a note shown to the sender'] },
  title: { type: 'string', help: ['--title TEXT', "with request and share --one-link: the page's title"] },
  private: { type: 'boolean', help: ['--private', 'with share: encrypt the files here; with request: senders encrypt to this account\'s key; the storage holds only ciphertext'] },
} as const satisfies OptionSpecs;

/** Prints a link through which others upload files into the folder. */
export async function run(ctx: Context<typeof options>): Promise<void> {
  if (ctx.args.length !== 1) throw usageError(`Usage: ${REQUEST_USAGE}.`);
  const { bucket, key } = parseS3Url(ctx.args[0]!);
  if (!ctx.o['max-size']) {
    // The sharing module (and zod with it) is loaded only here, so ferry --help reads this module without it.
    const { MAX_POST_BYTES } = await import('../../core/sharing/sharing');
    throw usageError(`Give the largest file a sender may upload with --max-size (for example 2GiB; at most ${formatBytes(MAX_POST_BYTES)}).`);
  }
  const maxBytes = parseSize(ctx.o['max-size']);
  const title = ctx.o.title ?? (key.replace(/\/+$/, '').split('/').pop() || 'Files');
  const made = await ctx.withConnection(async (c) =>
    c.requestFiles({
      ...(ctx.o.private ? { publicKey: await ctx.ferry.privateLinks.requestPublicKey(c.profile.name) } : {}),
      bucket,
      ...(key ? { prefix: key } : {}),
      title,
      expiresIn: ctx.expiry(),
      maxBytes,
      ...(ctx.o.accept ? { accept: ctx.o.accept } : {}),
      ...(ctx.o.note ? { note: ctx.o.note } : {}),
    }),
  );
  if (ctx.o.json) return ctx.json(made);
  ctx.out(made.url);
  const left = (Date.parse(made.request.expiresAt) - ctx.ferry.clock.now()) / 1000;
  ctx.say(`Files sent through this link land in ${formatS3Url({ bucket, key: made.request.prefix })}, at most ${formatBytes(maxBytes)} each${made.request.accept ? `, ${made.request.accept.replace(/\/$/, '')} files only` : ''}. Open until ${localTime(made.request.expiresAt, ctx.io.env)} (${describeDuration(Math.round(left))}).`);
  if (made.request.keepsDisposition === false) {
    ctx.say(`Note: ${bucket}'s server does not keep the "download" marking of files sent this way, so they are stored as whatever type the sender says. Open them with Ferry (ferry presign, or the window), whose links make every file that could run as a web page a download; not from the provider's console.`);
  }
  if (made.request.private) {
    ctx.say(`Private: each file is encrypted in the sender's browser to this account's key (kept in this computer's keychain), so the bucket holds only ciphertext, names included. The type limit is checked by the page only. Get the files with: ferry requests get ${formatS3Url({ bucket, key: made.request.prefix })} DIR`);
  }
  ctx.say('Anyone with the link can write files into that folder (never elsewhere) until it expires; a sender cannot list or read it. Turn on versioning for the bucket to keep every version of what arrives.');
  ctx.say('To end it early: delete its page (ferry requests shows it). The policy inside links already sent stays valid until then; only rotating the keys revokes it.');
}
