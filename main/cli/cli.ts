import { mkdir, stat } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { PRESETS } from '../core/accounts/presets';
import { FerryError, isFerryError } from '../core/errors';
import { defaultDataDir } from '../core/files';
import { Ferry, type Connection, type Selector } from '../core/ferry';
import { DEFAULT_EXPIRY_SECONDS, describeDuration, parseExpiry } from '../core/links/expiry';
import type { ShareLink } from '../core/links/presign';
import { formatS3Url, parseS3Url } from '../core/s3/names';
import { KeychainSecretStore, type SecretStore } from '../core/secrets/secrets';
import { expandDrop } from '../core/transfers/drop';
import type { DownloadResult } from '../core/transfers/download';
import { formatBytes, parseSize } from '../core/transfers/plan';
import type { Progress } from '../core/transfers/progress';
import type { UploadResult } from '../core/transfers/upload';
import { ask, readAll } from './prompt';
import { HELP, VERSION } from './help';
import { safeJson, safeLines, safeText, textStream } from './safe-text';
import { request, requests, shareOneLink, type CommandContext } from './commands/request';

export interface CliIO {
  stdout: NodeJS.WritableStream & { isTTY?: boolean };
  stderr: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  stdin: NodeJS.ReadableStream & { isTTY?: boolean };
  env: NodeJS.ProcessEnv;
  secrets?: SecretStore;
  /** Aborted on Ctrl-C. */
  signal?: AbortSignal;
}

const OPTIONS = {
  account: { type: 'string' },
  'endpoint-url': { type: 'string' },
  region: { type: 'string' },
  'expires-in': { type: 'string' },
  filename: { type: 'string' },
  'one-link': { type: 'boolean' },
  'max-size': { type: 'string' },
  accept: { type: 'string' },
  note: { type: 'string' },
  title: { type: 'string' },
  provider: { type: 'string' },
  'access-key-id': { type: 'string' },
  'path-style': { type: 'boolean' },
  'allow-link-local-endpoint': { type: 'boolean' },
  'virtual-hosted': { type: 'boolean' },
  'part-size': { type: 'string' },
  concurrency: { type: 'string' },
  default: { type: 'boolean' },
  recursive: { type: 'boolean' },
  force: { type: 'boolean' },
  json: { type: 'boolean' },
  'no-progress': { type: 'boolean' },
  'no-resume': { type: 'boolean' },
  'no-clobber': { type: 'boolean' },
  'upload-id': { type: 'string' },
  'older-than': { type: 'string' },
  debug: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean' },
} as const;

type Values = ReturnType<typeof parse>['values'];

function parse(argv: string[]) {
  try {
    return parseArgs({ args: argv, options: OPTIONS, allowPositionals: true, strict: true });
  } catch (err) {
    const msg = (err as Error).message.replace(/\. To specify a positional argument.*$/s, '');
    throw new FerryError('USAGE', `${msg}. See: ferry --help`);
  }
}

/** Commands whose only work is what they print: a closed stdout ends them. */
const OUTPUT_ONLY = new Set(['ls', 'links', 'requests', 'presign', 'accounts']);

function usage(message: string): FerryError {
  return new FerryError('USAGE', `${message} See: ferry --help`);
}

