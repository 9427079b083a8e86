import { describe, expect, it } from 'vitest';
import { tempDir } from '../../support/helpers-fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { OFFLINE_AWS, cli } from './harness';

const SEE = ' See: ferry --help';

/** Mistakes in how a command is called: exit 2, one line on stderr, nothing on stdout, no server asked. */
const USAGE: Array<[string[], string]> = [
  [['bogus'], 'Unknown command "bogus".'],
  [['cpp', 'a', 'b'], 'Unknown command "cpp". Did you mean cp?'],
  [['Ls'], 'Unknown command "Ls". Did you mean ls?'],
  [['upload'], 'Unknown command "upload". Did you mean uploads?'],
  [['sharee'], 'Unknown command "sharee". Did you mean share?'],
  [['bogus', 'x', '--json'], 'Unknown command "bogus".'],
  [['constructor'], 'Unknown command "constructor".'],
  [['__proto__'], 'Unknown command "__proto__".'],
  [['--title', 'T', 'bogus'], 'Unknown command "bogus".'],
  [['ls', 'a', 'b'], 'Usage: ferry ls [s3://bucket[/prefix]].'],
  [['ls', '--force', '--upload-id', 'u', 'a', 'b'], 'Usage: ferry ls [s3://bucket[/prefix]].'],
  [['ls', '--concurrency=0', 'a', 'b'], 'Usage: ferry ls [s3://bucket[/prefix]].'],
  [['mb'], 'Usage: ferry mb s3://bucket.'],
  [['mb', 'a', 'b'], 'Usage: ferry mb s3://bucket.'],
  [['mb', 's3://bucket/key'], 'mb takes a bucket, not a key: s3://bucket'],
  [['rb'], 'Usage: ferry rb s3://bucket.'],
  [['rb', 'a', 'b'], 'Usage: ferry rb s3://bucket.'],
  [['rb', 's3://bucket/key'], 'rb deletes a bucket, not a key: s3://bucket'],
  [['rm'], 'Usage: ferry rm s3://bucket/key.'],
  [['rm', 'a', 'b'], 'Usage: ferry rm s3://bucket/key.'],
  [['rm', 's3://bucket'], 'rm deletes an object: give s3://bucket/key (or a folder with --recursive).'],
  [['mv'], 'Usage: ferry mv s3://bucket/key s3://bucket/newkey.'],
  [['mv', 's3://bucket'], 'Usage: ferry mv s3://bucket/key s3://bucket/newkey.'],
  [['mv', 's3://bucket', 's3://other'], 'mv moves an object or folder: give s3://bucket/key.'],
  [['mv', 's3://bucket/dir/', 's3://other/'], 's3://bucket/dir/ is a folder; moving a folder and everything in it needs --recursive.'],
  [['mv', 's3://bucket/dir', 's3://other', '--recursive'], 'Give the folder a destination inside the bucket: s3://bucket/newfolder/.'],
  [['mv', 'local.txt', 's3://bucket/x'], 'ferry mv moves objects within S3. To upload local.txt, use ferry cp local.txt s3://bucket/x (the file stays where it is).'],
  [['mv', 's3://bucket/x', 'local.txt'], 'ferry mv moves objects within S3. To download s3://bucket/x, use ferry cp s3://bucket/x local.txt (the object stays where it is).'],
  [['cp'], 'Usage: ferry cp FILE s3://bucket[/key].'],
  [['cp', 'a'], 'Usage: ferry cp FILE s3://bucket[/key].'],
  [['cp', 'a', 'b', 'c'], 'Usage: ferry cp FILE s3://bucket[/key].'],
  [['cp', 's3://bucket/k', 'a', 'b'], 'Usage: ferry cp s3://bucket/key [FILE or FOLDER].'],
  [['cp', 's3://bucket/k', 's3://other/k'], 'To copy within S3, use ferry mv (moves) or download and upload again.'],
  [['cp', 's3://bucket/k', 's3://o'], 'To copy within S3, use ferry mv (moves) or download and upload again.'],
  [['share'], 'Usage: ferry share FILE s3://bucket[/key].'],
  [['share', 's3://bucket/k'], 'Usage: ferry share FILE s3://bucket[/key].'],
  [['share', 's3://bucket/k', 'x'], 'Ferry uploads local files; "s3://bucket/k" is an S3 URL. Usage: ferry share FILE s3://bucket[/key].'],
  [['share', '--one-link'], 'Usage: ferry share FILE… s3://bucket/prefix/ --one-link, or ferry share s3://bucket/folder/ --one-link.'],
  [['presign'], 'Usage: ferry presign s3://bucket/key.'],
  [['presign', 'a', 'b'], 'Usage: ferry presign s3://bucket/key.'],
  [['presign', 's3://bucket'], 'presign makes a link to an object: give s3://bucket/key.'],
  // An option that promises encryption is never ignored: a command that does not encrypt refuses it.
  [['cp', '--private', 'a.txt', 's3://b/a.txt'], '--private does nothing for ferry cp: nothing was done. Private links: ferry share FILE… s3://bucket/prefix/ --private; private requests: ferry request … --private.'],
  [['request', 's3://b/in/', '--max-size', '1MiB', '--passphrase'], '--passphrase does nothing for ferry request: nothing was done. Private links: ferry share FILE… s3://bucket/prefix/ --private; private requests: ferry request … --private.'],
  [['links', 'x'], 'Usage: ferry links, ferry links end ID, or ferry links copy ID.'],
  [['request'], 'Usage: ferry request s3://bucket/incoming/name/ --expires-in 3d --max-size 2GiB [--accept image/*] [--note TEXT] [--title TEXT].'],
  [['request', 'a', 'b'], 'Usage: ferry request s3://bucket/incoming/name/ --expires-in 3d --max-size 2GiB [--accept image/*] [--note TEXT] [--title TEXT].'],
  [['request', 's3://bucket/p/'], 'Give the largest file a sender may upload with --max-size (for example 2GiB; at most 5 GiB).'],
  [['requests', 'x'], 'Usage: ferry requests, or ferry requests get s3://bucket/prefix/ [DIR].'],
  [['uploads'], 'Usage: ferry uploads ls s3://bucket[/prefix] | ferry uploads abort s3://bucket[/key|/folder/] [--older-than 1d] [--upload-id ID].'],
  [['uploads', 'ls'], 'Usage: ferry uploads ls s3://bucket[/prefix] | ferry uploads abort s3://bucket[/key|/folder/] [--older-than 1d] [--upload-id ID].'],
  [['uploads', 'abort'], 'Usage: ferry uploads ls s3://bucket[/prefix] | ferry uploads abort s3://bucket[/key|/folder/] [--older-than 1d] [--upload-id ID].'],
  [['uploads', 'foo', 's3://bucket'], 'Usage: ferry uploads ls s3://bucket[/prefix] | ferry uploads abort s3://bucket[/key|/folder/] [--older-than 1d] [--upload-id ID].'],
  [['uploads', 'ls', 's3://bucket', 'extra'], 'Usage: ferry uploads ls s3://bucket[/prefix] | ferry uploads abort s3://bucket[/key|/folder/] [--older-than 1d] [--upload-id ID].'],
  [['uploads', 'abort', 's3://bucket', '--older-than', 'soon'], '"soon" is not an age. Write it as 90m, 12h or 7d.'],
  [['accounts'], 'Unknown accounts command "". Use add, update, list, remove, test or default.'],
  [['accounts', 'foo'], 'Unknown accounts command "foo". Use add, update, list, remove, test or default.'],
  [['accounts', 'add'], 'Usage: ferry accounts add NAME [--provider P] [--endpoint-url URL] [--region R] [--access-key-id ID].'],
  [['accounts', 'add', 'a', 'b'], 'Usage: ferry accounts add NAME [--provider P] [--endpoint-url URL] [--region R] [--access-key-id ID].'],
  [['accounts', 'add', 'x', '--path-style', '--virtual-hosted'], 'Choose one of --path-style and --virtual-hosted.'],
  [['accounts', 'add', 'x'], 'accounts add needs an access key ID and a secret access key: type them at the prompt, or pipe them on stdin (the key ID on the first line, the secret on the second; or only the secret with --access-key-id).'],
  [['accounts', 'add', 'x', '--access-key-id', 'AK'], 'accounts add needs an access key ID and a secret access key: type them at the prompt, or pipe them on stdin (the key ID on the first line, the secret on the second; or only the secret with --access-key-id).'],
  [['accounts', 'remove'], 'Usage: ferry accounts remove NAME.'],
  [['accounts', 'remove', 'a', 'b'], 'Usage: ferry accounts remove NAME.'],
  [['accounts', 'default'], 'Usage: ferry accounts default NAME.'],
  [['accounts', 'default', 'a', 'b'], 'Usage: ferry accounts default NAME.'],
  [['accounts', 'test', 'a', 'b'], 'Usage: ferry accounts test [NAME].'],
];

