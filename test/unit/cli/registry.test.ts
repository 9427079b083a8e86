import { parseArgs } from 'node:util';
import { describe, expect, it } from 'vitest';
import { loadCommands, optionTable } from '../../../main/cli/commands';
import { help } from '../../../main/cli/help';
import { parse } from '../../../main/cli/run';

describe('the command registry', () => {
  it('every command declares its usage and options; an option several take is the same option everywhere', async () => {
    const commands = await loadCommands();
    expect(commands.map(([name]) => name)).toEqual(['ls', 'mb', 'cp', 'mv', 'rm', 'rb', 'presign', 'share', 'request', 'requests', 'links', 'uploads', 'accounts']);
    for (const [name, c] of commands) {
      expect(c.usage.length, name).toBeGreaterThan(0);
      for (const [synopsis] of c.usage) expect(synopsis.startsWith(`${name} `) || synopsis === name, synopsis).toBe(true);
      expect(typeof c.run).toBe('function');
    }
    expect(() => optionTable(commands.map(([, c]) => c))).not.toThrow();
  });

  it('ferry --help mentions every option a command takes (--default of accounts add excepted, as it always was)', async () => {
    const text = await help();
    const table = optionTable((await loadCommands()).map(([, c]) => c));
    const missing = Object.keys(table).filter((name) => !text.includes(`--${name}`));
    expect(missing).toEqual(['default']);
  });

  it('two declarations of one option that differ are refused', () => {
    const run = async () => {};
    expect(() => optionTable([{ usage: [['a']], options: { title: { type: 'string' } }, run }, { usage: [['b']], options: { title: { type: 'boolean' } }, run }])).toThrow(/--title is declared two ways/);
    expect(() => optionTable([{ usage: [['a']], options: { json: { type: 'boolean', help: ['--json', 'other words'] } }, run }])).toThrow(/--json is declared two ways/);
  });
});

describe('parsing with only the named command loaded', () => {
  /** Words from every command's options, in every position, some of them mistakes. */
  const WORDS = ['ls', 'cp', 'presign', 'share', 'request', 'accounts', 'bogus', 'add', 's3://b/k', 'file', '--title', 'T', '--json', '--recursive', '--one-link', '--filename', '--max-size', '1GiB', '--older-than', '--force', '--default', '--frobnicate', '-h', '-x', '--', '--json=1', '--title=x', '--account', '--concurrency', '4', '--no-clobber', '--provider'];

  it('gives what parsing with every command loaded gives, for any words', async () => {
    const full = Object.fromEntries(Object.entries(optionTable((await loadCommands()).map(([, c]) => c))).map(([k, { type, short }]) => [k, short ? { type, short } : { type }]));
    let seed = 7;
    const next = () => (seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) % WORDS.length;
    for (let i = 0; i < 1500; i++) {
      const argv = Array.from({ length: 1 + (i % 6) }, () => WORDS[next()]!);
      let expected: unknown;
      try {
        const r = parseArgs({ args: argv, options: full, allowPositionals: true, strict: true });
        expected = { values: r.values, positionals: r.positionals };
      } catch (err) {
        expected = `${(err as Error).message.replace(/\. To specify a positional argument.*$/s, '')}. See: ferry --help`;
      }
      const got = await parse(argv).then(
        ({ values, positionals, command }) => {
          expect(command !== undefined, argv.join(' ')).toBe(['ls', 'cp', 'presign', 'share', 'request', 'accounts'].includes(positionals[0] ?? ''));
          return { values, positionals };
        },
        (err: Error) => err.message,
      );
      expect(got, argv.join(' ')).toEqual(expected);
    }
  });
});
