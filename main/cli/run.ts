/**
 * The `ferry` command: parses the options, runs the command named (commands/index.ts), and turns
 * what happened into an exit status: 0 done, 1 failed, 2 a usage mistake, 130 cancelled.
 */
import { parseArgs } from 'node:util';
import { FerryError, isFerryError } from '../core/errors';
import { dataFolderError, defaultDataDir } from '../core/files';
import { Ferry } from '../core/ferry';
import { KeychainSecretStore } from '../core/secrets/secrets';
import { commandNames, loadCommand, loadCommands, optionTable, type CommandModule } from './commands';
import { Context, SHARED_OPTIONS, usage, type CliIO, type OptionSpecs } from './context';
import { VERSION, commandHelp, help } from './help';
import { safeLines, safeText, textStream } from './safe-text';
import { joinSignals } from '../core/signals';

export type { CliIO } from './context';

/** Runs the `ferry` command; returns the exit code. Never throws. */
export async function run(argv: string[], io: CliIO): Promise<number> {
  let debug = argv.includes('--debug');
  // A closed stdout (EPIPE: ferry ls | head -1) ends a command whose only work is its output, quietly,
  // with 0, as it does any Unix tool. A transfer is not cut short by it: its lines are dropped and
  // it finishes (and fails, if it fails) as it would have.
  let pipeClosed = false;
  const closed = new AbortController();
  const stop = joinSignals(io.signal, closed.signal);
  const signal = stop.signal;
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
    const { values, positionals, command } = await parse(argv);
    debug = Boolean(values.debug);
    outputOnly = Boolean(command?.outputOnly);
    if (values.version) {
      io.stdout.write(`${VERSION}\n`);
      return 0;
    }
    // ferry cp --help, ferry help cp: the command's own help.
    const asked = values.help && command ? positionals[0] : positionals[0] === 'help' ? positionals[1] : undefined;
    if (asked !== undefined || (positionals[0] === 'help' && positionals.length === 1)) {
      const text = asked === undefined ? await help() : await commandHelp(asked);
      if (text === undefined) throw usage(`Unknown command "${asked}".`);
      io.stdout.write(text);
      return 0;
    }
    if (values.help || positionals.length === 0) {
      (values.help ? io.stdout : io.stderr).write(await help());
      return values.help ? 0 : 2;
    }
    const ferry = new Ferry({ dataDir: defaultDataDir(io.env), secrets: io.secrets ?? new KeychainSecretStore(), env: io.env });
    if (!command) throw usage(`Unknown command "${positionals[0]}".${suggestion(positionals[0]!)}`);
    // An option that promises something (encryption, a passphrase) is never ignored by a command that does not do it.
    for (const name of PROMISES) {
      if (values[name] !== undefined && !(name in command.options)) throw usage(`--${name} does nothing for ferry ${positionals[0]}: nothing was done. Private links: ferry share FILE… s3://bucket/prefix/ --private; private requests: ferry request … --private.`);
    }
    // The values were parsed with the options the commands declare, so they have the types declared.
    await command.run(new Context(ferry, positionals[0]!, values as Context['o'], positionals.slice(1), { ...io, stdout: textStream(io.stdout), stderr: textStream(io.stderr), signal }, io.stderr, io.stdout));
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
    const local = dataFolderError(err, defaultDataDir(io.env));
    if (local) {
      io.stderr.write(`ferry: ${safeText(local.message)}\n`);
      return 1;
    }
    const e = err as Error;
    io.stderr.write(`ferry: unexpected error: ${safeText(e?.message ?? String(err))}${debug ? '' : ' (run again with --debug for details)'}\n`);
    if (debug) io.stderr.write(`${safeLines(e?.stack ?? '')}\n`);
    return 1;
  } finally {
    stop.release();
  }
}

/** Options whose silent omission would mislead: a command that does not declare one refuses it. */
const PROMISES = ['private', 'passphrase'] as const;

export interface Parsed {
  values: Record<string, string | boolean | undefined>;
  positionals: string[];
  /** The command named, loaded; undefined when none or an unknown one was named. */
  command: CommandModule | undefined;
}

/**
 * Parses argv as one table of every command's options: options go before or after the command,
 * an option of another command is accepted (and ignored), and an option that takes a value takes
 * the next word wherever it stands. To load only the command named, its options and the shared
 * ones are tried first: when they account for every word and find the same command, the whole
 * table would parse the same words the same way. Otherwise the whole table decides, errors included.
 */
export async function parse(argv: string[]): Promise<Parsed> {
  const guess = parseArgs({ args: argv, options: table(SHARED_OPTIONS), allowPositionals: true, strict: false }).positionals[0];
  const named = guess === undefined ? undefined : loadCommand(guess);
  if (named) {
    const command = await named;
    const quick = tryParse(argv, optionTable([command]));
    if (quick && quick.positionals[0] === guess) return { ...quick, command };
  }
  const all = new Map(await loadCommands());
  const full = tryParse(argv, optionTable([...all.values()]), true)!;
  return { ...full, command: all.get(full.positionals[0] ?? '') };
}

function tryParse(argv: string[], options: OptionSpecs, strictly = false): Omit<Parsed, 'command'> | undefined {
  try {
    return parseArgs({ args: argv, options: table(options), allowPositionals: true, strict: true });
  } catch (err) {
    if (!strictly) return undefined;
    // node:util's wording, made one line: its "\n" hints are for another program's options.
    const msg = (err as Error).message
      .replace(/\. To specify a positional argument.*$/s, '')
      .replace(/^Option '(--[\w-]+)' argument is ambiguous\..*$/s, "$1 takes a value, and what follows it starts with a dash; to give such a value, write $1=-VALUE")
      .replace(/\s*\n\s*/g, ' ');
    throw new FerryError('USAGE', `${msg}. See: ferry --help`);
  }
}

/** The parser's view of a table of options: their types and short names. */
function table(options: OptionSpecs): Record<string, { type: 'string' | 'boolean'; short?: string }> {
  return Object.fromEntries(Object.entries(options).map(([name, { type, short }]) => [name, short ? { type, short } : { type }]));
}

/** " Did you mean cp?" for a name one or two typing slips from a command (cpp, mvv, request), or nothing. */
function suggestion(name: string): string {
  const near = commandNames()
    .map((c) => ({ c, d: distance(name.toLowerCase(), c) }))
    .filter(({ d }) => d <= Math.min(2, Math.floor(name.length / 2)))
    .sort((a, b) => a.d - b.d)[0];
  return near ? ` Did you mean ${near.c}?` : '';
}

/** Levenshtein distance, for short words. */
function distance(a: string, b: string): number {
  let row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const next = [i];
    for (let j = 1; j <= b.length; j++) next[j] = Math.min(row[j]! + 1, next[j - 1]! + 1, row[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    row = next;
  }
  return row[b.length]!;
}
