import { formatS3Url, parseS3Url } from '../../core/s3/names';
import { usage as usageError, type Context, type OptionSpecs, type UsageLine } from '../context';
import { asFolder, intoKey } from '../keys';

const SHAPE = 's3://bucket/key s3://bucket/newkey';

export const usage: readonly UsageLine[] = [
  [`mv ${SHAPE}`, 'rename or move (copied on the server, checked, then deleted)', 41],
  ['mv s3://bucket/dir/ s3://bucket/new/ --recursive', 'move a folder'],
];

export const options = { recursive: { type: 'boolean' } } as const satisfies OptionSpecs;

/** Renames or moves an object (or, with --recursive, a folder): copied on the server, checked, then the original deleted. */
export async function run(ctx: Context<typeof options>): Promise<void> {
  ctx.arity(2, 2, SHAPE);
  // aws s3 mv also uploads and then deletes the local file; Ferry leaves local files to the user.
  if (!ctx.args[0]!.startsWith('s3://') && ctx.args[1]!.startsWith('s3://')) {
    throw usageError(`ferry mv moves objects within S3. To upload ${ctx.args[0]}, use ferry cp ${ctx.args[0]} ${ctx.args[1]} (the file stays where it is).`);
  }
  if (ctx.args[0]!.startsWith('s3://') && !ctx.args[1]!.startsWith('s3://')) {
    throw usageError(`ferry mv moves objects within S3. To download ${ctx.args[0]}, use ferry cp ${ctx.args[0]} ${ctx.args[1]} (the object stays where it is).`);
  }
  const from = parseS3Url(ctx.args[0]!);
  const to = parseS3Url(ctx.args[1]!);
  if (!from.key) throw usageError('mv moves an object or folder: give s3://bucket/key.');
  // As aws s3 mv, and as ferry rm and cp: a folder moves only when asked to.
  if (from.key.endsWith('/') && !ctx.o.recursive) throw usageError(`${formatS3Url(from)} is a folder; moving a folder and everything in it needs --recursive.`);
  const folder = Boolean(ctx.o.recursive);
  const src = folder ? asFolder(from.key) : from.key;
  // A folder goes under the destination folder; an object to a key that is empty or ends in / keeps its name.
  const dst = folder ? asFolder(to.key) : intoKey(to.key, from.key.slice(from.key.lastIndexOf('/') + 1));
  if (folder && !dst) throw usageError('Give the folder a destination inside the bucket: s3://bucket/newfolder/.');
  const { moveObjects } = await import('../../core/s3/copy');
  const plan = await ctx.withConnection((c) => moveObjects(c.storage, from.bucket, src, dst, { toBucket: to.bucket, ...ctx.abortable }));
  if (ctx.o.json) return ctx.json({ moved: plan.map((p) => ({ from: formatS3Url({ bucket: from.bucket, key: p.from }), to: formatS3Url({ bucket: to.bucket, key: p.to }) })) });
  for (const p of plan) ctx.out(`move: ${formatS3Url({ bucket: from.bucket, key: p.from })} to ${formatS3Url({ bucket: to.bucket, key: p.to })}`);
}
