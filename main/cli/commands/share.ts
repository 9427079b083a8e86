import { basename } from 'node:path';
import { FerryError } from '../../core/errors';
import { formatS3Url, parseS3Url } from '../../core/s3/names';
import { usage as usageError, type Context, type OptionSpecs, type UsageLine } from '../context';
import { asFolder, intoKey } from '../keys';
import { UPLOAD_OPTIONS, uploadedLine, uploadFile } from '../upload';
import { options as presignOptions, printLink } from './presign';
import { options as requestOptions } from './request';
import { localTime } from '../when';

const SHAPE = 'FILE s3://bucket[/key]';

export const usage: readonly UsageLine[] = [
  [`share ${SHAPE}`, 'upload, then print a share link'],
  ['share FILE… s3://bucket/prefix/ --one-link', 'upload several files and share them as one link (a page listing them)'],
  ['share s3://bucket/folder/ --one-link', 'share every file in a folder as one link', 45],
  ['share FILE… s3://bucket/prefix/ --private [--passphrase]', 'encrypt the files here and share them as one private link (ferry links end ID ends it)'],
];

export const options = {
  ...UPLOAD_OPTIONS,
  'one-link': { type: 'boolean', help: ['--one-link', 'with share: one link (a page) for many files'] },
  replace: { type: 'boolean', help: ['--replace', 'with share: replace an object of the same name (by default it is kept, and the file is stored beside it as "name (2).ext")'] },
  private: requestOptions.private,
  passphrase: { type: 'boolean', help: ['--passphrase', 'with share --private: also ask for a passphrase (prompted, or the first line of stdin); the link alone does not open the files'] },
  filename: presignOptions.filename,
  title: requestOptions.title,
} as const satisfies OptionSpecs;

/** Uploads a file and prints a link to it; with --one-link, one link (a page) for several files or a whole folder. */
export async function run(ctx: Context<typeof options>): Promise<void> {
  if (ctx.o.private) return (await import('./share-private')).sharePrivately(ctx);
  if (ctx.o.passphrase) throw usageError('--passphrase goes with --private: ferry share FILE… s3://bucket/prefix/ --private --passphrase.');
  if (ctx.o.replace && ctx.o['no-clobber']) throw usageError('--replace and --no-clobber ask for opposite things: give one of them.');
  if (ctx.o['one-link']) return oneLink(ctx);
  ctx.arity(2, 2, SHAPE);
  const [file, target] = ctx.args as [string, string];
  if (file.startsWith('s3://')) throw usageError(`Ferry uploads local files; "${file}" is an S3 URL. Usage: ferry share ${SHAPE}.`);
  if (file === '-') throw usageError('ferry share takes a file. To share what comes on stdin: ferry cp - s3://bucket/key, then ferry presign s3://bucket/key.');
  const loc = parseS3Url(target);
  // A link already handed out keeps serving what it served: a taken name is kept beside (unless --replace).
  const upload = { file, bucket: loc.bucket, key: intoKey(loc.key, basename(file)), keepBoth: !ctx.o.replace };
  const expiresIn = ctx.expiry();
  const tuning = { partSize: ctx.partSize(), bar: ctx.progress() };
  await ctx.withConnection(async (c) => {
    const uploaded = await uploadFile(ctx, c, upload, tuning);
    // --no-clobber kept what was there: there is no link to this file, and a script must not take the empty output for one.
    if (!uploaded) throw new FerryError('OBJECTS_EXIST', `${formatS3Url(upload)} already exists and was kept (--no-clobber), so no link was made. Without --no-clobber the file is kept beside it as a numbered name.`);
    const link = await c.share({ bucket: upload.bucket, key: upload.key, expiresIn, ...(ctx.o.filename ? { filename: ctx.o.filename } : {}) });
    printLink(ctx, link, uploaded);
  });
}

/**
 * share --one-link: FILE… s3://bucket/prefix/ uploads the files (one after another) and shares
 * them as one link; s3://bucket/folder/ shares every object in the folder.
 */
async function oneLink(ctx: Context<typeof options>): Promise<void> {
  if (!ctx.args.length) throw usageError('Usage: ferry share FILE… s3://bucket/prefix/ --one-link, or ferry share s3://bucket/folder/ --one-link.');
  const target = ctx.args.at(-1)!;
  const files = ctx.args.slice(0, -1);
  const { bucket, key } = parseS3Url(target);
  const prefix = asFolder(key);
  const link = await ctx.withConnection(async (c) => {
    let keys: string[];
    if (files.length) {
      if (files.some((f) => f.startsWith('s3://'))) throw usageError('Give local files, then one s3://bucket/prefix/ to upload them to.');
      keys = [];
      // Keys are planned as a drop's are, all before anything is sent: two files of one name
      // (a/report.pdf b/report.pdf) get one each, a folder's files go under its name, and a
      // file that cannot be opened stops the command before the first upload.
      const { expandDrop, skippedReason } = await import('../../core/transfers/drop');
      const planned = await expandDrop(files, prefix, (s) => ctx.say(`ferry: skipped ${s.link}: ${skippedReason(s, 'its folder')}`));
      if (!planned.length) throw new FerryError('FILE_NOT_FOUND', `${files.join(', ')} hold${files.length === 1 ? 's' : ''} no files to share.`);
      for (const { file, key } of planned) {
        const upload = { file, bucket, key, keepBoth: !ctx.o.replace };
        await uploadFile(ctx, c, upload);
        // stdout is for the link alone (scripts capture it), as with plain ferry share.
        if (!ctx.o.json) ctx.say(uploadedLine(upload));
        keys.push(upload.key);
      }
    } else {
      // The sharing module (and zod with it) is loaded only here, so ferry --help reads this module without it.
      const { shareableKeys } = await import('../../core/sharing/sharing');
      keys = await shareableKeys(c.storage, bucket, prefix);
      if (!keys.length) throw new FerryError('FILE_NOT_FOUND', `${formatS3Url({ bucket, key: prefix })} holds no files to share.`);
    }
    return c.shareMany({ bucket, keys, expiresIn: ctx.expiry(), prefix, ...(ctx.o.title ? { title: ctx.o.title } : { title: files.length ? `${keys.length === 1 ? keys[0]!.slice(keys[0]!.lastIndexOf('/') + 1) : `${keys.length} files`}` : prefix || bucket }) });
  });
  if (ctx.o.json) return ctx.json(link);
  ctx.out(link.url);
  ctx.say(`One page for ${link.files} file${link.files === 1 ? '' : 's'}; the page and every file's link stop working at ${localTime(link.expiresAt, ctx.io.env)}.`);
}
