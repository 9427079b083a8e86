import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import type { Platform } from '../../main/app/platform';
import { runTrayAction } from '../../main/app/tray-menu';
import type { Connection } from '../../main/core/ferry';
import { objectsUnder } from '../../main/core/s3/collect';
import { deleteBucket } from '../../main/core/s3/manage';
import { MiB } from '../../main/core/transfers/plan';
import { startFaultProxy, type FaultProxy } from '../support/fault-proxy';
import { gateway, randomFile, sha256File, sha256Stream, tempDir, uniqueName } from '../support/helpers';
import { axe, clippedControls, openBucket, openWindow, searchBelow, visit, type Harness } from './harness';

const SHOTS = resolve(__dirname, '../../test-output/screenshots');

const focusedName = (page: Page) => page.evaluate(() => document.activeElement?.getAttribute('aria-label') ?? document.activeElement?.textContent ?? '');
const isFocused = (page: Page, selector: string) => page.evaluate((s) => document.activeElement === document.querySelector(s), selector);

/**
 * The window as a desktop file tool, tried as its users and an accessibility checker would:
 * without a mouse, on every object action (each checked on the server), with failures, at every
 * size in both themes.
 */
describe('the window as a desktop file tool', () => {
  let h: Harness;
  let work: string;
  let conn: Connection;
  const account = uniqueName('kb');
  const bucket = uniqueName('desk');
  let photo: { path: string; sha256: string };
  let notes: { path: string; sha256: string };

  beforeAll(async () => {
    await mkdir(SHOTS, { recursive: true });
    work = await tempDir();
    photo = await randomFile(work, 'photo-2024-07-14-sunset-over-the-harbour.jpg', 3 * MiB);
    notes = await randomFile(work, 'notes.txt', 5000);
    h = await openWindow({ transfersShown: true });
  });
  afterAll(async () => {
    conn?.close();
    await h?.close();
  });

  it('a keyboard-only walk: add an account, make a bucket, upload by the Upload menu and by paste, select with arrows, copy a link, delete', async () => {
    const { page } = h;
    const g = gateway();
    const key = (k: string) => page.keyboard.press(k);
    // Add an account: fields are typed into, buttons pressed with Enter; nothing is clicked.
    await page.getByRole('heading', { name: 'Welcome to Ferry' }).waitFor();
    await page.getByLabel('Provider').focus();
    await page.getByLabel('Provider').selectOption('ceph');
    // Tab goes through the form in reading order; Region and Addressing keep the preset's values.
    for (const [label, value] of [['Name', account], ['Endpoint', g.endpoint], ['Region', ''], ['Addressing', ''], ['Access key ID', g.accessKeyId], ['Secret access key', g.secretAccessKey]] as const) {
      await key('Tab');
      await expect(focusedName(page)).resolves.toBe(label);
      if (value) await page.keyboard.type(value);
    }
    await key('Enter');
    await page.getByRole('status').filter({ hasText: 'Saved. The connection test passed.' }).waitFor();
    await page.getByRole('button', { name: 'Done' }).focus();
    await key('Enter');
    // Focus lands on the next step, never on the page body.
    await expect.poll(() => focusedName(page)).toBe('New bucket…');
    conn = await h.ferry.connect({ account });

    // Make a bucket from the main area's button.
    await page.getByRole('button', { name: 'New bucket…' }).focus();
    await key('Enter');
    await expect(isFocused(page, 'dialog[open] input')).resolves.toBe(true);
    await page.keyboard.type(bucket);
    await key('Enter');
    await page.getByText('This folder is empty.').waitFor();
    expect((await conn.storage.listBuckets()).map((b) => b.name)).toContain(bucket);
    // The new bucket's list has focus: where files go next.
    await expect.poll(() => isFocused(page, '[role=grid]')).toBe(true);

    // Upload through the Upload menu and main's file dialog (stand-in), then by paste.
    h.setPickedPaths([photo.path]);
    await page.getByRole('button', { name: 'Upload', exact: true }).focus();
    await key('Enter');
    await key('Enter');
    await page.locator('.transfer[data-status="done"]', { hasText: 'photo-2024' }).waitFor({ timeout: 30_000 });
    await h.setDropPaths({ 'notes.txt': notes.path });
    await page.evaluate(() => {
      const dt = new DataTransfer();
      dt.items.add(new File(['x'], 'notes.txt'));
      document.dispatchEvent(new ClipboardEvent('paste', { clipboardData: dt, bubbles: true, cancelable: true }));
    });
    await page.locator('.transfer[data-status="done"]', { hasText: 'notes.txt' }).waitFor({ timeout: 30_000 });
    await page.getByRole('row', { name: /notes\.txt/ }).waitFor();

    // The list is one Tab stop; arrows move and select; Home/End; type-ahead.
    const grid = page.getByRole('grid');
    await grid.focus();
    await key('Home');
    const selected = () => page.locator('[role=row][aria-selected=true] .name .sr-only').allTextContents();
    await expect.poll(selected).toEqual(['notes.txt']);
    await key('ArrowDown');
    await expect.poll(selected).toEqual(['photo-2024-07-14-sunset-over-the-harbour.jpg']);
    await key('Shift+ArrowUp');
    await expect.poll(async () => (await selected()).sort()).toEqual(['notes.txt', 'photo-2024-07-14-sunset-over-the-harbour.jpg']);
    await page.keyboard.type('ph');
    await expect.poll(selected).toEqual(['photo-2024-07-14-sunset-over-the-harbour.jpg']);

    // Ctrl+C copies a working link with the default lifetime, and the window says so.
    const before = h.clipboard.length;
    await key('Control+c');
    await page.getByRole('status').filter({ hasText: /Link to photo-2024.* copied\. It works for 1 day\./ }).waitFor();
    expect(h.clipboard.length).toBe(before + 1);
    const res = await fetch(h.clipboard.at(-1)!);
    expect(await sha256Stream(res.body as unknown as AsyncIterable<Uint8Array>)).toEqual({ sha256: photo.sha256, size: 3 * MiB });
    // Copied links appear in Links at once.
    await visit(page, 'Links');
    await page.getByRole('region', { name: 'Links issued' }).getByText(`${bucket}/photo-2024-07-14-sunset-over-the-harbour.jpg`).first().waitFor();
    await openBucket(page, bucket);
    await page.getByRole('row', { name: /photo-2024/ }).click();

    // Delete asks in the window, naming the file; Escape keeps it; Delete + Enter on Delete deletes it.
    await grid.focus();
    await key('Delete');
    const ask = page.getByRole('alertdialog', { name: /^Delete photo-2024/ });
    await ask.waitFor();
    await key('Escape');
    await ask.waitFor({ state: 'detached' });
    await expect.poll(() => isFocused(page, '[role=grid]')).toBe(true);
    await key('Delete');
    await ask.getByRole('button', { name: 'Keep' }).waitFor();
    // Keep has focus (the safe choice); Tab moves to Delete.
    await expect(focusedName(page)).resolves.toBe('Keep');
    await key('Tab');
    await key('Enter');
    await ask.waitFor({ state: 'detached' });
    await page.getByRole('row', { name: /photo-2024/ }).waitFor({ state: 'detached' });
    expect(await conn.storage.exists(bucket, 'photo-2024-07-14-sunset-over-the-harbour.jpg')).toBe(false);
    // Focus is back on the list.
    await expect.poll(() => isFocused(page, '[role=grid]')).toBe(true);
  });

  it('a keyboard-only walk through sharing: share from the inspector, Copy again from Links, a file request from Requests, rename and move (the inspector follows), delete', async () => {
    const { page } = h;
    const key = (k: string) => page.keyboard.press(k);
    const focusIn = (selector: string) => page.evaluate((s) => Boolean(document.activeElement?.closest(s)), selector);
    await conn.storage.put(bucket, 'walk-report.pdf', Buffer.from('walk'));
    await page.getByRole('button', { name: 'Refresh', exact: true }).focus();
    await key('F5');
    const grid = page.getByRole('grid');
    await page.getByRole('row', { name: /walk-report\.pdf/ }).waitFor();
    await grid.focus();
    await key('Home');
    await page.keyboard.type('walk');
    // Enter on a file opens the share inspector beside the list; focus goes into it.
    await key('Enter');
    const inspector = page.getByRole('complementary', { name: 'Share' });
    await inspector.getByRole('heading', { name: /walk-report\.pdf/ }).waitFor();
    await expect.poll(() => focusIn('aside')).toBe(true);
    await inspector.getByRole('button', { name: 'Create link' }).focus();
    await key('Enter');
    const url = await inspector.getByLabel('Share link', { exact: true }).inputValue();
    await expect(focusedName(page)).resolves.toBe('Copy');
    // Escape closes it; focus is back on the list.
    await key('Escape');
    await inspector.waitFor({ state: 'detached' });
    await expect.poll(() => isFocused(page, '[role=grid]')).toBe(true);

    // Links, from the sidebar: focus on its heading; Copy again gives the same link, byte for byte.
    await page.getByRole('group', { name: 'Places' }).getByRole('button', { name: /^Links/ }).focus();
    await key('Enter');
    await expect.poll(() => focusedName(page)).toBe('Links issued');
    await page.getByRole('button', { name: 'Copy again: the link to walk-report.pdf' }).first().focus();
    await key('Enter');
    await expect.poll(() => h.clipboard.at(-1)).toBe(url);

    // Requests: Ask for files… opens a dialog; the made link has focus on Copy; Escape goes back to the button.
    await page.getByRole('group', { name: 'Places' }).getByRole('button', { name: /^Requests/ }).focus();
    await key('Enter');
    await expect.poll(() => focusedName(page)).toBe('File requests');
    const askButton = page.getByRole('button', { name: 'Ask for files…' });
    await askButton.focus();
    await key('Enter');
    await expect(isFocused(page, 'dialog[open] input')).resolves.toBe(true);
    await page.keyboard.type('Walk request');
    await key('Enter');
    const made = page.getByRole('dialog', { name: 'Request link made' });
    await made.waitFor();
    await expect(focusedName(page)).resolves.toBe('Copy link');
    await key('Enter');
    await made.getByRole('button', { name: 'Copied' }).waitFor();
    expect(h.clipboard.at(-1)).toMatch(/\.html\?.*#/);
    await key('Escape');
    await made.waitFor({ state: 'detached' });
    await expect(focusedName(page)).resolves.toBe('Ask for files…');
    await page.getByRole('list', { name: 'File requests' }).getByText('Walk request').first().waitFor();

    // Back to the bucket; rename with F2 while the inspector is open: it follows the file.
    await page.locator('.bucket', { hasText: bucket }).first().focus();
    await key('Enter');
    await grid.focus();
    await key('Home');
    await page.keyboard.type('walk');
    await key('Enter');
    await inspector.getByRole('heading', { name: /walk-report\.pdf/ }).waitFor();
    await grid.focus();
    await key('F2');
    await expect(isFocused(page, 'dialog[open] input')).resolves.toBe(true);
    await page.keyboard.press('Control+a');
    await page.keyboard.type('walk-final.pdf');
    await key('Enter');
    await page.getByRole('dialog', { name: /^Rename / }).waitFor({ state: 'detached' });
    await inspector.getByRole('heading', { name: /walk-final\.pdf/ }).waitFor();
    // The dialog gives focus back to the list it was opened from.
    await expect.poll(() => isFocused(page, '[role=grid]')).toBe(true);
    // Move through the menu (Shift+F10): the inspector follows to the new folder, and its next link works there.
    await page.getByRole('row', { name: /walk-final\.pdf/ }).waitFor();
    await key('Shift+F10');
    await page.getByRole('menuitem', { name: 'Move to…' }).focus();
    await key('Enter');
    await expect(isFocused(page, 'dialog[open] input')).resolves.toBe(true);
    await page.keyboard.press('Control+a');
    await page.keyboard.type('walked/');
    await key('Enter');
    await page.getByRole('dialog', { name: /^Move / }).waitFor({ state: 'detached' });
    await inspector.getByRole('heading', { name: /walk-final\.pdf/ }).waitFor();
    await expect.poll(async () => conn.storage.exists(bucket, 'walked/walk-final.pdf')).toBe(true);
    await inspector.getByRole('button', { name: 'Create link' }).focus();
    await key('Enter');
    const moved = await inspector.getByLabel('Share link', { exact: true }).inputValue();
    expect(new URL(moved).pathname).toBe(`/${bucket}/walked/walk-final.pdf`);
    expect((await fetch(moved)).status).toBe(200);

    // Delete from the inspector: it closes with the file, and focus is on the list.
    await inspector.getByText('Can I take a link back?').focus();
    await key('Enter');
    await inspector.getByRole('button', { name: 'Delete this file…' }).focus();
    await key('Enter');
    const ask = page.getByRole('alertdialog');
    await ask.getByRole('button', { name: 'Delete', exact: true }).focus();
    await key('Enter');
    await inspector.waitFor({ state: 'detached' });
    await expect.poll(async () => conn.storage.exists(bucket, 'walked/walk-final.pdf')).toBe(false);
    await expect.poll(() => isFocused(page, '[role=grid]')).toBe(true);

    // Clear finished: everything here had finished, so the drawer goes and focus is on the list.
    await page.getByRole('button', { name: 'Clear finished' }).focus();
    await key('Enter');
    await page.getByRole('region', { name: 'Transfers' }).waitFor({ state: 'detached' });
    await expect.poll(() => isFocused(page, '[role=grid]')).toBe(true);
  });

  it('new folder, rename, move, multi-select delete and folder delete, each checked on the server', async () => {
    const { page } = h;
    const keys = async () => (await objectsUnder(conn.storage, bucket, '')).map((o) => o.key).sort();
    for (const name of ['a.txt', 'b.txt', 'c.txt']) await conn.storage.put(bucket, `work/${name}`, Buffer.from(name));
    await page.getByRole('button', { name: 'Refresh', exact: true }).click();
    // New folder.
    await page.getByRole('button', { name: 'New folder' }).click();
    await page.getByRole('dialog', { name: 'New folder' }).getByRole('textbox').fill('Archive 2024');
    await page.keyboard.press('Enter');
    await page.getByRole('row', { name: /Archive 2024/ }).waitFor();
    expect(await keys()).toContain('Archive 2024/');
    // Into work/ (Enter on a folder opens it; focus stays on the list).
    await page.getByRole('row', { name: /work/ }).dblclick();
    await page.getByRole('row', { name: /a\.txt/ }).waitFor();
    await expect.poll(() => isFocused(page, '[role=grid]')).toBe(true);
    // Rename with F2: the name without its extension is selected, ready to type over.
    await page.getByRole('row', { name: /a\.txt/ }).click();
    await page.keyboard.press('F2');
    const rename = page.getByRole('dialog', { name: 'Rename a.txt' });
    await expect(rename.getByRole('textbox').evaluate((i: HTMLInputElement) => i.value.slice(i.selectionStart!, i.selectionEnd!))).resolves.toBe('a');
    await page.keyboard.type('alpha');
    await page.keyboard.press('Enter');
    await page.getByRole('row', { name: /alpha\.txt/ }).waitFor();
    expect(await keys()).toEqual(expect.arrayContaining(['work/alpha.txt']));
    expect(await keys()).not.toContain('work/a.txt');
    // Move from the right-click menu, into the new folder.
    await page.getByRole('row', { name: /b\.txt/ }).click({ button: 'right' });
    await page.getByRole('menuitem', { name: 'Move to…' }).click();
    const move = page.getByRole('dialog', { name: 'Move b.txt' });
    await move.getByRole('textbox').fill('Archive 2024/');
    await page.keyboard.press('Enter');
    await move.waitFor({ state: 'detached' });
    expect(await keys()).toContain('Archive 2024/b.txt');
    expect(await keys()).not.toContain('work/b.txt');
    // Multi-select with Ctrl-click, then delete both with one confirmation that lists them.
    await page.getByRole('row', { name: /alpha\.txt/ }).click();
    await page.getByRole('row', { name: /c\.txt/ }).click({ modifiers: ['Control'] });
    await page.getByRole('button', { name: 'Delete', exact: true }).click();
    const del = page.getByRole('alertdialog', { name: 'Delete 2 items?' });
    await del.getByRole('listitem').filter({ hasText: 'alpha.txt' }).waitFor();
    await del.getByRole('button', { name: 'Delete', exact: true }).click();
    await page.getByText('This folder is empty.').waitFor();
    expect((await keys()).filter((k) => k.startsWith('work/'))).toEqual([]);
    // Up a folder with Backspace; delete a folder with everything in it.
    await page.getByRole('grid').focus();
    await page.keyboard.press('Backspace');
    await page.getByRole('row', { name: /Archive 2024/ }).click();
    await page.keyboard.press('Delete');
    await page.getByRole('alertdialog').getByText(/“Archive 2024” and everything in it/).waitFor();
    await page.getByRole('alertdialog').getByRole('button', { name: 'Delete', exact: true }).click();
    await page.getByRole('row', { name: /Archive 2024/ }).waitFor({ state: 'detached' });
    expect((await keys()).filter((k) => k.startsWith('Archive 2024/'))).toEqual([]);
  });

  it('the share panel follows a file through Move…, so its next link works', async () => {
    const { page } = h;
    await conn.storage.put(bucket, 'deck/slides.pdf', Buffer.from('%PDF-1.4 slides'));
    await page.getByRole('button', { name: 'Refresh', exact: true }).click();
    await page.getByRole('row', { name: /deck/ }).dblclick();
    await page.getByRole('row', { name: /slides\.pdf/ }).click();
    await page.keyboard.press('Enter');
    const panel = page.getByRole('complementary', { name: 'Share' });
    await panel.getByRole('heading', { name: /slides\.pdf/ }).waitFor();
    await page.getByRole('row', { name: /slides\.pdf/ }).click({ button: 'right' });
    await page.getByRole('menuitem', { name: 'Move to…' }).click();
    const move = page.getByRole('dialog', { name: 'Move slides.pdf' });
    await move.getByRole('textbox').fill('talks/2026/');
    await page.keyboard.press('Enter');
    await move.waitFor({ state: 'detached' });
    expect(await conn.storage.exists(bucket, 'talks/2026/slides.pdf')).toBe(true);
    // Still open, now for the file where it is; its link answers with the file, not 404.
    await panel.getByRole('heading', { name: /slides\.pdf/ }).waitFor();
    expect(await panel.getByRole('heading').getAttribute('title')).toBe('talks/2026/slides.pdf');
    await panel.getByRole('button', { name: 'Create link' }).click();
    const url = await panel.getByLabel('Share link').inputValue();
    expect(new URL(url).pathname).toMatch(/\/talks\/2026\/slides\.pdf$/);
    const res = await fetch(url);
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('%PDF-1.4 slides');
    await page.getByRole('button', { name: 'Close share panel' }).click();
    await page.getByRole('grid').focus();
    await page.keyboard.press('Backspace');
  });

  it('downloads a selection into a chosen folder, in the same queue, byte for byte, and shows it in its folder', async () => {
    const { page } = h;
    const big = await randomFile(work, 'video.mov', 24 * MiB);
    await conn.upload({ file: big.path, bucket, key: 'clips/video.mov' });
    await conn.storage.put(bucket, 'clips/readme.md', Buffer.from('# Clips\n'));
    const into = await tempDir();
    h.setPickedPaths([into]);
    await page.getByRole('button', { name: 'Refresh', exact: true }).click();
    await page.getByRole('row', { name: /clips/ }).click();
    await page.getByRole('button', { name: 'Download' }).click();
    await page.locator('.transfer[data-status="done"]', { hasText: 'video.mov' }).waitFor({ timeout: 60_000 });
    await page.locator('.transfer[data-status="done"]', { hasText: 'readme.md' }).waitFor();
    expect(await sha256File(join(into, 'clips', 'video.mov'))).toBe(big.sha256);
    expect(await readFile(join(into, 'clips', 'readme.md'), 'utf8')).toBe('# Clips\n');
    // Nothing half-written is left.
    expect((await readdir(join(into, 'clips'))).sort()).toEqual(['readme.md', 'video.mov']);
    expect(h.notifications.filter((n) => n.title === '2 files downloaded')).toHaveLength(1);
    await page.getByRole('button', { name: 'Show in folder: video.mov' }).click();
    await expect.poll(() => h.revealed.at(-1)).toBe(join(into, 'clips', 'video.mov'));
    // A second download of the same folder never replaces the first.
    await page.getByRole('button', { name: 'Download' }).click();
    await expect.poll(async () => (await readdir(into)).sort()).toEqual(['clips', 'clips (1)']);
  });

  it('finds a file anywhere below the folder, and quick-looks at text', async () => {
    const { page } = h;
    await conn.storage.put(bucket, 'deep/er/still/Quarterly-Report.txt', Buffer.from('Revenue went up.\n'));
    await searchBelow(page, true);
    await page.getByRole('searchbox').fill('quarterly');
    const hit = page.getByRole('row', { name: /deep\/er\/still\/Quarterly-Report\.txt/ });
    await hit.waitFor();
    await hit.click();
    await page.keyboard.press('Space');
    const look = page.getByRole('dialog', { name: 'Quarterly-Report.txt' });
    await look.getByText('Revenue went up.').waitFor();
    await page.keyboard.press('Escape');
    await look.waitFor({ state: 'detached' });
    await page.getByRole('searchbox').fill('');
    await searchBelow(page, false);
  });

  it('hostile names cannot disguise themselves: bidi and control characters are shown, in the list, dialogs and the share panel', async () => {
    const { page } = h;
    // Reads as "invoiceexe.pdf" wherever the override is obeyed.
    const spoof = 'hostile/invoice\u202Efdp.exe';
    const tabbed = 'hostile/tab\there\u2066.txt';
    await conn.storage.put(bucket, spoof, Buffer.from('MZ'));
    await conn.storage.put(bucket, tabbed, Buffer.from('t'));
    await searchBelow(page, true);
    await page.getByRole('searchbox').fill('invoice');
    const row = page.getByRole('row', { name: /invoice/ });
    await row.waitFor();
    const grid = page.getByRole('grid');
    const shown = async () => (await grid.innerText()) + (await grid.evaluate((el) => [...el.querySelectorAll('[title]')].map((t) => t.getAttribute('title')).join(' ')));
    await expect(shown()).resolves.toContain('invoice\\u202efdp.exe');
    await expect(shown()).resolves.not.toMatch(/[\u202a-\u202e\u2066-\u2069\t]/);
    // The dialogs and the share panel name it the same way.
    await row.click();
    await page.keyboard.press('Delete');
    const ask = page.getByRole('alertdialog');
    await expect(ask.innerText()).resolves.toContain('invoice\\u202efdp.exe');
    await expect(ask.innerText()).resolves.not.toMatch(/[\u202a-\u202e]/);
    await page.keyboard.press('Escape');
    await page.keyboard.press('Enter');
    // The inspector's title says the escaped name (cut in the middle on screen, whole for screen readers and on hover).
    await page.getByRole('heading', { name: 'Share “invoice\\u202efdp.exe”' }).waitFor();
    await expect(page.locator('body').innerText()).resolves.not.toMatch(/[\u202a-\u202e\u2066-\u2069]/);
    await page.keyboard.press('Escape');
    await page.getByRole('searchbox').fill('tab');
    await page.getByRole('row', { name: /tab/ }).waitFor();
    await expect(shown()).resolves.toContain('tab\\there\\u2066.txt');
    await page.getByRole('searchbox').fill('');
    await searchBelow(page, false);
    // The object itself keeps its name: only the showing escapes it.
    expect(await conn.storage.exists(bucket, spoof)).toBe(true);
  });

  it('link history: a link copied again is byte-identical and works; links copied after an upload appear at once; clear history', async () => {
    const { page } = h;
    await page.getByRole('row', { name: /notes\.txt/ }).click();
    await page.keyboard.press('Enter');
    await page.getByRole('button', { name: 'Create link' }).click();
    const url = await page.getByLabel('Share link', { exact: true }).inputValue();
    await visit(page, 'Links');
    const entry = page.getByRole('region', { name: 'Links issued' }).getByRole('listitem').first();
    await entry.getByRole('button', { name: 'Copy again: the link to notes.txt' }).click();
    await expect.poll(() => h.clipboard.at(-1)).toBe(url);
    expect((await fetch(url)).status).toBe(200);

    // Settings: copy a link when an upload finishes; the link shows in the history without a reload.
    await page.getByRole('button', { name: 'Settings', exact: true }).click();
    const settings = page.getByRole('dialog', { name: 'Settings' });
    await settings.getByLabel('Copy a share link when an upload of one file finishes').check();
    await settings.getByRole('button', { name: 'Done' }).click();
    const fresh = await randomFile(work, 'auto-copied.txt', 100);
    h.setPickedPaths([fresh.path]);
    await openBucket(page, bucket);
    await page.getByRole('button', { name: 'Upload', exact: true }).click();
    await page.getByRole('menuitem', { name: 'Upload files…' }).click();
    await page.locator('.transfer[data-status="done"]', { hasText: 'auto-copied.txt' }).waitFor({ timeout: 30_000 });
    await visit(page, 'Links');
    await page.getByRole('region', { name: 'Links issued' }).getByText(`${bucket}/auto-copied.txt`).first().waitFor({ timeout: 30_000 });
    expect(new URL(h.clipboard.at(-1)!).pathname).toBe(`/${bucket}/auto-copied.txt`);
    await page.getByRole('button', { name: 'Settings', exact: true }).click();
    await settings.getByLabel('Copy a share link when an upload of one file finishes').uncheck();
    // "Limit uploads while I work": a wrong value is refused in words, a right one caps every upload, empty lifts it.
    const limit = settings.getByLabel('Limit uploads while I work (MiB/s)');
    await limit.fill('0');
    await limit.blur();
    await settings.getByText('The upload limit must be a number of MiB per second from 0.1 to 10240, or empty for no limit.').waitFor();
    expect(h.ferry.bandwidth.uploads.bytesPerSecond).toBeUndefined();
    await limit.fill('2,5');
    await limit.blur();
    await expect.poll(() => h.ferry.bandwidth.uploads.bytesPerSecond).toBe(2.5 * 1024 * 1024);
    expect((await h.ferry.preferences.get()).uploadLimitMiBps).toBe(2.5);
    await limit.fill('');
    await limit.blur();
    await expect.poll(() => h.ferry.bandwidth.uploads.bytesPerSecond).toBeUndefined();
    await settings.getByRole('button', { name: 'Done' }).click();

    await page.getByRole('button', { name: 'Clear history…' }).click();
    await page.getByRole('button', { name: 'Clear history', exact: true }).click();
    await page.getByRole('region', { name: 'Links issued' }).getByText(/^No links yet\./).waitFor();
    expect(await h.ferry.links.list()).toEqual([]);
    await openBucket(page, bucket);
  });

  it('a private link from the share inspector: a short passphrase is refused in words; the link is copied and listed as private; End link now ends it, and the row says so', async () => {
    const { page } = h;
    const links = page.getByRole('region', { name: 'Links issued' });
    await page.getByRole('row', { name: /notes\.txt/ }).click();
    await page.keyboard.press('Enter');
    const inspector = page.getByRole('complementary', { name: 'Share' });
    await inspector.getByRole('heading', { name: /notes\.txt/ }).waitFor();
    await inspector.getByLabel('Private link (encrypted here)').check();
    // What it costs and promises, said before anything is made.
    await inspector.getByText(/^Encrypted on this computer; the link carries the key after “#”\. The bucket keeps a second, encrypted copy/).waitFor();
    const passphrase = inspector.getByLabel('Passphrase (optional, at least 8 characters)');
    await expect(passphrase.getAttribute('type')).resolves.toBe('password');
    await passphrase.fill('short');
    await inspector.getByRole('button', { name: 'Create private link' }).click();
    await inspector.getByRole('alert').filter({ hasText: 'A passphrase needs at least 8 characters: anyone with the link can try guesses offline.' }).waitFor();
    expect((await h.ferry.links.list()).filter((r) => r.private)).toEqual([]);
    await passphrase.fill('');
    await inspector.getByRole('button', { name: 'Create private link' }).click();
    const field = inspector.getByLabel('Private link', { exact: true });
    await field.waitFor({ timeout: 30_000 });
    const url = await field.inputValue();
    expect(url).toMatch(/\/\.ferry\/private\/[0-9a-f]{16}\.html\?.*#[A-Za-z0-9_-]+$/);
    await inspector.getByText('Private link · 1 file.').waitFor();
    expect(await axe(page, 'share-private-made')).toEqual([]);
    // Focus is on Copy; it copies the whole link, key and all.
    await expect(focusedName(page)).resolves.toBe('Copy');
    await page.keyboard.press('Enter');
    await expect.poll(() => h.clipboard.at(-1)).toBe(url);
    const pageUrl = url.split('#')[0]!;
    expect((await fetch(pageUrl)).status).toBe(200);
    // The bucket holds a second copy, encrypted, in private-links/; the original is as it was.
    const sealed = await objectsUnder(conn.storage, bucket, 'private-links/');
    expect(sealed.map((o) => o.key)).toEqual([expect.stringMatching(/^private-links\/[0-9a-f]{24}\.enc$/)]);
    const stored = Buffer.from(await (await fetch((await conn.presign({ bucket, key: sealed[0]!.key, expiresIn: 60 })).url)).arrayBuffer());
    const plain = await readFile(notes.path);
    for (let at = 0; at + 16 <= plain.length; at += 97) expect(stored.includes(plain.subarray(at, at + 16))).toBe(false);
    expect(await sha256Stream((await fetch((await conn.presign({ bucket, key: 'notes.txt', expiresIn: 60 })).url)).body as unknown as AsyncIterable<Uint8Array>)).toEqual({ sha256: notes.sha256, size: 5000 });
    await page.keyboard.press('Escape');

    // Links: one row, private, working; Copy again gives the same link.
    await visit(page, 'Links');
    const row = links.getByRole('listitem').filter({ hasText: 'Private link · 1 file' });
    await row.getByText(/^Works until /).waitFor();
    expect(await row.count()).toBe(1);
    const copies = h.clipboard.length;
    await row.getByRole('button', { name: /^Copy again: the private link of 1 file/ }).click();
    await expect.poll(() => h.clipboard.length).toBe(copies + 1);
    expect(h.clipboard.at(-1)).toBe(url);
    expect(await axe(page, 'links-private')).toEqual([]);

    // End link now: main asks in its own dialog; then the page and ciphertext are gone and the row says ended, once.
    h.confirmed.length = 0;
    await row.getByRole('button', { name: /^End link now: the private link of 1 file/ }).click();
    await row.getByText(/^Ended .+: it no longer works$/).waitFor();
    expect(h.confirmed).toEqual(['End the private link “A private file” now?']);
    expect([403, 404]).toContain((await fetch(pageUrl)).status);
    expect(await objectsUnder(conn.storage, bucket, 'private-links/')).toEqual([]);
    expect(await conn.storage.exists(bucket, 'notes.txt')).toBe(true);
    expect(await row.count()).toBe(1);
    expect(await row.getByRole('button', { name: /^(Copy again|End link now)/ }).count()).toBe(0);
    await page.getByRole('status').filter({ hasText: /^Private link ended/ }).waitFor();
    // Under "Working" it is not listed any more; under "Expired" it is.
    await links.getByRole('combobox', { name: 'Show' }).selectOption('working');
    await expect.poll(() => row.count()).toBe(0);
    await links.getByRole('combobox', { name: 'Show' }).selectOption('expired');
    await expect.poll(() => row.count()).toBe(1);
    await links.getByRole('combobox', { name: 'Show' }).selectOption('all');
    expect(await axe(page, 'links-private-ended')).toEqual([]);
    await openBucket(page, bucket);
  });

  it('the tray\'s "Share files privately…" encrypts picked files into the latest upload\'s bucket, copies the link and lists it in Links at once', async () => {
    const { page } = h;
    const a = await randomFile(work, 'tray-a.bin', 70_000);
    const b = await randomFile(work, 'tray-b.bin', 1000);
    const notes: Array<{ title: string; body: string }> = [];
    const platform = { pickFiles: async () => [a.path, b.path], notify: (title: string, body: string) => void notes.push({ title, body }) } as unknown as Platform;
    const latest = (await h.core.recentUploads(1))[0]!;
    const sealed = async () => (await objectsUnder(conn.storage, latest.bucket, 'private-links/')).length;
    const before = await sealed();
    await runTrayAction({ type: 'share-private' }, { core: h.core, platform, show: () => {}, quit: () => {} });
    expect(notes).toEqual([{ title: 'Private link copied', body: expect.stringMatching(new RegExp(`^2 files, encrypted here into ${latest.bucket}, until `)) }]);
    const url = h.clipboard.at(-1)!;
    expect(url).toMatch(/\.ferry\/private\/[0-9a-f]{16}\.html\?.*#/);
    expect((await fetch(url.split('#')[0]!)).status).toBe(200);
    expect(await sealed()).toBe(before + 2);
    await visit(page, 'Links');
    const row = page.getByRole('region', { name: 'Links issued' }).getByRole('listitem').filter({ hasText: 'Private link · 2 files' });
    await row.getByText(/^Works until /).waitFor();
    // A link the window did not make is one of this session's too: Copy again and open work for it.
    await row.getByRole('button', { name: /^Copy again/ }).click();
    await expect.poll(() => h.clipboard.at(-1)).toBe(url);
    await row.getByRole('button', { name: /^End link now/ }).click();
    await row.getByText(/^Ended /).waitFor();
    expect(await sealed()).toBe(before);
    await openBucket(page, bucket);
  });

  it('Ask for files with "Encrypt files in the sender’s browser": the request is private; Requests says so, names what arrived as its sender did, and Download decrypts it into the chosen folder, refusing a changed file in the core\'s words', async () => {
    const { page } = h;
    await page.getByRole('button', { name: 'More' }).click();
    await page.getByRole('menuitem', { name: 'Ask for files…' }).click();
    const ask = page.getByRole('dialog', { name: `Ask for files in ${bucket}` });
    await ask.getByLabel('Name', { exact: true }).fill('Sealed papers');
    await ask.getByLabel('Encrypt files in the sender’s browser (private)').check();
    await ask.getByRole('button', { name: 'Make request link' }).click();
    const made = page.getByRole('dialog', { name: 'Request link made' });
    await made.getByText(/encrypted in the sender’s browser, name included/).waitFor();
    await made.getByRole('button', { name: 'Copy link' }).click();
    await made.getByRole('button', { name: 'Copied' }).waitFor();
    const requestUrl = h.clipboard.at(-1)!;
    const record = (await h.ferry.requests.list()).find((r) => r.title === 'Sealed papers')!;
    expect(record.private).toBe(true);
    await made.getByRole('button', { name: 'Done' }).click();

    // A sender, in another tab: the page encrypts before it sends.
    const dir = await tempDir();
    const secret = Buffer.from(Array.from({ length: 150_000 }, (_, i) => (i * 7) % 253));
    await writeFile(join(dir, 'salary 2026.pdf'), secret);
    const sender = await page.context().newPage();
    await sender.goto(requestUrl);
    await sender.setInputFiles('#files', [join(dir, 'salary 2026.pdf')]);
    await expect.poll(() => sender.locator('#list li .ok').count(), { timeout: 30_000 }).toBe(1);
    await sender.close();
    const [arrived] = await objectsUnder(conn.storage, bucket, record.prefix);
    expect(arrived!.key).toMatch(/\.enc$/);

    await visit(page, 'Requests');
    const requests = page.getByRole('list', { name: 'File requests' });
    await requests.getByText('Private: encrypted in the sender’s browser').first().waitFor();
    const received = page.getByRole('list', { name: 'Received for Sealed papers' });
    await received.getByText('salary 2026.pdf').first().waitFor();
    expect(await axe(page, 'requests-private')).toEqual([]);
    const into = await tempDir();
    h.setPickedPaths([into]);
    await received.getByRole('button', { name: 'Download salary 2026.pdf' }).click();
    await page.getByRole('status').filter({ hasText: 'Decrypted and saved as “salary 2026.pdf” in the folder you chose.' }).waitFor({ timeout: 30_000 });
    expect((await readFile(join(into, 'salary 2026.pdf'))).equals(secret)).toBe(true);
    expect(await readdir(into)).toEqual(['salary 2026.pdf']);
    // Nothing of it is left in Ferry's working folder.
    expect((await readdir(join(h.dataDir, 'private-tmp'))).filter((f) => f.startsWith('received'))).toEqual([]);

    // One byte changed on the server: refused in the core's words, nothing written.
    const stored = Buffer.from(await (await fetch((await conn.presign({ bucket, key: arrived!.key, expiresIn: 60 })).url)).arrayBuffer());
    await conn.storage.put(bucket, arrived!.key, Buffer.from(stored).fill(stored[100_000]! ^ 1, 100_000, 100_001));
    const into2 = await tempDir();
    h.setPickedPaths([into2]);
    await received.getByRole('button', { name: 'Download salary 2026.pdf' }).click();
    await page.getByRole('region', { name: 'File requests' }).getByRole('alert').filter({ hasText: /changed or damaged/ }).waitFor({ timeout: 30_000 });
    expect(await readdir(into2)).toEqual([]);
    await openBucket(page, bucket);
  });

  it('every screen and dialog: no axe violation in either theme; nothing wider than the window and nothing cut at 720×480, 1280×800 and 2560×1440', async () => {
    const { page } = h;
    const found: string[] = [];
    const sizes = [[720, 480], [1280, 800], [2560, 1440]] as const;
    /** Checks one screen: axe in both themes, then each size in both themes, with a screenshot each. */
    const check = async (name: string, primary: () => ReturnType<Page['getByRole']>) => {
      found.push(...(await axe(page, name)));
      for (const [width, height] of sizes) {
        await page.setViewportSize({ width, height });
        for (const scheme of ['light', 'dark'] as const) {
          await page.emulateMedia({ colorScheme: scheme });
          const wide = await page.evaluate(() => document.documentElement.scrollWidth);
          if (wide !== width) found.push(`${name} at ${width}×${height}: the page is ${wide} px wide`);
          // Nothing the user must read or press is cut: labels, hints, choices, cells, controls.
          if (scheme === 'light') found.push(...(await clippedControls(page)).map((c) => `${name} at ${width}×${height}: ${c}`));
          // The main action is on screen without scrolling the window (inside its own scrolling panel at most).
          const box = await primary().evaluate((el) => {
            el.scrollIntoView({ block: 'nearest' });
            const r = el.getBoundingClientRect();
            return { top: r.top, bottom: r.bottom, left: r.left, right: r.right, h: innerHeight, w: innerWidth, pageScroll: scrollY };
          });
          if (box.bottom > box.h || box.top < 0 || box.right > box.w || box.left < 0 || box.pageScroll !== 0) found.push(`${name} at ${width}×${height}: its main action is not in view (${JSON.stringify(box)})`);
          await page.screenshot({ path: `${SHOTS}/screen-${name}-${width}x${height}-${scheme}.png` });
        }
      }
      await page.setViewportSize({ width: 1280, height: 800 });
      await page.emulateMedia({ colorScheme: 'light' });
    };
    const longName = `${'a-very-long-bucket-name-'.repeat(2)}x${uniqueName('').slice(1)}`.slice(0, 63);
    await conn.storage.createBucket(longName);
    await conn.storage.put(longName, `${'An extremely long file name that goes on and on '.repeat(3)}final.pdf`, Buffer.from('x'));
    for (let i = 1; i <= 14; i++) await conn.storage.put(longName, `scan-${String(i).padStart(2, '0')}.jpg`, Buffer.from('x'.repeat(i * 1000)));
    await page.reload();
    await page.getByRole('button', { name: longName }).click();
    await page.getByRole('row').nth(1).waitFor();
    // The drawer closed, as it starts: at 720×480 the list shows at least 8 whole rows.
    const drawer = page.getByRole('button', { name: 'Transfers', exact: true });
    if ((await drawer.getAttribute('aria-expanded')) === 'true') await drawer.click();
    await page.setViewportSize({ width: 720, height: 480 });
    await page.screenshot({ path: `${SHOTS}/rows-720x480.png` });
    const whole = await page.evaluate(() => {
      const grid = document.querySelector('[role=grid]')!.getBoundingClientRect();
      return [...document.querySelectorAll('.grid .row')].filter((r) => {
        const b = r.getBoundingClientRect();
        return b.top >= grid.top + 30 && b.bottom <= grid.bottom + 1;
      }).length;
    });
    expect(whole, 'whole rows of the list at 720×480').toBeGreaterThanOrEqual(8);
    // Nothing of sharing is on screen while nobody is sharing.
    expect(await page.locator('aside, .share, .history, form[aria-label="Ask for files"]').count()).toBe(0);
    await page.setViewportSize({ width: 1280, height: 800 });
    await check('browser', () => page.getByRole('button', { name: 'Upload', exact: true }));
    await drawer.click();
    await check('drawer', () => page.getByRole('button', { name: 'Clear finished' }));
    await drawer.click();
    await page.getByRole('row').nth(1).click();
    await page.keyboard.press('Enter');
    await check('share', () => page.getByRole('button', { name: 'Create link' }));
    await page.getByLabel('Private link (encrypted here)').check();
    await check('share-private', () => page.getByRole('button', { name: 'Create private link' }));
    await page.getByLabel('Private link (encrypted here)').uncheck();
    await page.getByRole('button', { name: 'Close share panel' }).click();
    await page.getByRole('button', { name: 'More' }).click();
    await page.getByRole('menuitem', { name: 'Share folder as one link…' }).click();
    // Nothing is published until asked.
    await page.getByRole('dialog').getByRole('button', { name: 'Make link' }).click();
    await page.getByRole('dialog').getByText(/\d+ files?, until/).waitFor();
    // The next thing to do has focus: copying the link (not the page body).
    await expect.poll(() => focusedName(page)).toBe('Copy link');
    await check('share-folder', () => page.getByRole('dialog').getByRole('button', { name: 'Copy link' }));
    await page.keyboard.press('Escape');
    await page.getByRole('button', { name: 'More' }).click();
    await page.getByRole('menuitem', { name: 'Ask for files…' }).click();
    await check('ask-for-files', () => page.getByRole('dialog').getByRole('button', { name: 'Make request link' }));
    await page.keyboard.press('Escape');
    await visit(page, 'Links');
    await check('links', () => page.getByRole('searchbox', { name: 'Search links by name or bucket' }));
    await visit(page, 'Requests');
    await check('requests', () => page.getByRole('heading', { name: 'File requests' }));
    await openBucket(page, longName);
    // The drawer as the tests after this one expect it: open.
    await drawer.click();
    await page.getByRole('row').nth(1).click({ button: 'right' });
    await check('menu', () => page.getByRole('menuitem', { name: 'Download…' }));
    await page.keyboard.press('Escape');
    await page.keyboard.press('Delete');
    await check('delete', () => page.getByRole('alertdialog').getByRole('button', { name: 'Delete', exact: true }));
    await page.keyboard.press('Escape');
    await page.keyboard.press('F2');
    await check('rename', () => page.getByRole('dialog').getByRole('button', { name: 'Rename', exact: true }));
    await page.keyboard.press('Escape');
    await page.getByRole('button', { name: 'More' }).click();
    await page.getByRole('menuitem', { name: /Delete bucket/ }).click();
    await check('delete-bucket', () => page.getByRole('alertdialog').getByRole('button', { name: 'Delete bucket', exact: true }));
    await page.keyboard.press('Escape');
    await page.getByRole('button', { name: 'Settings', exact: true }).click();
    await check('settings', () => page.getByRole('dialog').getByRole('button', { name: 'Done' }));
    await page.keyboard.press('Escape');
    await page.getByRole('button', { name: `Settings for ${account}` }).click();
    await check('account', () => page.getByRole('dialog').getByRole('button', { name: 'Test connection' }));
    await page.keyboard.press('Escape');
    await page.getByRole('button', { name: '+ Add account' }).click();
    await check('add-account', () => page.getByRole('dialog').getByRole('button', { name: 'Add account', exact: true }));
    await page.keyboard.press('Escape');
    expect(found.join('\n')).toBe('');
    // The long bucket's contents go; the bucket after typing its name.
    await page.getByRole('button', { name: 'More' }).click();
    await page.getByRole('menuitem', { name: /Delete bucket/ }).click();
    await page.getByLabel('Also delete everything in it (files, folders and unfinished uploads)').check();
    await page.getByRole('button', { name: 'Delete bucket and contents' }).isDisabled();
    await page.getByLabel('Type the bucket’s name to confirm').fill(longName);
    await page.getByRole('button', { name: 'Delete bucket and contents' }).click();
    await page.getByRole('heading', { name: 'Choose a bucket' }).waitFor();
    expect((await conn.storage.listBuckets()).map((b) => b.name)).not.toContain(longName);
  }, 240_000);

  it('pausing never moves progress back; resume finishes the file', async () => {
    const { page } = h;
    await page.getByRole('button', { name: bucket }).click();
    // Large enough that the pause lands while it runs, on a fast machine too.
    const big = await randomFile(work, 'pause.bin', 320 * MiB);
    h.setPickedPaths([big.path]);
    await page.getByRole('button', { name: 'Upload', exact: true }).click();
    await page.getByRole('menuitem', { name: 'Upload files…' }).click();
    const bar = page.locator('progress[aria-label="Progress of pause.bin"]');
    await page.waitForFunction(() => ((document.querySelector('progress[aria-label="Progress of pause.bin"]') as HTMLProgressElement | null)?.value ?? 0) >= 4, undefined, { timeout: 60_000 });
    const seen = await bar.evaluate((p: HTMLProgressElement) => p.value);
    await page.getByRole('button', { name: 'Pause pause.bin' }).click();
    await page.locator('.transfer[data-status="paused"]', { hasText: 'pause.bin' }).waitFor();
    await page.waitForTimeout(300);
    expect(await bar.evaluate((p: HTMLProgressElement) => p.value)).toBeGreaterThanOrEqual(seen);
    await page.getByRole('button', { name: 'Resume pause.bin' }).click();
    await page.locator('.transfer[data-status="done"]', { hasText: 'pause.bin' }).waitFor({ timeout: 120_000 });
  }, 180_000);
  it('failures look like failures: a deleted bucket, wrong keys saved anyway, and a network cut that heals', async () => {
    const { page } = h;
    // An upload into a bucket deleted behind the window's back: a red row that says why, in full.
    const doomed = uniqueName('doomed');
    await conn.storage.createBucket(doomed);
    await page.reload();
    await page.getByRole('button', { name: doomed }).click();
    await deleteBucket(conn.storage, doomed);
    h.setPickedPaths([notes.path]);
    await page.getByRole('button', { name: 'Upload', exact: true }).click();
    await page.getByRole('menuitem', { name: 'Upload files…' }).click();
    const row = page.locator('.transfer[data-status="failed"]', { hasText: 'notes.txt' });
    await row.waitFor({ timeout: 30_000 });
    await row.getByText(/does not exist/).waitFor();
    expect(await row.locator('progress').count()).toBe(0);
    await expect(row.textContent()).resolves.not.toMatch(/ferry mb/);
    await row.getByRole('button', { name: 'Details: why notes.txt failed' }).click();
    await page.getByRole('alert').filter({ hasText: /notes\.txt: .*does not exist.*New bucket/ }).waitFor();
    expect(h.notifications.filter((n) => n.title === 'Upload failed')).toHaveLength(1);
    // A dialog whose action fails stays open with the reason, and focus is back on the button pressed, never the page body.
    await page.getByRole('button', { name: 'New folder' }).click();
    const newFolder = page.getByRole('dialog', { name: 'New folder' });
    await newFolder.getByRole('textbox').fill('never made');
    await newFolder.getByRole('button', { name: 'Create' }).click();
    await newFolder.getByRole('alert').filter({ hasText: /does not exist/ }).waitFor();
    await expect.poll(() => focusedName(page)).toBe('Create');
    await page.keyboard.press('Escape');
    await newFolder.waitFor({ state: 'detached' });

    // Wrong keys: not saved unless "Save anyway"; the message says what to do here.
    const wrong = uniqueName('wrong');
    const g = gateway();
    await page.getByRole('button', { name: '+ Add account' }).click();
    const form = page.getByRole('dialog', { name: 'Add an account' });
    await form.getByLabel('Provider').selectOption('ceph');
    await form.getByLabel('Name').fill(wrong);
    await form.getByLabel('Endpoint').fill(g.endpoint);
    await form.getByLabel('Access key ID').fill(g.accessKeyId);
    await form.getByLabel('Secret access key').fill('not-the-secret');
    await form.getByRole('button', { name: 'Add account' }).click();
    await form.getByRole('alert').filter({ hasText: /^Not saved: .*secret access key is wrong.*save again, or save anyway\.$/ }).waitFor();
    await expect(form.getByRole('alert').first().textContent()).resolves.not.toMatch(/Re-add/);
    expect((await h.ferry.listAccounts()).map((a) => a.name)).not.toContain(wrong);
    await form.getByRole('button', { name: 'Save anyway' }).click();
    // Saved, the dialog becomes the account's settings, the failed test still on screen.
    const settings = page.getByRole('dialog', { name: `Account “${wrong}”` });
    await settings.getByText(/Saved, though the connection test failed/).waitFor();
    await expect(settings.getByLabel('Name').count()).resolves.toBe(0);
    expect((await h.ferry.listAccounts()).map((a) => a.name)).toContain(wrong);
    await page.keyboard.press('Escape');

    // A network cut mid-upload: "Waiting for the network…", cleared as soon as bytes flow again; never backwards.
    const proxy: FaultProxy = await startFaultProxy(g.endpoint);
    try {
      const via = uniqueName('via');
      await h.ferry.addAccount({ name: via, provider: 'ceph', endpoint: proxy.endpoint }, { accessKeyId: g.accessKeyId, secretAccessKey: g.secretAccessKey });
      await page.reload();
      await page.getByRole('button', { name: via, exact: true }).click();
      await page.getByRole('button', { name: bucket }).click();
      const big = await randomFile(work, 'cut.bin', 320 * MiB);
      h.setPickedPaths([big.path]);
      await page.getByRole('button', { name: 'Upload', exact: true }).click();
      await page.getByRole('menuitem', { name: 'Upload files…' }).click();
      const cut = page.locator('.transfer', { hasText: 'cut.bin' });
      await page.waitForFunction(() => ((document.querySelector('progress[aria-label="Progress of cut.bin"]') as HTMLProgressElement | null)?.value ?? 0) > 2, undefined, { timeout: 30_000 });
      await proxy.down();
      await cut.getByText('Waiting for the network…').waitFor({ timeout: 30_000 });
      const during = await cut.locator('progress').evaluate((p: HTMLProgressElement) => p.value);
      await proxy.up();
      await cut.getByText('Waiting for the network…').waitFor({ state: 'detached', timeout: 60_000 });
      await page.locator('.transfer[data-status="done"]', { hasText: 'cut.bin' }).waitFor({ timeout: 120_000 });
      expect(during).toBeGreaterThan(2);
      expect(await conn.storage.exists(bucket, 'cut.bin')).toBe(true);
    } finally {
      await proxy.close();
    }
  }, 240_000);

  it('a queue of 2,000 transfers draws only the rows in view and scrolls inside its panel', async () => {
    const { page } = h;
    await page.evaluate(() => {
      const batch = Array.from({ length: 2000 }, (_, i) => ({ id: `fake-${i}`, direction: 'upload', account: 'a', bucket: 'b', key: `many/file-${i}.bin`, file: `/x/file-${i}.bin`, size: 1000, status: 'queued', bytesDone: 0, bytesPerSecond: 0 }));
      (window as unknown as { __ferryEmit(e: string, p: unknown): void }).__ferryEmit('transfers:changed', batch);
    });
    const list = page.getByRole('list', { name: 'Transfer queue' });
    // Only the work still to do: the earlier tests' finished transfers folded into their count.
    await page.getByRole('button', { name: /^Hide \d+ finished$/ }).click();
    // Newest first: work just added is in view.
    await list.getByText('file-1999.bin').first().waitFor();
    const shape = await list.evaluate((el) => ({ rows: el.querySelectorAll('[role=listitem]').length, scrolls: el.scrollHeight > el.clientHeight * 10, height: el.clientHeight }));
    expect(shape.rows).toBeLessThan(40);
    expect(shape.scrolls).toBe(true);
    expect(shape.height).toBeLessThan(400);
    // The window itself did not grow: the page is as tall as the viewport.
    await expect(page.evaluate(() => document.documentElement.scrollHeight <= innerHeight)).resolves.toBe(true);

    // However many rows and buttons, the queue is three Tab stops (toggle, toolbar, list), and
    // the whole window stays a short walk: Tab goes round it in a bounded number of stops.
    const stops: string[] = [];
    await page.locator('body').focus();
    for (let i = 0; i < 80; i++) {
      await page.keyboard.press('Tab');
      const here = await page.evaluate(() => {
        const el = document.activeElement as HTMLElement | null;
        if (!el || el === document.body) return 'body';
        // Each element counts once: the walk ends when it comes round to one seen before.
        const w = window as unknown as { __seen?: WeakSet<Element> };
        w.__seen ??= new WeakSet();
        if (w.__seen.has(el)) return 'again';
        w.__seen.add(el);
        const region = el.closest('[aria-label="Transfers"]') ? 'transfers:' : el.closest('nav[aria-label="Accounts and buckets"]') ? 'sidebar:' : '';
        return `${region}${el.getAttribute('role') ?? el.tagName.toLowerCase()}:${el.getAttribute('aria-label') ?? el.textContent?.trim().slice(0, 30)}`;
      });
      if (here === 'again') break;
      if (here !== 'body') stops.push(here);
    }
    expect(stops.length).toBeLessThan(40);
    // The sidebar, with three accounts and one open: the accounts and their actions, the open
    // account's buckets, the places (Links, Requests), Settings: four stops however many there are.
    expect(await page.locator('.account-head').count()).toBeGreaterThanOrEqual(3);
    expect(stops.filter((x) => x.startsWith('sidebar:'))).toEqual([expect.stringMatching(/^sidebar:button:/), expect.stringMatching(/^sidebar:button:/), expect.stringMatching(/^sidebar:button:(Links|Requests)/), 'sidebar:button:Settings']);
    // Up/Down move through the accounts and their actions; the open account's buckets are skipped
    // (they are the next stop), and the new-bucket action follows its account.
    // Each name as read (the sidebar cuts long ones in the middle on screen; the whole name is on hover).
    const accountNames = await page.locator('.account-name .middle-name').evaluateAll((els) => els.map((e) => e.getAttribute('title')));
    await page.locator('.account-name').first().focus();
    await page.keyboard.press('ArrowDown');
    await expect(focusedName(page)).resolves.toBe(`Settings for ${accountNames[0]}`);
    await page.keyboard.press('End');
    await expect(focusedName(page)).resolves.toMatch(/Add account$/);
    await page.keyboard.press('Home');
    await expect(focusedName(page)).resolves.toContain(accountNames[0]);
    const inQueue = stops.filter((x) => x.startsWith('transfers:'));
    // The drawer: its toggle, its toolbar, its list, however long the list is.
    expect(inQueue).toHaveLength(3);
    expect(inQueue).toEqual(expect.arrayContaining([expect.stringMatching(/^transfers:button:.*Transfers$/), expect.stringMatching(/^transfers:button:(?!.*Transfers$)/), expect.stringMatching(/^transfers:listitem:(Upload|Download): /)]));

    // In the list (newest first): arrows, End and Home move between rows, drawing them as needed;
    // Right reaches a row's buttons, Left and Escape come back; Tab leaves the list.
    const row = page.getByRole('listitem', { name: /^Upload: file-1999\.bin / });
    await row.focus();
    const focused = () => page.evaluate(() => (document.activeElement?.getAttribute('aria-label') ?? '').replace(/ to .*/, ''));
    await page.keyboard.press('ArrowDown');
    await expect(focused()).resolves.toBe('Upload: file-1998.bin');
    // End: the oldest work still to do (an earlier test's failed upload, below the 2,000).
    await page.keyboard.press('End');
    await expect.poll(async () => (await focused()).startsWith('Upload: file-')).toBe(false);
    await expect(list.evaluate((el) => el.scrollTop > 0)).resolves.toBe(true);
    await page.keyboard.press('Home');
    await expect.poll(focused).toBe('Upload: file-1999.bin');
    await page.keyboard.press('ArrowRight');
    await expect(focused()).resolves.toBe('Pause file-1999.bin');
    await page.keyboard.press('ArrowRight');
    await expect(focused()).resolves.toBe('Cancel file-1999.bin');
    await page.keyboard.press('Escape');
    await expect(focused()).resolves.toBe('Upload: file-1999.bin');
    await page.keyboard.press('Home');
    await expect.poll(() => page.evaluate(() => document.activeElement?.getAttribute('aria-posinset'))).toBe('1');
    const top = await focused();
    // Shift+Tab leaves the list for the queue's toolbar, and Tab comes back to the same row.
    await page.keyboard.press('Shift+Tab');
    await expect(page.evaluate(() => !!document.activeElement?.closest('[role=toolbar][aria-label="All transfers"]'))).resolves.toBe(true);
    await page.keyboard.press('Tab');
    await expect(focused()).resolves.toBe(top);
    // A row scrolled far out of view is still where Tab comes back to.
    await page.keyboard.press('PageDown');
    const paged = await focused();
    expect(paged).toMatch(/^(Upload|Download): /);
    expect(paged).not.toBe(top);
    await list.evaluate((el) => (el.scrollTop = el.scrollHeight));
    await page.keyboard.press('Shift+Tab');
    await page.keyboard.press('Tab');
    await expect.poll(focused).toBe(paged);
  });
});