/** Runs the `ferry` command; returns the exit code. Never throws. */
export async function run(argv: string[], io: CliIO): Promise<number> {
  let debug = argv.includes('--debug');
  // A closed stdout (EPIPE: ferry ls | head -1) ends a command whose only work is its output, quietly,
  // with 0, as it does any Unix tool. A transfer is not cut short by it: its lines are dropped and
  // it finishes (and fails, if it fails) as it would have.
  let pipeClosed = false;
  const closed = new AbortController();
  const signal = io.signal ? AbortSignal.any([io.signal, closed.signal]) : closed.signal;
  let outputOnly = false;
  let outputFailed: NodeJS.ErrnoException | undefined;
  io.stdout.on?.('error', (err: NodeJS.ErrnoException) => {
    if (pipeClosed || outputFailed) return;
    if (err.code === 'EPIPE') {
      pipeClosed = true;
      if (outputOnly) closed.abort();
      return;
    }
    // Output that cannot be written (a full disk behind > file): said once, and the command stops.
    outputFailed = err;
    closed.abort();
  });
  try {
    const { values, positionals } = parse(argv);
    debug = Boolean(values.debug);
    outputOnly = OUTPUT_ONLY.has(positionals[0] ?? '');
    if (values.version) {
      io.stdout.write(`${VERSION}\n`);
      return 0;
    }
    if (values.help || positionals.length === 0) {
      (values.help ? io.stdout : io.stderr).write(HELP);
      return values.help ? 0 : 2;
    }
    const ferry = new Ferry({ dataDir: defaultDataDir(io.env), secrets: io.secrets ?? new KeychainSecretStore(), env: io.env });
    await new Command(ferry, values, positionals.slice(1), { ...io, stdout: textStream(io.stdout), stderr: textStream(io.stderr), signal }, io.stderr).run(positionals[0]!);
    // A failed write is reported a moment after it (the stream's error event): let it arrive.
    await new Promise((r) => setImmediate(r));
    if (outputFailed) {
      io.stderr.write(`ferry: cannot write the output (${outputFailed.code ?? outputFailed.message}).\n`);
      return 1;
    }
    return 0;
  } catch (err) {
    // The reader of stdout went away (ferry ls | head -1): that ends the command, quietly, as it does any Unix tool.
    if (pipeClosed && outputOnly) return 0;
    if (outputFailed) {
      io.stderr.write(`ferry: cannot write the output (${outputFailed.code ?? outputFailed.message}); stopped.\n`);
      return 1;
    }
    if (isFerryError(err)) {
      io.stderr.write(`ferry: ${safeText(err.message)}\n`);
      if (debug && err.cause) io.stderr.write(`${safeLines((err.cause as Error).stack ?? String(err.cause))}\n`);
      return err.code === 'USAGE' ? 2 : err.code === 'CANCELLED' ? 130 : 1;
    }
    const e = err as Error;
    io.stderr.write(`ferry: unexpected error: ${safeText(e?.message ?? String(err))}${debug ? '' : ' (run again with --debug for details)'}\n`);
    if (debug) io.stderr.write(`${safeLines(e?.stack ?? '')}\n`);
    return 1;
  }
}

class Command {
  constructor(
    private readonly ferry: Ferry,
    private readonly o: Values,
    private readonly args: string[],
    /** Streams whose every line has its control characters escaped (see safe-text.ts). */
    private readonly io: CliIO,
    /** The terminal itself, for the progress bar and the key prompt, which draw with control characters of their own. */
    private readonly terminal: CliIO['stderr'],
  ) {}

  private get selector(): Selector {
    return {
      ...(this.o.account ? { account: this.o.account } : {}),
      ...(this.o['endpoint-url'] ? { endpointUrl: this.o['endpoint-url'] } : {}),
      ...(this.o.region ? { region: this.o.region } : {}),
    };
  }

  private out(line: string): void {
    this.io.stdout.write(`${line}\n`);
  }

  private json(value: unknown): void {
    this.out(safeJson(value));
  }

  private arity(name: string, min: number, max: number, shape: string): void {
    if (this.args.length < min || this.args.length > max) throw usage(`Usage: ferry ${name} ${shape}.`);
  }

  /** The user's --concurrency, or undefined to let Ferry choose per file. */
  private concurrencyOption(): number | undefined {
    return this.o.concurrency === undefined ? undefined : this.concurrency();
  }

  private concurrency(): number {
    if (this.o.concurrency === undefined) return 8;
    const n = Number(this.o.concurrency);
    if (!Number.isInteger(n) || n < 1 || n > 64) throw usage(`--concurrency must be a whole number from 1 to 64, not "${this.o.concurrency}".`);
    return n;
  }

  private async withConnection<T>(fn: (c: Connection) => Promise<T>): Promise<T> {
    const conn = await this.ferry.connect(this.selector, { concurrency: this.concurrency() });
    try {
      return await fn(conn);
    } finally {
      conn.close();
    }
  }

  async run(name: string): Promise<void> {
    switch (name) {
      case 'ls':
        return this.ls();
      case 'mb':
        return this.mb();
      case 'cp':
        return this.cp(false);
      case 'share':
        return this.o['one-link'] ? shareOneLink(this.context()) : this.cp(true);
      case 'request':
        return request(this.context());
      case 'requests':
        return requests(this.context());
      case 'rm':
        return this.rm();
      case 'mv':
        return this.mv();
      case 'rb':
        return this.rb();
      case 'presign':
        return this.presign();
      case 'links':
        return this.links();
      case 'uploads':
        return this.uploads();
      case 'accounts':
        return this.accounts();
      default:
        throw usage(`Unknown command "${name}".`);
    }
  }

