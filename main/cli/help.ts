/**
 * Ferry's version, and ferry --help made from the command modules (their usage and options) and
 * the shared options, so the help says what the commands take. Nothing is loaded for
 * ferry --version; for the help, only the commands' modules, none of the SDK, zod or the keychain.
 */
import type { UsageLine } from './context';

export const VERSION = '0.1.0';

/** Where ferry --help lists each option that has a line there (each line is where the option is declared). */
const OPTION_ORDER = [
  'account', 'endpoint-url', 'region', 'expires-in', 'filename', 'one-link', 'replace', 'private', 'passphrase', 'max-size', 'accept', 'note', 'title',
  'provider', 'access-key-id', 'path-style', 'allow-link-local-endpoint', 'keys', 'no-test', 'part-size', 'concurrency', 'bwlimit', 'recursive',
  'json', 'no-progress', 'no-resume', 'no-clobber', 'debug', 'help', 'version',
];

export async function help(): Promise<string> {
  const { loadCommands, optionTable } = await import('./commands');
  const commands = await loadCommands();
  const options = optionTable(commands.map(([, c]) => c));
  const documented = Object.keys(options).filter((name) => options[name]!.help);
  const unplaced = documented.filter((name) => !OPTION_ORDER.includes(name));
  const undeclared = OPTION_ORDER.filter((name) => !options[name]?.help);
  if (unplaced.length || undeclared.length) throw new Error(`The help's order of options and the options' lines differ: ${[...unplaced, ...undeclared].join(', ')}`);
  return `ferry: upload files to S3-compatible storage and share expiring links

Usage: ferry [options] <command> [arguments]

Commands
${commands.flatMap(([, c]) => c.usage.map((line) => row(line, 33))).join('\n')}

Options (before or after the command)
${OPTION_ORDER.map((name) => row(options[name]!.help!, 22)).join('\n')}

Credentials for scripts: AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN, AWS_ENDPOINT_URL, AWS_REGION.
One command's usage and options: ferry help COMMAND (or ferry COMMAND --help).
`;
}

/**
 * ferry COMMAND --help and ferry help COMMAND: that command's lines and the options it takes
 * (its own, then the shared ones), from the command module itself.
 */
export async function commandHelp(name: string): Promise<string | undefined> {
  const { loadCommand, loadCommands, optionTable } = await import('./commands');
  const loading = loadCommand(name);
  if (!loading) return undefined;
  const command = await loading;
  const { SHARED_OPTIONS } = await import('./context');
  // An option's line is written where it is declared once (--recursive: in ls), so it is looked up in the whole table.
  const options = optionTable((await loadCommands()).map(([, c]) => c));
  const own = Object.keys(command.options);
  const names = [...OPTION_ORDER.filter((n) => own.includes(n)), ...OPTION_ORDER.filter((n) => !own.includes(n) && n in SHARED_OPTIONS)];
  return `Usage:
${command.usage.map((line) => row(line, 33)).join('\n')}

Options
${names.flatMap((n) => (options[n]?.help ? [row(options[n].help, 22)] : [])).join('\n')}

All commands: ferry --help
`;
}

/** A line of the help: what to type, then what it does from `column` on (or three spaces after, when it is longer). */
function row([synopsis, summary, at]: UsageLine, column: number): string {
  if (!summary) return `  ${synopsis}`;
  const width = at ?? column;
  return `  ${synopsis.length + 2 <= width ? synopsis.padEnd(width) : `${synopsis}   `}${summary}`;
}
