import { FerryError } from '../../core/errors';
import { parseS3Url } from '../../core/s3/names';
import type { Context, OptionSpecs, UsageLine } from '../context';

const SHAPE = '[s3://bucket[/prefix]]';

export const usage: readonly UsageLine[] = [[`ls ${SHAPE}`, "list buckets, or a bucket's folders and objects (--recursive: all keys)"]];

export const options = { recursive: { type: 'boolean', help: ['--recursive', 'a whole folder: with ls every key under the prefix; with cp, mv and rm everything in it'] } } as const satisfies OptionSpecs;

export const outputOnly = true;

/** Lists buckets, or a prefix's folders and objects (every key under it with --recursive), page by page as they arrive. */
export async function run(ctx: Context<typeof options>): Promise<void> {
  ctx.arity(0, 1, SHAPE);
  await ctx.withConnection(async (c) => {
    if (!ctx.args[0]) {
      const buckets = await c.storage.listBuckets();
      if (ctx.o.json) return ctx.json(buckets);
      for (const b of buckets) ctx.out(`${formatDate(b.createdAt)} ${b.name}`);
      return;
    }
    const { bucket, key: prefix } = parseS3Url(ctx.args[0]);
    let shown = 0;
    for await (const page of c.storage.listObjects(bucket, prefix, { recursive: Boolean(ctx.o.recursive), ...ctx.abortable })) {
      shown += page.folders.length + page.objects.length;
      for (const folder of page.folders) {
        if (ctx.o.json) ctx.json({ type: 'folder', prefix: folder });
        else ctx.out(`${''.padStart(19)} ${'PRE'.padStart(10)} ${folder.slice(prefix.lastIndexOf('/') + 1)}`);
      }
      for (const obj of page.objects) {
        if (ctx.o.json) ctx.json({ type: 'object', ...obj });
        else ctx.out(`${formatDate(obj.lastModified)} ${String(obj.size).padStart(10)} ${ctx.o.recursive ? obj.key : obj.key.slice(prefix.lastIndexOf('/') + 1)}`);
      }
    }
    // As aws s3 ls: a prefix nothing starts with fails (an empty bucket is only empty), and says so.
    if (prefix && !shown) throw new FerryError('NO_SUCH_KEY', `Nothing in s3://${bucket} starts with "${prefix}".`);
  });
}

/** A date as ls has always shown it: local time, to the second; blank when the server gave none. */
function formatDate(iso: string | undefined): string {
  if (!iso) return ''.padStart(19);
  const d = new Date(iso);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}
