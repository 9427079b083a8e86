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
    for (const argv of [['--help'], ['-h'], ['--help', 'ls'], ['--json', '--help']]) {
      expect(await cli(argv)).toEqual({ code: 0, stdout: HELP, stderr: '' });
    }
  });

  it('every command answers --help and -h with the same help, whatever else is given', async () => {
    for (const name of COMMANDS) {
      for (const argv of [[name, '--help'], [name, '-h'], ['--json', name, 'a', 'b', 'c', '--help'], [name, '--recursive', '--title', 'T', '-h']]) {
        expect(await cli(argv), argv.join(' ')).toEqual({ code: 0, stdout: HELP, stderr: '' });
      }
    }
  });

  it('an unknown command asked for help gets the help too', async () => {
    expect(await cli(['bogus', '--help'])).toEqual({ code: 0, stdout: HELP, stderr: '' });
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