  private async ls(): Promise<void> {
    this.arity('ls', 0, 1, '[s3://bucket[/prefix]]');
    await this.withConnection(async (c) => {
      if (!this.args[0]) {
        const buckets = await c.storage.listBuckets();
        if (this.o.json) return this.json(buckets);
        for (const b of buckets) this.out(`${formatDate(b.createdAt)} ${b.name}`);
        return;
      }
      const { bucket, key: prefix } = parseS3Url(this.args[0]);
      for await (const page of c.storage.listObjects(bucket, prefix, { recursive: Boolean(this.o.recursive), ...(this.io.signal ? { signal: this.io.signal } : {}) })) {
        for (const folder of page.folders) {
          if (this.o.json) this.json({ type: 'folder', prefix: folder });
          else this.out(`${''.padStart(19)} ${'PRE'.padStart(10)} ${folder.slice(prefix.lastIndexOf('/') + 1)}`);
        }
        for (const obj of page.objects) {
          if (this.o.json) this.json({ type: 'object', ...obj });
          else this.out(`${formatDate(obj.lastModified)} ${String(obj.size).padStart(10)} ${this.o.recursive ? obj.key : obj.key.slice(prefix.lastIndexOf('/') + 1)}`);
        }
      }
    });
  }

  private async mb(): Promise<void> {
    this.arity('mb', 1, 1, 's3://bucket');
    const { bucket, key } = parseS3Url(this.args[0]!, { newBucket: true });
    if (key) throw usage(`mb takes a bucket, not a key: s3://${bucket}`);
    await this.withConnection((c) => c.storage.createBucket(bucket));
    if (this.o.json) this.json({ bucket });
    else this.out(`make_bucket: ${bucket}`);
  }

  private async rm(): Promise<void> {
    this.arity('rm', 1, 1, 's3://bucket/key');
    const { bucket, key } = parseS3Url(this.args[0]!);
    if (this.o.recursive) {
      const { deleteObjects, objectsUnder } = await import('../core/s3/manage');
      const prefix = key && !key.endsWith('/') ? `${key}/` : key;
      const deleted = await this.withConnection(async (c) => {
        const keys = (await objectsUnder(c.storage, bucket, prefix, this.io.signal)).map((o) => o.key);
        await deleteObjects(c.storage, bucket, keys, this.io.signal ? { signal: this.io.signal } : {});
        return keys;
      });
      if (this.o.json) return this.json({ bucket, deleted });
      for (const k of deleted) this.out(`delete: ${formatS3Url({ bucket, key: k })}`);
      return;
    }
    if (!key) throw usage('rm deletes an object: give s3://bucket/key (or a folder with --recursive).');
    await this.withConnection(async (c) => {
      await c.storage.head(bucket, key);
      await c.storage.delete(bucket, key);
    });
    if (this.o.json) this.json({ bucket, key, deleted: true });
    else this.out(`delete: ${formatS3Url({ bucket, key })}`);
  }

  /** Renames or moves an object (or, with --recursive, a folder): copied on the server, checked, then the original deleted. */
  private async mv(): Promise<void> {
    this.arity('mv', 2, 2, 's3://bucket/key s3://bucket/newkey');
    const from = parseS3Url(this.args[0]!);
    const to = parseS3Url(this.args[1]!);
    if (!from.key) throw usage('mv moves an object or folder: give s3://bucket/key.');
    // As aws s3 mv, and as ferry rm and cp: a folder moves only when asked to.
    if (from.key.endsWith('/') && !this.o.recursive) throw usage(`${formatS3Url(from)} is a folder; moving a folder and everything in it needs --recursive.`);
    const folder = Boolean(this.o.recursive);
    const src = folder && !from.key.endsWith('/') ? `${from.key}/` : from.key;
    let dst = to.key;
    if (folder) dst = dst && !dst.endsWith('/') ? `${dst}/` : dst;
    else if (!dst || dst.endsWith('/')) dst = `${dst}${from.key.slice(from.key.lastIndexOf('/') + 1)}`;
    if (folder && !dst) throw usage('Give the folder a destination inside the bucket: s3://bucket/newfolder/.');
    const { moveObjects } = await import('../core/s3/manage');
    const plan = await this.withConnection((c) => moveObjects(c.storage, from.bucket, src, dst, { toBucket: to.bucket, ...(this.io.signal ? { signal: this.io.signal } : {}) }));
    if (this.o.json) return this.json({ moved: plan.map((p) => ({ from: formatS3Url({ bucket: from.bucket, key: p.from }), to: formatS3Url({ bucket: to.bucket, key: p.to }) })) });
    for (const p of plan) this.out(`move: ${formatS3Url({ bucket: from.bucket, key: p.from })} to ${formatS3Url({ bucket: to.bucket, key: p.to })}`);
  }

  /** Deletes a bucket; --force deletes everything in it first (as aws s3 rb --force). */
  private async rb(): Promise<void> {
    this.arity('rb', 1, 1, 's3://bucket');
    const { bucket, key } = parseS3Url(this.args[0]!);
    if (key) throw usage(`rb deletes a bucket, not a key: s3://${bucket}`);
    const { deleteBucket } = await import('../core/s3/manage');
    const out = await this.withConnection((c) =>
      deleteBucket(c.storage, bucket, { withContents: Boolean(this.o.force), ...(this.io.signal ? { signal: this.io.signal } : {}) }).catch((err: unknown) => {
        if (isFerryError(err, 'BUCKET_NOT_EMPTY') && !this.o.force) throw new FerryError('BUCKET_NOT_EMPTY', `The bucket ${bucket} is not empty. Delete it with everything in it: ferry rb s3://${bucket} --force`);
        throw err;
      }),
    );
    if (this.o.json) this.json({ bucket, deletedObjects: out.objects });
    else this.out(`remove_bucket: ${bucket}`);
  }

