/**
 * A drop's files each get a key of their own (expandDrop, used by the window's uploads, files
 * shared from outside the window, ferry share FILE… --one-link and cp --recursive): two items of
 * one name from different folders would otherwise go to one key, the second replacing the first.
 */
import { mkdir, symlink, writeFile } from 'node:fs/promises';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { expandDrop } from '../../main/core/transfers/drop';
import { tempDir } from '../support/helpers';

describe('expandDrop names', () => {
  it('two files and two folders of one name get numbered names, never one the drop already holds', async () => {
    const dir = await tempDir();
    for (const d of ['a', 'b', 'a/photos', 'b/photos']) await mkdir(join(dir, d));
    for (const f of ['a/notes', 'b/notes', 'a/photos/1.jpg', 'b/photos/1.jpg', 'notes (2)']) await writeFile(join(dir, f), f);
    const files = await expandDrop([join(dir, 'a/notes'), join(dir, 'b/notes'), join(dir, 'notes (2)'), join(dir, 'a/photos'), join(dir, 'b/photos')], 'in');
    expect(files.map((f) => [f.key, f.file.slice(dir.length + 1)])).toEqual([
      ['in/notes', 'a/notes'],
      ['in/notes (3)', 'b/notes'],
      ['in/notes (2)', 'notes (2)'],
      ['in/photos/1.jpg', 'a/photos/1.jpg'],
      ['in/photos (2)/1.jpg', 'b/photos/1.jpg'],
    ]);
    expect(new Set(files.map((f) => f.key)).size).toBe(files.length);
  });

  it('one file given twice, or through a link beside it, is one file under the name it was given by', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'r.txt'), 'r');
    await symlink(join(dir, 'r.txt'), join(dir, 'shortcut.txt'));
    const files = await expandDrop([join(dir, 'r.txt'), `${dir}/./r.txt`, join(dir, 'shortcut.txt')], '');
    expect(files.map((f) => f.key)).toEqual(['r.txt']);
    const viaLink = await expandDrop([join(dir, 'shortcut.txt')], 'p/');
    expect(viaLink.map((f) => f.key)).toEqual(['p/shortcut.txt']);
  });

  it('a FIFO given by itself is said to be skipped, never read (reading could wait for ever)', async () => {
    const dir = await tempDir();
    execFileSync('mkfifo', [join(dir, 'pipe')]);
    await writeFile(join(dir, 'x.txt'), 'x');
    const skipped: string[] = [];
    const files = await expandDrop([join(dir, 'pipe'), join(dir, 'x.txt')], '', (s) => skipped.push(`${s.kind} ${s.link}`));
    expect(files.map((f) => f.key)).toEqual(['x.txt']);
    expect(skipped).toEqual([`not-a-file ${join(dir, 'pipe')}`]);
  });
});
