import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PROVIDERS } from '../../../main/core/accounts/presets';
import { cli } from './harness';

/** ferry --help, byte for byte as it has always been (help.txt; the provider list is filled in). */
const HELP = readFileSync(join(__dirname, 'help.txt'), 'utf8').replace('{PROVIDERS}', PROVIDERS.join(', '));
const COMMANDS = ['ls', 'mb', 'rb', 'cp', 'mv', 'rm', 'presign', 'share', 'links', 'request', 'requests', 'uploads', 'accounts'];

describe('ferry --help', () => {
  it('prints the help on stdout with status 0', async () => {
    for (const argv of [['--help'], ['-h'], ['--json', '--help'], ['help']]) {
      expect(await cli(argv)).toEqual({ code: 0, stdout: HELP, stderr: '' });
    }
  });

  it("every command answers --help, -h and ferry help COMMAND with its own lines and options, whatever else is given", async () => {
    for (const name of COMMANDS) {
      const own = await cli(['help', name]);
      expect(own.code, name).toBe(0);
      // Its own lines, every one of them as ferry --help shows it, and no other command's.
      const lines = HELP.split('\n').filter((l) => l.startsWith(`  ${name} `));
      expect(lines.length, name).toBeGreaterThan(0);
      for (const line of lines) expect(own.stdout, name).toContain(line);
      for (const other of COMMANDS.filter((c) => c !== name && !c.startsWith(name) && !name.startsWith(c))) expect(own.stdout, `${name} shows ${other}`).not.toMatch(new RegExp(`^  ${other} `, 'm'));
      expect(own.stdout).toContain('  -h, --help');
      expect(own.stdout).toContain('All commands: ferry --help');
      for (const argv of [[name, '--help'], [name, '-h'], ['--json', name, 'a', 'b', 'c', '--help'], [name, '--recursive', '--title', 'T', '-h']]) {
        expect(await cli(argv), argv.join(' ')).toEqual(own);
      }
    }
    // A command's own options are there, with the line ferry --help gives them.
    const cp = (await cli(['help', 'cp'])).stdout;
    for (const option of ['--recursive', '--no-clobber', '--part-size']) expect(cp).toContain(HELP.split('\n').find((l) => l.startsWith(`  ${option}`)));
    expect(cp).not.toContain('--max-size');
  });

  it('an unknown command asked for help gets the whole help; ferry help of an unknown one says so', async () => {
    expect(await cli(['bogus', '--help'])).toEqual({ code: 0, stdout: HELP, stderr: '' });
    expect(await cli(['help', 'bogus'])).toEqual({ code: 2, stdout: '', stderr: 'ferry: Unknown command "bogus". See: ferry --help\n' });
  });

  it('no command at all: the help on stderr, status 2', async () => {
    expect(await cli([])).toEqual({ code: 2, stdout: '', stderr: HELP });
    expect(await cli(['--json'])).toEqual({ code: 2, stdout: '', stderr: HELP });
  });

  it('--version wins over everything but a parse error', async () => {
    for (const argv of [['--version'], ['ls', '--version'], ['-h', '--version'], ['bogus', '--version'], ['--version', '--json']]) {
      expect(await cli(argv), argv.join(' ')).toEqual({ code: 0, stdout: '0.1.0\n', stderr: '' });
    }
    expect(await cli(['--version', '--frobnicate'])).toMatchObject({ code: 2, stdout: '' });
  });
});
