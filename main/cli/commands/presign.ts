import { describeDuration } from '../../core/links/expiry';
import type { ShareLink } from '../../core/links/presign';
import { parseS3Url } from '../../core/s3/names';
import type { UploadResult } from '../../core/transfers/upload';
import { usage as usageError, type Context, type OptionSpecs, type UsageLine } from '../context';
import { localTime } from '../when';

const SHAPE = 's3://bucket/key';

export const usage: readonly UsageLine[] = [[`presign ${SHAPE}`, 'print a share link (--expires-in, default 3600 seconds)']];

export const options = { filename: { type: 'string', help: ['--filename NAME', 'file name the browser saves a shared download as'] } } as const satisfies OptionSpecs;

export const outputOnly = true;

/** Prints a link to an object. Signing needs no request to the server, and so no connection and no S3 SDK. */
export async function run(ctx: Context<typeof options>): Promise<void> {
  ctx.arity(1, 1, SHAPE);
  const { bucket, key } = parseS3Url(ctx.args[0]!);
  if (!key) throw usageError('presign makes a link to an object: give s3://bucket/key.');
  const expiresIn = ctx.expiry();
  const link = await ctx.ferry.share(ctx.selector, { bucket, key, expiresIn, ...(ctx.o.filename ? { filename: ctx.o.filename } : {}) });
  printLink(ctx, link);
}

/** A link as presign and share print it: only the URL on stdout (scripts capture it); the expiry on stderr, on a terminal. */
export function printLink(ctx: Context, link: ShareLink, upload?: UploadResult): void {
  if (ctx.o.json) return ctx.json(upload ? { ...link, upload } : link);
  ctx.out(link.url);
  if (ctx.io.stderr.isTTY) {
    const why = link.limitedBy === 'credentials' ? ' (when the temporary credentials that signed it expire)' : '';
    ctx.say(`Expires ${localTime(link.expiresAt, ctx.io.env)}, in ${describeDuration(link.lifetimeSeconds)}${why}.`);
  }
  if (link.temporaryCredentials && link.limitedBy === 'expiry') {
    ctx.say('ferry: note: this link was signed with temporary credentials and stops working when they expire, which may be sooner.');
  }
}