  /**
   * Downloads an object to a file or folder (or, with --recursive, a whole prefix into a folder).
   * A folder's objects each get a file of their own (two keys never write one file), a key that
   * cannot be a file here is skipped with the reason, and one object's failure does not stop the
   * rest; the command fails at the end if any did.
   */
  private async download(): Promise<void> {
    const [source, target = '.'] = this.args as [string, string | undefined];
    const { bucket, key } = parseS3Url(source);
    const [{ planRecursive }, { downloadName }] = await Promise.all([import('../core/transfers/targets'), import('../core/transfers/download')]);
    const bar = this.io.stderr.isTTY && !this.o.json && !this.o['no-progress'] ? new ProgressBar(this.terminal) : undefined;
    const opts = { replace: true, ...(this.io.signal ? { signal: this.io.signal } : {}), ...(this.concurrencyOption() ? { concurrency: this.concurrencyOption()! } : {}), ...(this.o['part-size'] ? { partSize: parseSize(this.o['part-size']) } : {}) };
    const targetInfo = await stat(target).catch(() => undefined);
    const results: DownloadResult[] = [];
    const failures: string[] = [];
    await this.withConnection(async (c) => {
      if (this.o.recursive) {
        const prefix = key && !key.endsWith('/') ? `${key}/` : key;
        const { items, skipped } = await planRecursive(c.storage, bucket, prefix, target, this.io.signal);
        for (const s of skipped) failures.push(`${formatS3Url({ bucket, key: s.key })}: skipped: ${s.reason}`);
        for (const s of skipped) this.io.stderr.write(`ferry: skipped ${formatS3Url({ bucket, key: s.key })}: ${s.reason}\n`);
        const total = items.reduce((n, o) => n + o.size, 0);
        let before = 0;
        for (const o of items) {
          if (this.o['no-clobber'] && (await stat(o.file).then(() => true, () => false))) continue;
          try {
            const r = await c.download({ bucket, key: o.key, file: o.file, folder: o.folder, ...opts, ...(bar ? { onProgress: (p: Progress) => bar.update({ ...p, bytesDone: before + p.bytesDone, totalBytes: total }) } : {}) });
            results.push(r);
            if (!this.o.json) this.out(`download: ${formatS3Url({ bucket, key: o.key })} to ${r.file}`);
          } catch (err) {
            if (isFerryError(err, 'CANCELLED') || this.io.signal?.aborted) throw err;
            bar?.clear();
            const why = err instanceof Error ? err.message : String(err);
            failures.push(`${formatS3Url({ bucket, key: o.key })}: ${why}`);
            this.io.stderr.write(`ferry: ${formatS3Url({ bucket, key: o.key })} was not downloaded: ${why}\n`);
          }
          before += o.size;
        }
        return;
      }
      if (!key || key.endsWith('/')) throw usage('Give an object to download (s3://bucket/key), or a folder with --recursive.');
      const file = targetInfo?.isDirectory() || target.endsWith('/') ? join(target, downloadName(key)) : target;
      // As aws s3 cp: the folder the file goes into is made if it is not there.
      await mkdir(dirname(file), { recursive: true });
      if (this.o['no-clobber'] && (await stat(file).then(() => true, () => false))) {
        this.io.stderr.write(`ferry: ${file} already exists; not replaced (--no-clobber)\n`);
        return;
      }
      const r = await c.download({ bucket, key, file, ...opts, ...(bar ? { onProgress: (p: Progress) => bar.update(p), onWaiting: (w: boolean) => bar.setWaiting(w) } : {}) }).finally(() => bar?.clear());
      results.push(r);
      if (!this.o.json) this.out(`download: ${formatS3Url({ bucket, key })} to ${file}`);
    });
    bar?.clear();
    if (this.o.json) this.json(this.o.recursive ? { downloaded: results, failed: failures } : results[0]);
    if (failures.length) {
      throw new FerryError('S3_ERROR', `${failures.length} of ${results.length + failures.length} objects were not downloaded; the first: ${failures[0]}`);
    }
  }

