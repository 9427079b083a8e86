/**
 * What every command shares: the options all of them take, the connection, the output (text or
 * JSON), the link expiry and the progress bar. A command gets one Context and reads its own
 * options through it. This module loads nothing heavy: ferry --help reads its options.
 */
import { FerryError } from '../core/errors';
import type { Connection, Ferry, Selector } from '../core/ferry';
import { DEFAULT_EXPIRY_SECONDS, parseExpiry } from '../core/links/expiry';
import type { SecretStore } from '../core/secrets/secrets';
import { parseSize } from '../core/transfers/plan';
import { ProgressBar } from './progress-bar';
import { safeJson } from './safe-text';

export interface CliIO {
  stdout: NodeJS.WritableStream & { isTTY?: boolean };
  stderr: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  stdin: NodeJS.ReadableStream & { isTTY?: boolean };
  env: NodeJS.ProcessEnv;
  secrets?: SecretStore;
  /** Aborted on Ctrl-C. */
  signal?: AbortSignal;
}

/** An option as a command declares it: its type for the parser and, if ferry --help lists it there, its line in Options. */
export interface OptionSpec {
  type: 'string' | 'boolean';
  short?: string;
  help?: readonly [label: string, text: string];
}

export type OptionSpecs = Readonly<Record<string, OptionSpec>>;

/** What the parser gives for a table of options: strings and flags, each only when given. */
export type OptionValues<T extends OptionSpecs> = { [K in keyof T]?: ValueOf<T[K]['type']> | undefined };
type ValueOf<Type> = Type extends 'string' ? string : boolean;

/** A line of a command's usage in ferry --help: what to type, what it does, and where that starts when not in the usual column. */
export type UsageLine = readonly [synopsis: string, summary?: string, column?: number];

/** The options every command takes: who to connect as and where, how to print, and what run.ts itself reads. */
export const SHARED_OPTIONS = {
  account: { type: 'string', help: ['--account NAME', 'use this account (default: FERRY_ACCOUNT, AWS_* variables, then the default account)'] },
  'endpoint-url': { type: 'string', help: ['--endpoint-url URL', "S3 endpoint to use instead of the account's"] },
  region: { type: 'string', help: ['--region REGION', 'region to sign requests for'] },
  'expires-in': { type: 'string', help: ['--expires-in TIME', 'link lifetime: seconds or 90s, 15m, 1h, 7d (1 second to 7 days)'] },
  'part-size': { type: 'string', help: ['--part-size SIZE', "multipart part size, e.g. 64MiB (default: the provider's, else chosen per file)"] },
  concurrency: { type: 'string', help: ['--concurrency N', 'parts in flight at once, fixed (default: from 4 or 8, more while that is faster; --debug shows it)'] },
  bwlimit: { type: 'string', help: ['--bwlimit RATE', 'cap transfers at RATE per second in each direction, shared by all files, e.g. 5MiB'] },
  json: { type: 'boolean', help: ['--json', 'machine-readable output'] },
  'no-progress': { type: 'boolean', help: ['--no-progress', 'no progress bar even on a terminal'] },
  debug: { type: 'boolean', help: ['--debug', 'show stack traces and the upload plan'] },
  help: { type: 'boolean', short: 'h', help: ['-h, --help', 'this help'] },
  version: { type: 'boolean', help: ['--version', "Ferry's version"] },
} as const satisfies OptionSpecs;

/** A mistake in how Ferry was called: exit status 2, and a pointer to the help. */
export function usage(message: string): FerryError {
  return new FerryError('USAGE', `${message} See: ferry --help`);
}

export class Context<T extends OptionSpecs = OptionSpecs> {
  constructor(
    readonly ferry: Ferry,
    /** The command's name, for its usage errors. */
    readonly name: string,
    /** Every option given. A command's type sees the shared ones and its own. */
    readonly o: OptionValues<typeof SHARED_OPTIONS> & OptionValues<T>,
    /** The arguments after the command's name. */
    readonly args: string[],
    /** Streams whose every line has its control characters escaped (see safe-text.ts). */
    readonly io: CliIO,
    /** The terminal itself, for the progress bar and the key prompt, which draw with control characters of their own. */
    readonly terminal: CliIO['stderr'],
    /** stdout as it is, for an object's bytes (ferry cp s3://b/k -): never escaped, never a line. */
    readonly bytesOut: CliIO['stdout'] = io.stdout,
  ) {}

