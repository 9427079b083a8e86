/**
 * The folder a download goes into is made with its parents, and every way that fails is said in
 * words. Found by the new user: `ferry cp s3://b/k /proc/nonexist/x` spun at full CPU for ever
 * (Node's recursive mkdir loops where a folder refuses a child with ENOENT, as /proc does).
 */
import { stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { makeFolder } from '../../main/core/transfers/targets';
import { tempDir } from '../support/helpers-fs';

describe('making the folder a download goes into', () => {
  it('makes every missing parent', async () => {
    const dir = await tempDir();
    await makeFolder(join(dir, 'a', 'b', 'c'));
    expect((await stat(join(dir, 'a', 'b', 'c'))).isDirectory()).toBe(true);
    // Again: there already.
    await makeFolder(join(dir, 'a', 'b', 'c'));
  });

  it('a folder that refuses children (/proc) is said, and promptly', async () => {
    await expect(makeFolder('/proc/nonexist/x')).rejects.toMatchObject({ code: 'FILE_UNREADABLE', message: expect.stringMatching(/^Cannot make the folder \/proc\/nonexist\/x: .*\/proc.*Choose another folder/) });
  });

  it('a file in the way is said', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'taken'), 'x');
    await expect(makeFolder(join(dir, 'taken'))).rejects.toMatchObject({ message: expect.stringContaining('a file of that name is in the way') });
    await expect(makeFolder(join(dir, 'taken', 'below'))).rejects.toMatchObject({ code: 'FILE_UNREADABLE' });
  });
});