  /** What the command modules in commands/ use of this one. */
  private context(): CommandContext {
    return {
      ferry: this.ferry,
      args: this.args,
      o: this.o,
      expiry: () => this.expiry(),
      out: (line) => this.out(line),
      json: (value) => this.json(value),
      say: (line) => void this.io.stderr.write(`${line}\n`),
      usage,
      withConnection: (fn) => this.withConnection(fn),
      uploadAll: async (c, files, bucket, prefix) => {
        const keys: string[] = [];
        for (const file of files) {
          const key = `${prefix}${basename(file)}`;
          await c.upload({ file, bucket, key, ...(this.io.signal ? { signal: this.io.signal } : {}) }, { resume: !this.o['no-resume'] });
          // stdout is for the link alone (scripts capture it), as with plain ferry share.
          if (!this.o.json) this.io.stderr.write(`upload: ${file} to ${formatS3Url({ bucket, key })}\n`);
          keys.push(key);
        }
        return keys;
      },
    };
  }

  private expiry(): number {
    return this.o['expires-in'] === undefined ? DEFAULT_EXPIRY_SECONDS : parseExpiry(this.o['expires-in']);
  }

  private async cp(share: boolean): Promise<void> {
    const name = share ? 'share' : 'cp';
    if (!share && this.args[0]?.startsWith('s3://')) {
      this.arity(name, 1, 2, 's3://bucket/key [FILE or FOLDER]');
      if (this.args[1]?.startsWith('s3://')) throw usage('To copy within S3, use ferry mv (moves) or download and upload again.');
      return this.download();
    }
    this.arity(name, 2, 2, 'FILE s3://bucket[/key]');
    if (this.o.recursive && !share) return this.cpRecursive();
    const [file, target] = this.args as [string, string];
    if (file.startsWith('s3://')) throw usage(`Ferry uploads local files; "${file}" is an S3 URL. Usage: ferry ${name} FILE s3://bucket[/key].`);
    const loc = parseS3Url(target);
    const key = !loc.key || loc.key.endsWith('/') ? `${loc.key}${basename(file)}` : loc.key;
    const expiresIn = share ? this.expiry() : 0;
    const partSize = this.o['part-size'] ? parseSize(this.o['part-size']) : undefined;
    const bar = this.io.stderr.isTTY && !this.o.json && !this.o['no-progress'] ? new ProgressBar(this.terminal) : undefined;
    const result: UploadResult | undefined = await this.withConnection(async (c) => {
      if (this.o['no-clobber'] && (await c.storage.exists(loc.bucket, key))) {
        this.io.stderr.write(`ferry: ${formatS3Url({ bucket: loc.bucket, key })} already exists; not replaced (--no-clobber)\n`);
        return undefined;
      }
      const uploaded = await c
        .upload(
          {
            file,
            bucket: loc.bucket,
            key,
            ...(this.concurrencyOption() ? { concurrency: this.concurrencyOption()! } : {}),
            ...(partSize ? { partSize } : {}),
            ...(this.io.signal ? { signal: this.io.signal } : {}),
            ...(bar ? { onProgress: (p: Progress) => bar.update(p), onWaiting: (w: boolean) => bar.setWaiting(w) } : {}),
            onPlan: (plan) => {
              if (plan.multipart && c.profile.capabilities?.abortMultipart === false) {
                this.io.stderr.write(`ferry: warning: ${c.storage.endpoint} does not support cancelling multipart uploads (found by ferry accounts test): if this upload is cancelled or fails, its parts may stay on the server and cost money.\n`);
              }
              if (this.o.debug) {
                this.io.stderr.write(
                  `ferry: ${formatBytes(plan.size)} as ${plan.multipart ? `${plan.partCount} parts of ${formatBytes(plan.partSize)}, ${plan.concurrency} at a time` : 'a single PUT'}${this.o['part-size'] || this.o.concurrency ? '' : ' (chosen for this file size and provider)'}\n`,
                );
              }
            },
            onResume: ({ partsOnServer, partCount }) => {
              if (this.o.debug || this.io.stderr.isTTY) {
                this.io.stderr.write(`ferry: continuing an interrupted upload: ${partsOnServer} of ${partCount} parts are already on the server\n`);
              }
            },
            onRestart: (reason) => this.io.stderr.write(`ferry: starting the upload over: ${reason}\n`),
          },
          { resume: !this.o['no-resume'] },
        )
        .finally(() => bar?.clear());
      if (uploaded.alreadyUploaded) {
        this.io.stderr.write(`ferry: ${formatS3Url({ bucket: loc.bucket, key })} already holds this file (an earlier run's upload had finished); nothing was sent\n`);
      }
      if (uploaded.changedDuringUpload) {
        this.io.stderr.write(
          `ferry: warning: ${file} changed while it was being uploaded; ${formatS3Url({ bucket: loc.bucket, key })} holds the ${formatBytes(uploaded.size)} it had when Ferry read it (verified by the server). Upload it again for the newer version.\n`,
        );
      }
      if (!share) return uploaded;
      const link = await c.share({ bucket: loc.bucket, key, expiresIn, ...(this.o.filename ? { filename: this.o.filename } : {}) });
      this.printLink(link, uploaded);
      return uploaded;
    });
    if (share || !result) return;
    if (this.o.json) this.json(result);
    else this.out(`upload: ${file} to ${formatS3Url({ bucket: loc.bucket, key })}`);
  }

