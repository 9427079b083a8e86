/**
 * ferry request, ferry requests, and ferry share --one-link: asking others for files through a
 * link, and sharing many files as one link (main/core/sharing).
 */
import { basename } from 'node:path';
import type { Connection, Ferry } from '../../core/ferry';
import { FerryError } from '../../core/errors';
import { describeDuration } from '../../core/links/expiry';
import { parseS3Url, formatS3Url } from '../../core/s3/names';
import { MAX_POST_BYTES, shareableKeys } from '../../core/sharing/sharing';
import { formatBytes, parseSize } from '../../core/transfers/plan';

/** What these commands need from the CLI around them. */
export interface CommandContext {
  ferry: Ferry;
  args: string[];
  o: { json?: boolean | undefined; 'max-size'?: string | undefined; accept?: string | undefined; note?: string | undefined; title?: string | undefined };
  expiry(): number;
  out(line: string): void;
  json(value: unknown): void;
  say(line: string): void;
  usage(message: string): FerryError;
  withConnection<T>(fn: (c: Connection) => Promise<T>): Promise<T>;
  /** Uploads files under a prefix (cp's path), returning their keys. */
  uploadAll(c: Connection, files: string[], bucket: string, prefix: string): Promise<string[]>;
}

export const REQUEST_USAGE = 'ferry request s3://bucket/incoming/name/ --expires-in 3d --max-size 2GiB [--accept image/*] [--note TEXT] [--title TEXT]';

/** ferry request: prints a link through which others upload files into the folder. */
export async function request(ctx: CommandContext): Promise<void> {
  if (ctx.args.length !== 1) throw ctx.usage(`Usage: ${REQUEST_USAGE}.`);
  const { bucket, key } = parseS3Url(ctx.args[0]!);
  if (!ctx.o['max-size']) throw ctx.usage(`Give the largest file a sender may upload with --max-size (for example 2GiB; at most ${formatBytes(MAX_POST_BYTES)}).`);
  const maxBytes = parseSize(ctx.o['max-size']);
  const title = ctx.o.title ?? (key.replace(/\/+$/, '').split('/').pop() || 'Files');
  const made = await ctx.withConnection((c) =>
    c.requestFiles({
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
  ctx.say(`Files sent through this link land in ${formatS3Url({ bucket, key: made.request.prefix })}, at most ${formatBytes(maxBytes)} each${made.request.accept ? `, ${made.request.accept.replace(/\/$/, '')} files only` : ''}. Open until ${made.request.expiresAt} (${describeDuration(Math.round(left))}).`);
  if (made.request.keepsDisposition === false) {
    ctx.say(`Note: ${bucket}'s server does not keep the "download" marking of files sent this way, so they are stored as whatever type the sender says. Open them with Ferry (ferry presign, or the window), whose links make every file that could run as a web page a download; not from the provider's console.`);
  }
  ctx.say('Anyone with the link can write files into that folder (never elsewhere) until it expires; a sender cannot list or read it. Turn on versioning for the bucket to keep every version of what arrives.');
  ctx.say('To end it early: delete its page (ferry requests shows it). The policy inside links already sent stays valid until then; only rotating the keys revokes it.');
}

/** ferry requests: the file requests made here, open or not, with the files received. */
export async function requests(ctx: CommandContext): Promise<void> {
  if (ctx.args.length) throw ctx.usage('Usage: ferry requests.');
  const list = await ctx.ferry.listRequests();
  if (ctx.o.json) return ctx.json(list);
  if (!list.length) return ctx.out('No file requests yet. Make one with: ' + REQUEST_USAGE);
  for (const r of list) {
    ctx.out(`${r.state.padEnd(7)} ${r.title}  ${formatS3Url({ bucket: r.bucket, key: r.prefix })}  until ${r.expiresAt}  ${r.received.length} file${r.received.length === 1 ? '' : 's'} received  page ${formatS3Url({ bucket: r.bucket, key: r.pageKey })}`);
    for (const f of r.received) ctx.out(`          ${formatBytes(f.size).padStart(10)}  ${f.key.slice(r.prefix.length)}`);
  }
}

/**
 * ferry share --one-link: FILE… s3://bucket/prefix/ uploads the files and shares them as one
 * link; s3://bucket/folder/ shares every object in the folder.
 */
export async function shareOneLink(ctx: CommandContext): Promise<void> {
  if (!ctx.args.length) throw ctx.usage('Usage: ferry share FILE… s3://bucket/prefix/ --one-link, or ferry share s3://bucket/folder/ --one-link.');
  const target = ctx.args.at(-1)!;
  const files = ctx.args.slice(0, -1);
  const { bucket, key } = parseS3Url(target);
  const prefix = key && !key.endsWith('/') ? `${key}/` : key;
  const link = await ctx.withConnection(async (c) => {
    let keys: string[];
    if (files.length) {
      if (files.some((f) => f.startsWith('s3://'))) throw ctx.usage('Give local files, then one s3://bucket/prefix/ to upload them to.');
      keys = await ctx.uploadAll(c, files, bucket, prefix);
    } else {
      keys = await shareableKeys(c.storage, bucket, prefix);
      if (!keys.length) throw new FerryError('FILE_NOT_FOUND', `${formatS3Url({ bucket, key: prefix })} holds no files to share.`);
    }
    return c.shareMany({ bucket, keys, expiresIn: ctx.expiry(), ...(ctx.o.title ? { title: ctx.o.title } : { title: files.length ? `${files.length === 1 ? basename(files[0]!) : `${files.length} files`}` : prefix || bucket }) });
  });
  if (ctx.o.json) return ctx.json(link);
  ctx.out(link.url);
  ctx.say(`One page for ${link.files} file${link.files === 1 ? '' : 's'}; the page and every file's link stop working at ${link.expiresAt}.`);
}
