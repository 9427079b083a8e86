import { parseS3Url } from '../../core/s3/names';
import { usage as usageError, type Context, type OptionSpecs, type UsageLine } from '../context';

const SHAPE = 's3://bucket';

export const usage: readonly UsageLine[] = [[`mb ${SHAPE}`, 'create a bucket']];

export const options = {} as const satisfies OptionSpecs;

/** Creates a bucket (its name checked against S3's rules first). */
export async function run(ctx: Context<typeof options>): Promise<void> {
  ctx.arity(1, 1, SHAPE);
  const { bucket, key } = parseS3Url(ctx.args[0]!, { newBucket: true });
  if (key) throw usageError(`mb takes a bucket, not a key: s3://${bucket}`);
  await ctx.withConnection((c) => c.storage.createBucket(bucket));
  if (ctx.o.json) ctx.json({ bucket });
  else ctx.out(`make_bucket: ${bucket}`);
}