  /**
   * A folder's files under a prefix, as aws s3 cp --recursive does (the folder's own name is not
   * part of the keys). Files move through the same queue as in the window: several small files at
   * once, large ones in parallel parts. One failure does not stop the others; all are reported.
   */
  private async cpRecursive(): Promise<void> {
    const [dir, target] = this.args as [string, string];
    const loc = parseS3Url(target);
    const info = await stat(dir).catch(() => undefined);
    if (!info) throw new FerryError('FILE_NOT_FOUND', `There is no folder at ${dir}. Check the path and try again.`);
    if (!info.isDirectory()) throw usage(`${dir} is a file; --recursive uploads a folder. Drop --recursive to upload one file.`);
    const prefix = loc.key && !loc.key.endsWith('/') ? `${loc.key}/` : loc.key;
    const top = `${basename(resolve(dir))}/`;
    const { TransferQueue } = await import('../core/transfers/queue');
    const files = (
      await expandDrop([dir], '', ({ link, target }) => this.io.stderr.write(`ferry: skipped ${link}: the link points outside ${dir}, to ${target}\n`))
    ).map((f) => ({ ...f, key: prefix + f.key.slice(top.length) }));
    const bar = this.io.stderr.isTTY && !this.o.json && !this.o['no-progress'] ? new ProgressBar(this.terminal) : undefined;
    const total = files.reduce((n, f) => n + f.size, 0);
    const done = new Map<string, number>();
    const failures: string[] = [];
    const results: Array<{ file: string; key: string; size: number }> = [];
    await this.withConnection(async (c) => {
      await new Promise<void>((resolveAll) => {
        let left = files.length;
        if (!left) resolveAll();
        const queue = new TransferQueue({
          connection: async () => c,
          // Sixteen small files, or four large ones, at a time.
          maxActive: 4,
          onChange: (t) => {
            done.set(t.id, t.status === 'done' ? t.size : t.bytesDone);
            if (bar) bar.update({ bytesDone: [...done.values()].reduce((a, b) => a + b, 0), totalBytes: total, bytesPerSecond: 0, done: false });
          },
          onFinished: (t) => {
            if (t.status === 'done') {
              results.push({ file: t.file, key: t.key, size: t.size });
              if (!this.o.json) this.out(`upload: ${t.file} to ${formatS3Url({ bucket: t.bucket, key: t.key })}`);
            } else failures.push(`${t.file}: ${t.error ?? t.status}`);
            if (--left === 0) resolveAll();
          },
        });
        this.io.signal?.addEventListener('abort', () => queue.list().forEach((t) => void queue.cancel(t.id).catch(() => {})), { once: true });
        queue.add(files.map((f) => ({ account: c.profile.name, bucket: loc.bucket, key: f.key, file: f.file, size: f.size })));
      });
    });
    bar?.clear();
    if (this.o.json) this.json({ uploaded: results, failed: failures });
    if (this.io.signal?.aborted) throw new FerryError('CANCELLED', 'Upload cancelled.');
    if (failures.length) {
      throw new FerryError('S3_ERROR', `${failures.length} of ${files.length} files were not uploaded; the first: ${failures[0]}`);
    }
  }

  private async presign(): Promise<void> {
    this.arity('presign', 1, 1, 's3://bucket/key');
    const { bucket, key } = parseS3Url(this.args[0]!);
    if (!key) throw usage('presign makes a link to an object: give s3://bucket/key.');
    const expiresIn = this.expiry();
    // No connection: signing needs no request to the server, and so no S3 SDK.
    const link = await this.ferry.share(this.selector, { bucket, key, expiresIn, ...(this.o.filename ? { filename: this.o.filename } : {}) });
    this.printLink(link);
  }

  /** Only the URL goes to stdout (scripts capture it); the expiry goes to stderr on a terminal. */
  private printLink(link: ShareLink, upload?: UploadResult): void {
    if (this.o.json) return this.json(upload ? { ...link, upload } : link);
    this.out(link.url);
    if (this.io.stderr.isTTY) {
      const why = link.limitedBy === 'credentials' ? ' (when the temporary credentials that signed it expire)' : '';
      this.io.stderr.write(`Expires ${link.expiresAt}, in ${describeDuration(link.lifetimeSeconds)}${why}.\n`);
    }
    if (link.temporaryCredentials && link.limitedBy === 'expiry') {
      this.io.stderr.write('ferry: note: this link was signed with temporary credentials and stops working when they expire, which may be sooner.\n');
    }
  }

