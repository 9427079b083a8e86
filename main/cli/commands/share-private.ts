/** ferry share --private: files encrypted here, shared as one private link (main/core/private). */
import { describeDuration } from '../../core/links/expiry';
import { formatS3Url, parseS3Url } from '../../core/s3/names';
import { usage as usageError, type Context } from '../context';
import { asFolder } from '../keys';
import { ask, readAll } from '../prompt';
import { uploadFile } from '../upload';
import type { options } from './share';
import { localTime } from '../when';

export async function sharePrivately(ctx: Context<typeof options>): Promise<void> {
  if (ctx.o['one-link']) throw usageError('A private link is already one link for all its files: give --private without --one-link.');
  if (ctx.args.length < 2) throw usageError('Usage: ferry share FILE… s3://bucket/prefix/ --private [--passphrase].');
  if (ctx.o.filename) throw usageError('--filename does not go with --private: the file keeps its own name, encrypted with it.');
  const target = ctx.args.at(-1)!;
  const files = ctx.args.slice(0, -1);
  if (files.some((f) => f.startsWith('s3://'))) throw usageError('A private link shares local files (Ferry encrypts them before they leave): give files, then one s3://bucket/prefix/ to put their ciphertext in.');
  const { bucket, key } = parseS3Url(target);
  const prefix = key ? asFolder(key) : '';
  const expiresIn = ctx.expiry();
  const passphrase = ctx.o.passphrase ? await readPassphrase(ctx) : undefined;
  const tuning = { partSize: ctx.partSize(), bar: ctx.progress() };
  const made = await ctx.withConnection((c) =>
    ctx.ferry.privateLinks.share(c, { files, bucket, prefix, expiresIn, ...(passphrase !== undefined ? { passphrase } : {}), ...(ctx.o.title ? { title: ctx.o.title } : {}) }, async (sealed, objectKey, i) => {
      try {
        await uploadFile(ctx, c, { file: sealed, bucket, key: objectKey }, tuning);
      } catch (err) {
        // Its sealed copy is gone with this run, so an interrupted upload of it can never go on: abort it on the server.
        await c.abandon(sealed, bucket, objectKey).catch(() => {});
        throw err;
      }
      if (!ctx.o.json) ctx.say(`upload: ${files[i]} (encrypted) to ${formatS3Url({ bucket, key: objectKey })}`);
    }),
  );
  if (ctx.o.json) return ctx.json(made);
  ctx.out(made.url);
  const left = Math.round((Date.parse(made.expiresAt) - ctx.ferry.clock.now()) / 1000);
  ctx.say(`Private link ${made.id}: ${made.files} file${made.files === 1 ? '' : 's'}, encrypted here; ${bucket} holds only ciphertext. It works until ${localTime(made.expiresAt, ctx.io.env)} (${describeDuration(left)}); end it sooner with: ferry links end ${made.id}`);
  if (made.passphrase) ctx.say('The link asks for the passphrase: send it another way than the link.');
  if (!made.kept) ctx.say('Note: the keychain could not keep this link\'s key, so it cannot be copied again later: keep it now.');
  ctx.say(`${made.passphrase ? 'Anyone with the link and the passphrase' : 'Anyone with the whole link'} can open the files; the storage provider sees their sizes and when they are fetched, not their names or contents. The encrypted copy is a second copy of each file in the bucket.`);
}

/** A passphrase from a prompt (typed twice, not shown), or the first line of stdin. */
async function readPassphrase(ctx: Context<typeof options>): Promise<string> {
  const { stdin, stderr } = ctx.io;
  if (stdin.isTTY) {
    const first = await ask('Passphrase for the link: ', { input: stdin, output: stderr, hidden: true, signal: ctx.io.signal });
    const again = await ask('The same passphrase again: ', { input: stdin, output: stderr, hidden: true, signal: ctx.io.signal });
    if (first !== again) throw usageError('The two passphrases differ; nothing was shared. Run the command again.');
    return first;
  }
  const line = (await readAll(stdin, undefined, ctx.io.signal)).split(/\r?\n/)[0] ?? '';
  if (!line) throw usageError('--passphrase reads the passphrase from a prompt, or from the first line of stdin; stdin was empty.');
  return line;
}
