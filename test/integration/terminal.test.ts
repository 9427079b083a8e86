import { CreateMultipartUploadCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Connection } from '../../main/core/ferry';
import { safeJson, safeText } from '../../main/cli/safe-text';
import { cliEnv, coreWithAccount, ferry, tempDir, uniqueName } from '../support/helpers';

/** An object's name must not be able to take over the terminal that lists it. */
describe('object and file names with terminal control sequences', () => {
  let conn: Connection;
  let env: NodeJS.ProcessEnv;
  let account: string;
  const bucket = uniqueName('term');
  // Clear screen, set the window title, write the clipboard (OSC 52), carriage return, a line
  // break, 8-bit CSI, DEL and a right-to-left override that makes "txt.exe" read as "exe.txt".
  const hostile = 'evil\x1b[2J\x1b]0;owned\x07\x1b]52;c;cm0gLXJmIH4=\x07\rfake\nline\u009b31m\u007f\u202etxt.exe';
  const key = `dir/${hostile}`;

  const assertSafe = (out: string) => {
    const bytes = Buffer.from(out, 'utf8');
    for (const b of [0x1b, 0x07, 0x9b, 0x0d, 0x7f]) expect(bytes.includes(b), `byte 0x${b.toString(16)} reached the terminal`).toBe(false);
    expect(out).not.toContain('\u202e');
  };

  beforeAll(async () => {
    const setup = await coreWithAccount();
    account = setup.account;
    env = cliEnv(setup.dataDir);
    conn = await setup.ferry.connect({ account });
    await conn.storage.createBucket(bucket);
    await conn.storage.client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: 'x' }));
    await conn.storage.client.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: key }));
    return () => conn.close();
  });

  it('escapes every control character and bidi override, and keeps the name recognisable', () => {
    expect(safeText(hostile)).toBe('evil\\x1b[2J\\x1b]0;owned\\x07\\x1b]52;c;cm0gLXJmIH4=\\x07\\rfake\\nline\\x9b31m\\x7f\\u202etxt.exe');
    // JSON stays exact: the same value comes back.
    expect(JSON.parse(safeJson({ key: hostile }))).toEqual({ key: hostile });
    assertSafe(safeJson({ key: hostile }));
  });

  for (const args of [['ls', 's3://BUCKET/dir/'], ['ls', 's3://BUCKET', '--recursive'], ['uploads', 'ls', 's3://BUCKET'], ['ls', 's3://BUCKET', '--recursive', '--json']]) {
    it(`ferry ${args.join(' ')}`, async () => {
      const r = await ferry([...args.map((a) => a.replace('BUCKET', bucket)), '--account', account], { env });
      expect(r.code, r.stderr).toBe(0);
      assertSafe(r.stdout + r.stderr);
      if (args.includes('--json')) expect(r.stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l).key)).toContain(key);
      else expect(r.stdout).toContain('evil\\x1b[2J');
    });
  }

  it('in error messages and upload lines', async () => {
    const missing = await ferry(['presign', `s3://${bucket}/${hostile}-missing`, '--account', account], { env });
    const rm = await ferry(['rm', `s3://${bucket}/${hostile}-gone`, '--account', account], { env });
    const dir = await tempDir();
    const file = join(dir, 'name\x1b[2Jwith\rcontrols.txt');
    await writeFile(file, 'hello');
    const cp = await ferry(['cp', file, `s3://${bucket}/`, '--account', account], { env });
    const nofile = await ferry(['cp', join(dir, 'gone\x1b]52;c;eA==\x07.txt'), `s3://${bucket}/`, '--account', account], { env });
    expect(cp.code, cp.stderr).toBe(0);
    expect(nofile.code).toBe(1);
    for (const r of [missing, rm, cp, nofile]) assertSafe(r.stdout + r.stderr);
    expect(cp.stdout).toContain('name\\x1b[2Jwith\\rcontrols.txt');
    expect(nofile.stderr).toContain('gone\\x1b]52;c;eA==\\x07.txt');
  });
});