  private async links(): Promise<void> {
    this.arity('links', 0, 0, '');
    const now = this.ferry.clock.now();
    const records = await this.ferry.links.list(200);
    if (this.o.json) return this.json(records.map((r) => ({ ...r, expired: Date.parse(r.expiresAt) <= now })));
    for (const r of records) {
      const left = Date.parse(r.expiresAt) - now;
      this.out(`${r.createdAt}  ${left > 0 ? `expires in ${describeDuration(left / 1000)}` : 'expired'}  ${formatS3Url(r)}`);
    }
  }

  /** Unfinished multipart uploads: listed with what they cost, and aborted. */
  private async uploads(): Promise<void> {
    const [sub, target, ...extra] = this.args;
    if ((sub !== 'ls' && sub !== 'abort') || !target || extra.length) {
      throw usage('Usage: ferry uploads ls s3://bucket[/prefix] | ferry uploads abort s3://bucket[/prefix] [--older-than 1d] [--upload-id ID].');
    }
    const { bucket, key: prefix } = parseS3Url(target);
    const olderThan = this.o['older-than'] ? parseAge(this.o['older-than']) : 0;
    const now = this.ferry.clock.now();
    await this.withConnection(async (c) => {
      const uploads = (await c.storage.listMultipartUploads(bucket, prefix || undefined, this.io.signal)).filter(
        (u) => (!this.o['upload-id'] || u.uploadId === this.o['upload-id']) && (!olderThan || (u.initiated && now - Date.parse(u.initiated) >= olderThan * 1000)),
      );
      if (sub === 'ls') {
        const rows = [];
        for (const u of uploads) rows.push({ ...u, ...(await c.storage.multipartUsage(bucket, u.key, u.uploadId, this.io.signal)) });
        if (this.o.json) return this.json(rows);
        if (!rows.length) return this.out(`No unfinished uploads in s3://${bucket}/${prefix}`);
        for (const r of rows) {
          const age = r.initiated ? `${describeDuration((now - Date.parse(r.initiated)) / 1000)} old` : 'age unknown';
          this.out(`${age.padEnd(22)} ${String(r.parts).padStart(5)} parts ${formatBytes(r.bytes).padStart(10)}  ${formatS3Url({ bucket, key: r.key })}  ${r.uploadId}`);
        }
        return;
      }
      for (const u of uploads) {
        await c.storage.abortMultipartUpload(bucket, u.key, u.uploadId);
        if (!this.o.json) this.out(`abort: ${formatS3Url({ bucket, key: u.key })} ${u.uploadId}`);
      }
      if (this.o.json) this.json({ aborted: uploads.map((u) => ({ key: u.key, uploadId: u.uploadId })) });
      else if (!uploads.length) this.out('Nothing to abort.');
    });
  }

  private async accounts(): Promise<void> {
    const [sub, ...rest] = this.args;
    const name = rest[0];
    switch (sub) {
      case 'list': {
        const accounts = await this.ferry.listAccounts();
        if (this.o.json) return this.json(accounts);
        if (!accounts.length) return this.out('No accounts yet. Add one with: ferry accounts add NAME --provider storj');
        for (const a of accounts) {
          this.out(`${a.isDefault ? '*' : ' '} ${a.name.padEnd(20)} ${PRESETS[a.provider].label.padEnd(28)} ${a.endpoint ?? '(AWS default)'}  ${a.region}`);
        }
        return;
      }
      case 'add':
        return this.addAccount(name, rest.length);
      case 'remove': {
        if (!name || rest.length !== 1) throw usage('Usage: ferry accounts remove NAME.');
        await this.ferry.removeAccount(name);
        if (this.o.json) return this.json({ removed: name });
        return this.out(`Removed account "${name}" and its keychain entry.`);
      }
      case 'default': {
        if (!name || rest.length !== 1) throw usage('Usage: ferry accounts default NAME.');
        await this.ferry.accounts.setDefault(name);
        return this.out(`"${name}" is now the default account.`);
      }
      case 'test': {
        if (rest.length > 1) throw usage('Usage: ferry accounts test [NAME].');
        const report = await this.ferry.testConnection({ ...this.selector, ...(name ? { account: name } : {}) });
        if (this.o.json) this.json(report);
        else {
          this.out(`Account ${report.account} at ${report.endpoint} (region ${report.region})`);
          for (const c of report.checks) this.out(`  ${c.ok ? 'ok  ' : 'FAIL'} ${c.name}: ${c.detail}`);
          if (report.abilities?.length) {
            this.out(report.capabilities ? `What the server supports (tested in bucket ${report.capabilities.bucket}, saved on the account):` : 'What the server supports:');
            for (const c of report.abilities) this.out(`  ${c.ok ? 'yes ' : 'no  '} ${c.name}: ${c.detail}`);
          }
        }
        if (!report.ok) throw new FerryError('S3_ERROR', `The connection test failed at "${report.checks.find((c) => !c.ok)?.name}".`);
        return;
      }
      default:
        throw usage(`Unknown accounts command "${sub ?? ''}". Use add, list, remove, test or default.`);
    }
  }

