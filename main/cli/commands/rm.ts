import { formatS3Url, parseS3Url } from '../../core/s3/names';
import { usage as usageError, type Context, type OptionSpecs, type UsageLine } from '../context';
import { asFolder, oneObject } from '../keys';

const SHAPE = 's3://bucket/key';

export const usage: readonly UsageLine[] = [
  [`rm ${SHAPE}`, 'delete an object'],
  ['rm s3://bucket/prefix/ --recursive', 'delete a folder and everything in it'],
];

export const options = { recursive: { type: 'boolean' } } as const satisfies OptionSpecs;

/** Deletes an object (checked to be there first), or with --recursive a folder and everything in it. */
export async function run(ctx: Context<typeof options>): Promise<void> {
  ctx.arity(1, 1, SHAPE);
  const { bucket, key } = parseS3Url(ctx.args[0]!);
  if (ctx.o.recursive) {
    const [{ deleteObjects }, { objectsUnder }] = await Promise.all([import('../../core/s3/manage'), import('../../core/s3/collect')]);
    const prefix = asFolder(key);
    const deleted = await ctx.withConnection(async (c) => {
      const keys = (await objectsUnder(c.storage, bucket, prefix, ctx.io.signal)).map((o) => o.key);
      await deleteObjects(c.storage, bucket, keys, ctx.abortable);
      return keys;
    });
    if (ctx.o.json) return ctx.json({ bucket, deleted });
    for (const k of deleted) ctx.out(`delete: ${formatS3Url({ bucket, key: k })}`);
    return;
  }
  if (!key) throw usageError('rm deletes an object: give s3://bucket/key (or a folder with --recursive).');
  await ctx.withConnection(async (c) => {
    await oneObject(c, bucket, key, 'deleting', () => c.storage.head(bucket, key));
    await c.storage.delete(bucket, key);
  });
  if (ctx.o.json) ctx.json({ bucket, key, deleted: true });
  else ctx.out(`delete: ${formatS3Url({ bucket, key })}`);
}
