import { join } from 'node:path';
import { FerryError } from '../../core/errors';
import { ENV_PROFILE_NAME } from '../../core/ferry';
import { formatS3Url, parseS3Url } from '../../core/s3/names';
import type { RequestStatus } from '../../core/sharing/sharing';
import { formatBytes } from '../../core/transfers/plan';
import { safeFileName } from '../../core/private/shares';
import { usage as usageError, type Context, type OptionSpecs, type UsageLine } from '../context';
import { REQUEST_USAGE } from './request';
import { localTime } from '../when';

export const usage: readonly UsageLine[] = [
  ['requests', 'file requests made here: open or expired, with the files received'],
  ['requests get s3://bucket/incoming/name-1a2b3c4d/ [DIR]', "download a request's files (a private request's decrypted, under their senders' names)"],
];

export const options = {} as const satisfies OptionSpecs;

export const outputOnly = true;

/** The file requests made here, open or not, with the files received; or get one's files. */
export async function run(ctx: Context<typeof options>): Promise<void> {
  if (ctx.args[0] === 'get') return get(ctx);
  if (ctx.args.length) throw usageError('Usage: ferry requests, or ferry requests get s3://bucket/prefix/ [DIR].');
  const list = await ctx.ferry.listRequests();
  if (ctx.o.json) return ctx.json(list);
  if (!list.length) return ctx.out('No file requests yet. Make one with: ' + REQUEST_USAGE);
  for (const r of list) {
    ctx.out(`${r.state.padEnd(7)} ${r.title}${r.private ? ' (private)' : ''}  ${formatS3Url({ bucket: r.bucket, key: r.prefix })}  until ${localTime(r.expiresAt, ctx.io.env)}  ${r.received.length} file${r.received.length === 1 ? '' : 's'} received  page ${formatS3Url({ bucket: r.bucket, key: r.pageKey })}`);
    // A private request's file is shown by the name inside it; one Ferry cannot open is said so, never shown as if named.
    for (const f of r.received) ctx.out(`          ${formatBytes(f.size).padStart(10)}  ${f.name ?? (r.private ? `(cannot be opened: ${f.problem ?? 'unknown'}) ${f.key.slice(r.prefix.length)}` : f.key.slice(r.prefix.length))}`);
  }
}

/** requests get: every received file into DIR (default: the current folder); a private one opened, and refused if it was changed. */
async function get(ctx: Context<typeof options>): Promise<void> {
  if (ctx.args.length < 2 || ctx.args.length > 3) throw usageError('Usage: ferry requests get s3://bucket/incoming/name-1a2b3c4d/ [DIR] (ferry requests shows each request\'s folder).');
  const { bucket, key } = parseS3Url(ctx.args[1]!);
  const dir = ctx.args[2] ?? '.';
  const r = (await ctx.ferry.listRequests()).find((x) => x.bucket === bucket && x.prefix === (key.endsWith('/') ? key : `${key}/`));
  if (!r) throw new FerryError('USAGE', `No file request made here puts its files in ${ctx.args[1]}; ferry requests lists them.`);
  const { mkdir } = await import('node:fs/promises');
  await mkdir(dir, { recursive: true });
  const conn = await ctx.ferry.connect(r.account === ENV_PROFILE_NAME ? { ...ctx.selector, endpointUrl: r.endpoint } : { account: r.account });
  let failed = 0;
  try {
    for (const f of r.received) {
      try {
        const got = await receive(ctx, conn, r, f.key, dir);
        ctx.say(`download: ${formatS3Url({ bucket, key: f.key })} to ${got}`);
      } catch (err) {
        failed++;
        ctx.say(`ferry: ${formatS3Url({ bucket, key: f.key })} was not downloaded: ${(err as Error).message}`);
      }
    }
  } finally {
    conn.close();
  }
  if (!r.received.length) ctx.say(`Nothing has arrived in ${formatS3Url({ bucket, key: r.prefix })} yet.`);
  if (failed) throw new FerryError('S3_ERROR', `${failed} of ${r.received.length} files were not downloaded (said above).`);
}

async function receive(ctx: Context<typeof options>, conn: Awaited<ReturnType<Context['ferry']['connect']>>, r: RequestStatus, key: string, dir: string): Promise<string> {
  if (!r.private) {
    // Senders choose the rest of the key: each part becomes a plain name in DIR (no "..", no
    // separators, no leading dots), and the path is checked to be inside DIR before anything is made.
    const parts = key.slice(r.prefix.length).split('/').filter(Boolean).map(safeFileName);
    const file = join(dir, ...(parts.length ? parts : ['file']));
    const { resolve, sep } = await import('node:path');
    if (!resolve(file).startsWith(resolve(dir) + sep)) throw new FerryError('FORBIDDEN', `${key} would land outside ${dir}; it was not downloaded.`);
    const { mkdir } = await import('node:fs/promises');
    const { dirname } = await import('node:path');
    await mkdir(dirname(file), { recursive: true });
    return (await conn.download({ bucket: r.bucket, key, file, ...ctx.abortable })).file;
  }
  // Fetched whole and checked by the normal engine into Ferry's data folder, then opened into DIR.
  const sealed = await ctx.ferry.privateLinks.tempFile('received');
  try {
    await conn.download({ bucket: r.bucket, key, file: sealed, replace: true, ...ctx.abortable });
    return (await ctx.ferry.privateLinks.openReceived(r.account, sealed, dir)).file;
  } finally {
    const { rm } = await import('node:fs/promises');
    await rm(sealed, { force: true });
  }
}