/** What node:util's parser refuses, said its way (without its hint about positionals). */
const PARSE: Array<[string[], string]> = [
  [['--frobnicate'], "Unknown option '--frobnicate'. See: ferry --help"],
  [['ls', '--frobnicate'], "Unknown option '--frobnicate'. See: ferry --help"],
  [['bogus', '--frobnicate'], "Unknown option '--frobnicate'. See: ferry --help"],
  [['presign', 's3://b/k', '--frobnicate'], "Unknown option '--frobnicate'. See: ferry --help"],
  [['accounts', 'add', 'x', '--secret-access-key', 'abc'], "Unknown option '--secret-access-key'. See: ferry --help"],
  [['-x'], "Unknown option '-x'. See: ferry --help"],
  [['ls', '-x'], "Unknown option '-x'. See: ferry --help"],
  [['--json=1', 'ls'], "Option '--json' does not take an argument. See: ferry --help"],
  [['--title'], "Option '--title <value>' argument missing. See: ferry --help"],
  [['ls', '--title'], "Option '--title <value>' argument missing. See: ferry --help"],
  [['--account'], "Option '--account <value>' argument missing. See: ferry --help"],
  [['ls', '--title', '--json'], '--title takes a value, and what follows it starts with a dash; to give such a value, write --title=-VALUE. See: ferry --help'],
  [['presign', 's3://b/k', '--expires-in', '-5'], '--expires-in takes a value, and what follows it starts with a dash; to give such a value, write --expires-in=-VALUE. See: ferry --help'],
];

