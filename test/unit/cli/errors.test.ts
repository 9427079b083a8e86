/**
 * The mistakes of test/integration/errors.test.ts that no server and no real process are needed
 * for, in-process: same commands, same assertions, with keys that reach no server.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../../support/helpers-fs';
import { OFFLINE_AWS, cli, type Ran } from './harness';

/** A user's mistake gets exit code 1 and one line on stderr that says what to do; nothing on stdout, no stack trace. */
function expectOneLineError(r: Ran, message: RegExp): void {
  expect(r.stdout).toBe('');
  expect(r.stderr).toMatch(/^ferry: [^\n]+\n$/);
  expect(r.stderr).not.toMatch(/\bat .+:\d+:\d+/);
  expect(r.stderr).toMatch(message);
  expect(r.code).toBe(1);
}

describe('errors a user can cause, before anything is sent', () => {
  const env = OFFLINE_AWS;
  const ferry = (argv: string[], opts: { env: NodeJS.ProcessEnv }) => cli(argv, opts);
  const bucket = 'errors-bucket';
  let file: string;

  beforeAll(async () => {
    file = join(await tempDir(), 'file.txt');
    await writeFile(file, 'data');
  });

  it('a malformed s3:// URL', async () => {
    expectOneLineError(await ferry(['cp', file, `${bucket}/x`], { env }), /is not an S3 URL\. Write it as s3:\/\/bucket\/key/);
    expectOneLineError(await ferry(['ls', 's3:/demo'], { env }), /is not an S3 URL/);
  });

  it('an invalid bucket name', async () => {
    expectOneLineError(await ferry(['mb', 's3://My_Bucket'], { env }), /"My_Bucket" is not a valid bucket name: it contains upper-case letters/);
    expectOneLineError(await ferry(['mb', 's3://ab'], { env }), /must be 3 to 63 characters/);
  });

  it('an endpoint that is not a URL', async () => {
    expectOneLineError(await ferry(['ls', '--endpoint-url', 'gateway.storjshare.io'], { env }), /is not a URL/);
  });

  it('an expiry out of range, never clamped', async () => {
    expectOneLineError(await ferry(['presign', `s3://${bucket}/x`, '--expires-in', '604801'], { env }), /1 second to 7 days \(604800 seconds\)/);
    expectOneLineError(await ferry(['presign', `s3://${bucket}/x`, '--expires-in', '8d'], { env }), /8d \(691200 seconds\) is outside that/);
    expectOneLineError(await ferry(['presign', `s3://${bucket}/x`, '--expires-in', 'tomorrow'], { env }), /is not an expiry/);
  });

  it('no account at all', async () => {
    expectOneLineError(await ferry(['ls'], { env: {} }), /No account is set up\. Add one with: ferry accounts add/);
  });

  it('usage mistakes exit 2 and point at --help', async () => {
    const r = await ferry(['cp', file], { env });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^ferry: Usage: ferry cp FILE s3:\/\/bucket\[\/key\]\. See: ferry --help\n$/);
    const unknown = await ferry(['ls', '--frobnicate'], { env });
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/Unknown option '--frobnicate'/);
  });

  it('refuses a secret given as an option', async () => {
    const r = await ferry(['accounts', 'add', 'x', '--secret-access-key', 'abc'], { env });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/Unknown option '--secret-access-key'/);
  });
});