  private async addAccount(name: string | undefined, count: number): Promise<void> {
    if (!name || count !== 1) throw usage('Usage: ferry accounts add NAME [--provider P] [--endpoint-url URL] [--region R] [--access-key-id ID].');
    if (this.o['path-style'] && this.o['virtual-hosted']) throw usage('Choose one of --path-style and --virtual-hosted.');
    const { stdin } = this.io;
    const stderr = this.terminal;
    let accessKeyId = this.o['access-key-id']?.trim();
    let secretAccessKey: string;
    if (stdin.isTTY) {
      accessKeyId ||= (await ask('Access key ID: ', { input: stdin, output: stderr })).trim();
      secretAccessKey = (await ask('Secret access key: ', { input: stdin, output: stderr, hidden: true })).trim();
    } else {
      const lines = (await readAll(stdin)).split(/\r?\n/).map((l) => l.trim()).filter(Boolean);
      if (!accessKeyId) accessKeyId = lines.shift();
      secretAccessKey = lines.shift() ?? '';
    }
    if (!accessKeyId || !secretAccessKey) {
      throw usage(
        'accounts add needs an access key ID and a secret access key: type them at the prompt, or pipe them on stdin (the key ID on the first line, the secret on the second; or only the secret with --access-key-id).',
      );
    }
    const account = await this.ferry.addAccount(
      {
        name,
        ...(this.o.provider ? { provider: this.o.provider } : {}),
        ...(this.o['endpoint-url'] ? { endpoint: this.o['endpoint-url'] } : {}),
        ...(this.o.region ? { region: this.o.region } : {}),
        ...(this.o['path-style'] ? { pathStyle: true } : this.o['virtual-hosted'] ? { pathStyle: false } : {}),
        ...(this.o['part-size'] ? { partSize: parseSize(this.o['part-size']) } : {}),
        ...(this.o['allow-link-local-endpoint'] ? { allowLinkLocal: true } : {}),
      },
      { accessKeyId, secretAccessKey },
    );
    if (this.o.default) await this.ferry.accounts.setDefault(name);
    if (this.o.json) return this.json(account);
    this.out(`Added account "${account.name}" (${PRESETS[account.provider].label}, ${account.endpoint ?? 'AWS'}); its keys are in the system keychain.`);
    this.out(`Check it with: ferry accounts test ${account.name}`);
  }
}

/** An age such as 1d, 12h, 90m or seconds, for --older-than. */
function parseAge(raw: string): number {
  const m = /^(\d+)([smhdw]?)$/.exec(raw.trim().toLowerCase());
  if (!m) throw usage(`"${raw}" is not an age. Write it as 90m, 12h or 7d.`);
  return Number(m[1]) * ({ '': 1, s: 1, m: 60, h: 3600, d: 86_400, w: 604_800 } as Record<string, number>)[m[2]!]!;
}

function formatDate(iso: string | undefined): string {
  if (!iso) return ''.padStart(19);
  const d = new Date(iso);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}

/** One line on stderr, redrawn in place at most a few times a second. */
class ProgressBar {
  private waiting = false;
  private last: Progress | undefined;
  constructor(private readonly stream: NodeJS.WritableStream & { columns?: number }) {}
  setWaiting(waiting: boolean): void {
    this.waiting = waiting;
    if (this.last) this.update(this.last);
  }
  update(p: Progress): void {
    this.last = p;
    const pct = p.totalBytes ? Math.floor((p.bytesDone / p.totalBytes) * 100) : 100;
    const eta = p.etaSeconds !== undefined ? `, ${describeDuration(Math.ceil(p.etaSeconds))} left` : '';
    const rate = this.waiting ? 'waiting for network…' : `${formatBytes(Math.round(p.bytesPerSecond))}/s${eta}`;
    const line = `${String(pct).padStart(3)}%  ${formatBytes(p.bytesDone)} of ${formatBytes(p.totalBytes)}  ${rate}`;
    this.stream.write(`\r${line.slice(0, this.width()).padEnd(Math.min(60, this.width()))}`);
  }
  clear(): void {
    this.stream.write(`\r${' '.repeat(Math.min(60, this.width()))}\r`);
  }
  /** Columns to draw in: a terminal that reports none (a pty of size 0×0) gets the usual 80. */
  private width(): number {
    return (this.stream.columns || 80) - 1;
  }
}