describe('usage mistakes', () => {
  it('exit 2 with one line saying what to do, before any server is asked', async () => {
    for (const [argv, message] of USAGE) {
      expect(await cli(argv, { env: OFFLINE_AWS }), argv.join(' ')).toEqual({ code: 2, stdout: '', stderr: `ferry: ${message}${SEE}\n` });
    }
  });

  it('options the parser refuses, wherever they stand', async () => {
    for (const [argv, message] of PARSE) {
      expect(await cli(argv), argv.join(' ')).toEqual({ code: 2, stdout: '', stderr: `ferry: ${message}\n` });
    }
  });

  it('an option of another command is accepted (and ignored), before or after the command', async () => {
    // As it has always been: one set of options for every command; what a command does not use it ignores.
    expect(await cli(['ls', '--force', '--one-link', '--title', 'T', 'a', 'b'])).toMatchObject({ code: 2, stderr: `ferry: Usage: ferry ls [s3://bucket[/prefix]].${SEE}\n` });
    expect(await cli(['--max-size', '1GiB', '--older-than', '1d', 'presign'])).toMatchObject({ code: 2, stderr: `ferry: Usage: ferry presign s3://bucket/key.${SEE}\n` });
    // A string option before the command takes the next word as its value, whoever declares it.
    expect(await cli(['--title', 'ls', 'presign'])).toMatchObject({ code: 2, stderr: `ferry: Usage: ferry presign s3://bucket/key.${SEE}\n` });
    expect(await cli(['--filename', 'presign', 'presign'])).toMatchObject({ code: 2, stderr: `ferry: Usage: ferry presign s3://bucket/key.${SEE}\n` });
    expect(await cli(['--title', 'request', 'share'])).toMatchObject({ code: 2, stderr: `ferry: Usage: ferry share FILE s3://bucket[/key].${SEE}\n` });
  });

  it('--concurrency is checked before connecting, for every command that connects', async () => {
    for (const n of ['0', '65', 'x', '1.5']) {
      expect(await cli(['ls', '--concurrency', n], { env: OFFLINE_AWS })).toEqual({ code: 2, stdout: '', stderr: `ferry: --concurrency must be a whole number from 1 to 64, not "${n}".${SEE}\n` });
    }
  });

  it('--bwlimit is checked before connecting: a rate per second, at least 1KiB', async () => {
    for (const rate of ['0', '100', '1000B/s']) {
      expect(await cli(['ls', 's3://bucket/', '--bwlimit', rate], { env: OFFLINE_AWS })).toEqual({ code: 2, stdout: '', stderr: `ferry: --bwlimit must be at least 1KiB (per second), not "${rate}".${SEE}\n` });
    }
    expect(await cli(['ls', '--bwlimit', 'fast'], { env: OFFLINE_AWS })).toEqual({ code: 2, stdout: '', stderr: `ferry: --bwlimit takes a rate per second such as 5MiB, 512KiB or 5MiB/s, not "fast".${SEE}\n` });
  });

  it('sizes, expiries and local paths are checked before anything is sent', async () => {
    const dir = await tempDir();
    const file = join(dir, 'file.txt');
    await writeFile(file, 'data');
    const sizes: Array<[string[], string]> = [
      [['cp', file, 's3://bucket/k', '--part-size', 'huge'], 'ferry: "huge" is not a size. Write it as bytes or with a unit, for example 64MiB.\n'],
      [['request', 's3://bucket/p/', '--max-size', 'huge'], 'ferry: "huge" is not a size. Write it as bytes or with a unit, for example 64MiB.\n'],
      [['cp', file, 's3://bucket/', '--recursive'], `ferry: ${file} is a file; --recursive uploads a folder. Drop --recursive to upload one file.${SEE}\n`],
      [['cp', dir, 's3://bucket/'], `ferry: ${dir} is a folder; uploading a folder and everything in it needs --recursive.${SEE}\n`],
      [['cp', 's3://bucket/', '.'], `ferry: Give an object to download (s3://bucket/key), or a folder with --recursive.${SEE}\n`],
      [['cp', 's3://bucket/dir/', '.'], `ferry: Give an object to download (s3://bucket/key), or a folder with --recursive.${SEE}\n`],
      [['share', file, 's3://x/y', 's3://bucket/p/', '--one-link'], `ferry: Give local files, then one s3://bucket/prefix/ to upload them to.${SEE}\n`],
      [['share', 's3://x/y', 's3://bucket/p/', '--one-link'], `ferry: Give local files, then one s3://bucket/prefix/ to upload them to.${SEE}\n`],
      [['request', 's3://bucket/p/', '--max-size', '9GiB'], 'ferry: A file request accepts files of at most 5 GiB: S3 refuses larger browser uploads. 9 GiB is more.\n'],
    ];
    for (const [argv, stderr] of sizes) expect(await cli(argv, { env: OFFLINE_AWS }), argv.join(' ')).toEqual({ code: 2, stdout: '', stderr });
  });

  it('a mistake that is not about usage exits 1', async () => {
    const dir = await tempDir();
    const one: Array<[string[], RegExp]> = [
      [['mb', 's3://B_ad'], /^ferry: "B_ad" is not a valid bucket name: it contains upper-case letters; use lower case only\. In short: a bucket name is 3 to 63 lower-case letters, digits, dots and hyphens, beginning and ending with a letter or digit\.\n$/],
      [['mb', 'nope'], /^ferry: "nope" is not an S3 URL\. Write it as s3:\/\/bucket\/key/],
      [['presign', 's3://bucket/k', '--expires-in', 'tomorrow'], /is not an expiry/],
      // Too short is not fixed by "at most 7d".
      [['presign', 's3://bucket/k', '--expires-in', '0'], /0 seconds is outside that\. Choose an expiry of at least 1s\.\n$/],
      [['presign', 's3://bucket/k', '--expires-in', '8d'], /Choose an expiry of at most 7d\.\n$/],
      [['cp', join(dir, 'nope.txt'), 's3://bucket/x'], /^ferry: There is no file at .*nope\.txt\. Check the path and try again\.\n$/],
      [['cp', join(dir, 'nodir'), 's3://bucket/', '--recursive'], /^ferry: There is no folder at .*nodir\. Check the path and try again\.\n$/],
      [['ls', '--endpoint-url', 'ftp://x'], /^ferry: [^\n]+\n$/],
    ];
    for (const [argv, stderr] of one) {
      const r = await cli(argv, { env: OFFLINE_AWS });
      expect(r, argv.join(' ')).toMatchObject({ code: 1, stdout: '' });
      expect(r.stderr, argv.join(' ')).toMatch(stderr);
    }
    expect(await cli(['ls'])).toEqual({ code: 1, stdout: '', stderr: 'ferry: No account is set up. Add one with: ferry accounts add NAME --provider storj (or set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY).\n' });
    // ls asks for the connection before it reads its argument, as it always has.
    expect(await cli(['ls', 'notaurl'])).toMatchObject({ code: 1, stderr: expect.stringMatching(/^ferry: No account is set up/) });
  });
});