  get selector(): Selector {
    return {
      ...(this.o.account ? { account: this.o.account } : {}),
      ...(this.o['endpoint-url'] ? { endpointUrl: this.o['endpoint-url'] } : {}),
      ...(this.o.region ? { region: this.o.region } : {}),
    };
  }

  /** Ctrl-C, as a request option: `{ signal }`, or nothing when there is none to hear. */
  get abortable(): { signal?: AbortSignal } {
    return this.io.signal ? { signal: this.io.signal } : {};
  }

  /** One line of output on stdout. */
  out(line: string): void {
    this.io.stdout.write(`${line}\n`);
  }

  /** A value as one line of JSON on stdout (--json). */
  json(value: unknown): void {
    this.out(safeJson(value));
  }

  /** One line on stderr: notes, warnings, what a transfer skipped; stdout stays for what scripts capture. */
  say(line: string): void {
    this.io.stderr.write(`${line}\n`);
  }

  /** Refuses too few or too many arguments, naming the shape they take. */
  arity(min: number, max: number, shape: string): void {
    if (this.args.length < min || this.args.length > max) throw usage(`Usage: ferry ${[this.name, shape].filter(Boolean).join(' ')}.`);
  }

  /** The user's --concurrency, or undefined to let Ferry choose per file. */
  concurrencyOption(): number | undefined {
    return this.o.concurrency === undefined ? undefined : this.concurrency();
  }

  private concurrency(): number {
    if (this.o.concurrency === undefined) return 8;
    const n = Number(this.o.concurrency);
    if (!Number.isInteger(n) || n < 1 || n > 64) throw usage(`--concurrency must be a whole number from 1 to 64, not "${this.o.concurrency}".`);
    return n;
  }

  /** The user's --part-size in bytes, if given. */
  partSize(): number | undefined {
    return this.o['part-size'] ? parseSize(this.o['part-size']) : undefined;
  }

  /** The link lifetime asked for with --expires-in, or the default hour. */
  expiry(): number {
    return this.o['expires-in'] === undefined ? DEFAULT_EXPIRY_SECONDS : parseExpiry(this.o['expires-in']);
  }

  /**
   * What a transfer that waits out a lost network tells: on the bar where there is one, else one
   * line on stderr the first time (a log of a cron job or a CI run, never a silent hang).
   */
  waiting(bar: ProgressBar | undefined, endpoint: string, what: 'upload' | 'download'): (waiting: boolean) => void {
    let said = false;
    return (w) => {
      if (bar) return bar.setWaiting(w);
      if (w && !said) this.say(`ferry: ${endpoint} does not answer; waiting for it (up to 10 minutes), the ${what} goes on when it does. Ctrl-C stops it.`);
      said ||= w;
    };
  }

  /** A progress bar on a terminal, unless the output is JSON or --no-progress says not to. */
  progress(): ProgressBar | undefined {
    return this.io.stderr.isTTY && !this.o.json && !this.o['no-progress'] ? new ProgressBar(this.terminal) : undefined;
  }

  /** The --bwlimit rate in bytes per second, if given ("5MiB", "5MiB/s", "512KiB"). */
  bwlimit(): number | undefined {
    const raw = this.o.bwlimit;
    if (raw === undefined) return undefined;
    let rate: number;
    try {
      rate = parseSize(raw.trim().replace(/\/s$/i, ''));
    } catch {
      throw usage(`--bwlimit takes a rate per second such as 5MiB, 512KiB or 5MiB/s, not "${raw}".`);
    }
    if (rate < 1024) throw usage(`--bwlimit must be at least 1KiB (per second), not "${raw}".`);
    return rate;
  }

  /** Opens a connection for the command's work and closes it after, whatever happens. */
  async withConnection<R>(fn: (c: Connection) => Promise<R>): Promise<R> {
    const rate = this.bwlimit();
    if (rate !== undefined) {
      this.ferry.bandwidth.uploads.set(rate);
      this.ferry.bandwidth.downloads.set(rate);
    }
    const conn = await this.ferry.connect(this.selector, { concurrency: this.concurrency() });
    try {
      return await fn(conn);
    } finally {
      conn.close();
    }
  }
}
