import { FerryError, isFerryError } from '../../core/errors';
import { parseS3Url } from '../../core/s3/names';
import { usage as usageError, type Context, type OptionSpecs, type UsageLine } from '../context';

const SHAPE = 's3://bucket';

export const usage: readonly UsageLine[] = [[`rb ${SHAPE} [--force]`, 'delete a bucket (--force: with everything in it)']];

export const options = { force: { type: 'boolean' } } as const satisfies OptionSpecs;

/** Deletes a bucket; --force deletes everything in it first (as aws s3 rb --force). */
export async function run(ctx: Context<typeof options>): Promise<void> {
  ctx.arity(1, 1, SHAPE);
  const { bucket, key } = parseS3Url(ctx.args[0]!);
  if (key) throw usageError(`rb deletes a bucket, not a key: s3://${bucket}`);
  const { deleteBucket } = await import('../../core/s3/manage');
  const out = await ctx.withConnection((c) =>
    deleteBucket(c.storage, bucket, { withContents: Boolean(ctx.o.force), ...ctx.abortable }).catch((err: unknown) => {
      if (isFerryError(err, 'BUCKET_NOT_EMPTY') && !ctx.o.force) throw new FerryError('BUCKET_NOT_EMPTY', `The bucket ${bucket} is not empty. Delete it with everything in it: ferry rb s3://${bucket} --force`);
      throw err;
    }),
  );
  if (ctx.o.json) ctx.json({ bucket, deletedObjects: out.objects });
  else ctx.out(`remove_bucket: ${bucket}`);
}
