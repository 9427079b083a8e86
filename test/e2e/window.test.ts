import { mkdir } from 'node:fs/promises';
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTrayMenu, runTrayAction } from '../../main/app/tray-menu';
import { MiB } from '../../main/core/transfers/plan';
import { gateway, randomFile, sha256Stream, tempDir, uniqueName } from '../support/helpers';
import { axe, dropFiles, openBucket, openWindow, visit, type Harness } from './harness';

const SHOTS = resolve(__dirname, '../../test-output/screenshots');

/** The toolbar's Upload menu: "Upload files…" or "Upload a folder…" (the system dialog is main's). */
async function uploadVia(page: Harness['page'], kind: 'files' | 'folder'): Promise<void> {
  await page.getByRole('button', { name: 'Upload', exact: true }).click();
  await page.getByRole('menuitem', { name: kind === 'files' ? 'Upload files…' : 'Upload a folder…' }).click();
}

/**
 * A user's first session in the window, step by step: add an account, make a bucket, drop a file,
 * watch it upload, share it, and copy a link from the tray.
 */
describe('the Ferry window, end to end in Chromium', () => {
  let h: Harness;
  let work: string;
  const bucket = uniqueName('window');
  const account = uniqueName('desk');
  let big: { path: string; sha256: string };
  let small: { path: string; sha256: string };

  beforeAll(async () => {
    await mkdir(SHOTS, { recursive: true });
    work = await tempDir();
    big = await randomFile(work, 'holiday-video.mp4', 160 * MiB);
    small = await randomFile(work, 'notes.txt', 20_000);
    h = await openWindow({ transfersShown: true });
  });
  afterAll(async () => {
    await h?.close();
  });

  it('first run: asks for an account, and adding one tests the connection', async () => {
    const { page } = h;
    await page.getByRole('heading', { name: 'Welcome to Ferry' }).waitFor();
    await page.screenshot({ path: `${SHOTS}/1-first-run.png` });
    const g = gateway();
    await page.getByLabel('Provider').selectOption('ceph');
    await page.getByLabel('Name').fill(account);
    await page.getByLabel('Endpoint').fill(g.endpoint);
    await page.getByLabel('Access key ID').fill(g.accessKeyId);
    await page.getByLabel('Secret access key').fill(g.secretAccessKey);
    await page.getByRole('button', { name: 'Add account' }).click();
    // The account is saved and its connection tested, check by check, in words.
    const checks = page.getByRole('list', { name: 'Connection test' });
    await checks.getByText('credentials accepted').waitFor();
    expect(await checks.locator('li.fail').count()).toBe(0);
    await page.getByRole('status').filter({ hasText: 'Saved. The connection test passed.' }).waitFor();
    await page.screenshot({ path: `${SHOTS}/1b-account-tested.png` });
    await page.getByRole('button', { name: 'Done' }).click();
    await page.getByRole('button', { name: account, exact: true }).waitFor();
    expect((await h.ferry.listAccounts()).map((a) => a.name)).toEqual([account]);
  });

  it('explains what to do when files are dropped before a bucket is chosen', async () => {
    await h.setDropPaths({ 'notes.txt': small.path });
    await dropFiles(h.page, [{ name: 'notes.txt' }]);
    await h.page.getByRole('alert').filter({ hasText: 'Choose a bucket first' }).waitFor();
    await h.page.getByRole('button', { name: 'Dismiss' }).click();
  });

  it('creates a bucket from the sidebar, with S3 naming rules explained', async () => {
    const { page } = h;
    await page.getByRole('button', { name: '+ New bucket' }).click();
    await page.getByLabel('New bucket name').fill('Bad_Name');
    await page.getByRole('button', { name: 'Create', exact: true }).click();
    await page.getByRole('alert').filter({ hasText: 'not a valid bucket name' }).waitFor();
    await page.getByLabel('New bucket name').fill(bucket);
    await page.getByRole('button', { name: 'Create', exact: true }).click();
    await page.getByRole('button', { name: bucket }).first().waitFor();
    await page.getByText('This folder is empty.').waitFor();
    await page.screenshot({ path: `${SHOTS}/2-empty-bucket.png` });
  });

  it('uploads dropped files with live progress until done, and they appear in the list', async () => {
    const { page } = h;
    await h.setDropPaths({ 'holiday-video.mp4': big.path, 'notes.txt': small.path });
    await dropFiles(page, [{ name: 'holiday-video.mp4' }, { name: 'notes.txt' }]);
    const row = page.locator('.transfer', { hasText: 'holiday-video.mp4' });
    await row.waitFor();
    // Progress arrives as batched events: some value between 0 and 100% while uploading.
    await page.waitForFunction(() => {
      const bar = document.querySelector('progress[aria-label="Progress of holiday-video.mp4"]') as HTMLProgressElement | null;
      return bar !== null && bar.value > 0 && bar.value < 100;
    }, undefined, { timeout: 30_000 });
    await page.screenshot({ path: `${SHOTS}/3-uploading.png` });
    await page.locator('.transfer[data-status="done"]', { hasText: 'holiday-video.mp4' }).waitFor({ timeout: 60_000 });
    await page.locator('.transfer[data-status="done"]', { hasText: 'notes.txt' }).waitFor({ timeout: 60_000 });
    await page.getByRole('row', { name: /holiday-video\.mp4/ }).waitFor();
    await page.getByRole('row', { name: /notes\.txt/ }).waitFor();
    // One notification for the drop, naming both files.
    const announced = h.notifications.filter((n) => /uploaded|Upload finished/.test(n.title));
    expect(announced).toHaveLength(1);
    expect(announced[0]!.title).toBe('2 files uploaded');
    expect(announced[0]!.body).toMatch(new RegExp(`^(holiday-video\\.mp4, notes\\.txt|notes\\.txt, holiday-video\\.mp4) are in ${bucket}/\\.$`));
    await page.screenshot({ path: `${SHOTS}/4-browser.png` });
  });

  it('uploads without a mouse: the Upload button opens the system dialog (from main) and queues what was chosen', async () => {
    const { page } = h;
    const picked = await randomFile(work, 'chosen-in-dialog.bin', 300_000);
    h.setPickedPaths([picked.path]);
    // The toolbar's Upload menu, with keys only.
    await page.getByRole('button', { name: 'Upload', exact: true }).focus();
    await page.keyboard.press('Enter');
    await expect(page.getByRole('menuitem', { name: 'Upload files…' }).evaluate((el) => el === document.activeElement)).resolves.toBe(true);
    await page.keyboard.press('Enter');
    await page.locator('.transfer[data-status="done"]', { hasText: 'chosen-in-dialog.bin' }).waitFor({ timeout: 30_000 });
    // Cancelling the dialog queues nothing.
    h.setPickedPaths([]);
    await uploadVia(page, 'files');
    expect(h.core.queue.list().filter((t) => t.key.endsWith('chosen-in-dialog.bin'))).toHaveLength(1);
  });

  it('opens where it was last, and Escape closes the share panel', async () => {
    const { page } = h;
    await page.waitForTimeout(600);
    await page.reload();
    await page.locator('.bucket.selected', { hasText: bucket }).waitFor();
    await page.locator('.row.object', { hasText: 'notes.txt' }).click();
    await page.keyboard.press('Enter');
    await page.getByRole('button', { name: 'Close share panel' }).waitFor();
    await page.keyboard.press('Escape');
    await page.getByRole('button', { name: 'Close share panel' }).waitFor({ state: 'detached' });
  });

  it('deletes a file after an in-app confirmation that names it, and the list follows', async () => {
    const { page } = h;
    const extra = await randomFile(work, 'delete-me.txt', 1000);
    h.setPickedPaths([extra.path]);
    await uploadVia(page, 'files');
    await page.locator('.row.object', { hasText: 'delete-me.txt' }).click();
    await page.keyboard.press('Delete');
    const dialog = page.getByRole('alertdialog', { name: 'Delete delete-me.txt?' });
    await dialog.getByText(`Delete “delete-me.txt” from ${bucket}? This cannot be undone`).waitFor();
    await dialog.getByRole('button', { name: 'Keep' }).click();
    await page.getByRole('button', { name: 'Delete', exact: true }).click();
    await page.getByRole('alertdialog').getByRole('button', { name: 'Delete', exact: true }).click();
    await page.locator('.row.object', { hasText: 'delete-me.txt' }).waitFor({ state: 'detached' });
    const conn = await h.ferry.connect({ account });
    expect(await conn.storage.exists(bucket, 'delete-me.txt')).toBe(false);
    conn.close();
    // The tray offers a link for the latest upload; for a deleted one it says why there is none.
    await expect(h.core.copyLinkFor((await h.core.recentUploads(1))[0]!)).rejects.toThrow(/no longer in .*there is no link to copy/);
    const after = await randomFile(work, 'after-delete.txt', 1000);
    h.setPickedPaths([after.path]);
    await uploadVia(page, 'files');
    await page.locator('.transfer[data-status="done"]', { hasText: 'after-delete.txt' }).waitFor();
  });

  it('sorts the list by name, size and date from the column headers', async () => {
    const { page } = h;
    const names = () => page.locator('.row.object .name .sr-only').allTextContents();
    const size = page.getByRole('columnheader', { name: 'Size' });
    await size.getByRole('button').click();
    await expect(size.getAttribute('aria-sort')).resolves.toBe('ascending');
    const bySize = await names();
    await size.getByRole('button').click();
    await expect(size.getAttribute('aria-sort')).resolves.toBe('descending');
    expect(await names()).toEqual([...bySize].reverse());
    expect(bySize.indexOf('holiday-video.mp4')).toBe(bySize.length - 1);
    await page.getByRole('columnheader', { name: 'Name' }).getByRole('button').click();
    const byName = await names();
    expect(byName).toEqual([...byName].sort((a, b) => a.localeCompare(b, undefined, { numeric: true })));
  });

  it('axe-core finds no violation on the main screen, in light and dark', async () => {
    const { page } = h;
    const found = await axe(page, 'main screen');
    expect(found.join('\n')).toBe('');
  });

  it('holds at every window size from the 720×480 minimum to 2560×1440: nothing wider than the window', async () => {
    const { page } = h;
    for (const [width, height, theme] of [[720, 480, 'light'], [800, 600, 'dark'], [1280, 800, 'light'], [2560, 1440, 'dark']] as const) {
      await page.setViewportSize({ width, height });
      await page.emulateMedia({ colorScheme: theme });
      expect(await page.evaluate(() => document.documentElement.scrollWidth), `${width}×${height}`).toBe(width);
      await expect(page.getByRole('button', { name: 'Upload', exact: true }).isVisible()).resolves.toBe(true);
      await page.screenshot({ path: `${SHOTS}/window-${width}x${height}-${theme}.png` });
    }
    await page.setViewportSize({ width: 1280, height: 800 });
    await page.emulateMedia({ colorScheme: 'light' });
  });

  it('asks in the window, not with a native dialog, before replacing a file that is already there', async () => {
    const { page } = h;
    const before = h.core.queue.list().filter((t) => t.key === 'notes.txt').length;
    h.setPickedPaths([small.path]);
    await uploadVia(page, 'files');
    const ask = page.getByRole('alertdialog', { name: 'Files already there' });
    await ask.getByText(`notes.txt already exists in ${bucket}/.`).waitFor();
    await ask.getByRole('button', { name: 'Keep them, upload the others' }).click();
    await ask.waitFor({ state: 'detached' });
    expect(h.core.queue.list().filter((t) => t.key === 'notes.txt')).toHaveLength(before);
    await uploadVia(page, 'files');
    await ask.getByRole('button', { name: 'Replace them' }).click();
    await page.waitForFunction(() => true);
    await expect.poll(() => h.core.queue.list().filter((t) => t.key === 'notes.txt').length).toBe(before + 1);
    // Keep both, as Finder and Cyberduck offer it: the new file goes beside, under a numbered name.
    await expect.poll(() => h.core.queue.list().filter((t) => t.key === 'notes.txt').every((t) => t.status === 'done')).toBe(true);
    await uploadVia(page, 'files');
    await ask.getByRole('button', { name: 'Keep both' }).click();
    await ask.waitFor({ state: 'detached' });
    await expect.poll(() => h.core.queue.list().find((t) => t.key === 'notes (2).txt')?.status).toBe('done');
  });

  it('script in the page cannot upload a file the user did not drop or pick', async () => {
    const { page } = h;
    const bucket = await page.evaluate(() => document.querySelector('[aria-current="true"]')?.textContent ?? '');
    const forged = await page.evaluate(async (b) => {
      const f = (window as unknown as { ferry: Record<string, (...a: unknown[]) => Promise<{ ok: boolean; error?: { code: string } }>> }).ferry;
      const target = { account: 'e2e', bucket: b || 'ferry-e2e', prefix: '' };
      return {
        path: await f.addUploads!({ ...target, paths: ['/etc/passwd'] }),
        folder: await f.addUploads!({ ...target, paths: ['/etc'] }),
        // A File made by script has no path on disk: nothing to grant.
        madeUp: await f.addFiles!(target, [new File(['x'], 'passwd')]),
        grant: await f.grantFiles?.({ paths: ['/etc/passwd'] }),
      };
    }, bucket);
    expect(forged.path).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
    expect(forged.folder).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
    expect(forged.madeUp).toMatchObject({ ok: false, error: { code: 'FILE_NOT_FOUND' } });
    // The grant channel is not among the page's methods.
    expect(forged.grant).toBeUndefined();
    expect(h.core.queue.list().map((t) => t.file)).not.toContain('/etc/passwd');
  });

  it('makes a share link with a chosen lifetime that serves the same bytes', async () => {
    const { page } = h;
    await page.locator('.row.object', { hasText: 'holiday-video.mp4' }).click();
    await page.getByRole('button', { name: 'Share…', exact: true }).click();
    await page.getByRole('heading', { name: /Share “holiday-video\.mp4”/ }).waitFor();
    await page.getByLabel('Custom duration').fill('9d');
    await page.getByRole('button', { name: 'Create link' }).click();
    await page.getByRole('alert').filter({ hasText: '1 second to 7 days' }).waitFor();
    await page.getByLabel('Custom duration').fill('2h30m');
    await page.getByRole('button', { name: 'Create link' }).click();
    const input = page.getByLabel('Share link', { exact: true });
    await input.waitFor();
    const url = await input.inputValue();
    expect(new URL(url).searchParams.get('X-Amz-Expires')).toBe('9000');
    await page.getByText(/\(in 2 hours (29|30) minutes\)/).waitFor();
    // Focus is on Copy, the next thing to do.
    await expect(page.getByRole('button', { name: 'Copy', exact: true }).evaluate((el) => el === document.activeElement)).resolves.toBe(true);
    await page.getByRole('button', { name: 'Enlarge the QR code' }).click();
    const qr = page.getByRole('dialog', { name: 'QR code for holiday-video.mp4' });
    await expect(qr.getByRole('img').evaluate((img) => img.getBoundingClientRect().width)).resolves.toBeGreaterThanOrEqual(300);
    await page.keyboard.press('Escape');
    await qr.waitFor({ state: 'detached' });
    await page.getByRole('button', { name: 'Copy', exact: true }).click();
    await page.getByRole('button', { name: 'Copied' }).waitFor();
    // And it turns back.
    await page.getByRole('button', { name: 'Copy', exact: true }).waitFor({ timeout: 5000 });
    expect(h.clipboard.at(-1)).toBe(url);
    await page.screenshot({ path: `${SHOTS}/5-share.png` });
    // The dark theme follows the system setting.
    await page.emulateMedia({ colorScheme: 'dark' });
    const background = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
    expect(background).toBe('rgb(21, 24, 30)');
    await page.screenshot({ path: `${SHOTS}/6-share-dark.png` });
    await page.emulateMedia({ colorScheme: 'light' });

    const res = await fetch(url);
    expect(res.status).toBe(200);
    expect(await sha256Stream(res.body as unknown as AsyncIterable<Uint8Array>)).toEqual({ sha256: big.sha256, size: 160 * MiB });
    // Links lists the link as live.
    await page.getByRole('button', { name: 'Close share panel' }).click();
    await visit(page, 'Links');
    const history = page.getByRole('region', { name: 'Links issued' });
    const entry = history.getByRole('listitem').first();
    await entry.getByText(`${bucket}/holiday-video.mp4`).first().waitFor();
    await entry.getByText(/Works until .*\(2 hours/).waitFor();
  });

  it('a file request made in the window works for someone with only a browser, and its files are announced', async () => {
    const { page } = h;
    // Asked for from the file list's More menu, as a dialog; the request then shows in Requests.
    await openBucket(page, bucket);
    await page.getByRole('button', { name: 'More' }).click();
    await page.getByRole('menuitem', { name: 'Ask for files…' }).click();
    const card = page.getByRole('dialog', { name: `Ask for files in ${bucket}` });
    await card.getByLabel('Name').fill('Scans from Anna');
    await card.getByLabel('Largest file (MiB, at most 5 GiB)').fill('2');
    await card.getByLabel('Note for the sender (optional)').fill('Please send the signed contract.');
    await card.getByRole('button', { name: 'Make request link' }).click();
    const made = page.getByRole('dialog', { name: 'Request link made' });
    await made.getByText(/Files sent through this link land in .*incoming\/scans-from-anna-[0-9a-f]{8}\//).waitFor();
    await made.getByRole('button', { name: 'Copy link' }).click();
    await made.getByRole('button', { name: 'Copied' }).waitFor();
    const url = h.clipboard.at(-1)!;
    expect(url).toMatch(/\.html\?.*#[A-Za-z0-9_-]+$/);
    await made.getByRole('button', { name: 'Done' }).click();
    await visit(page, 'Requests');
    await page.getByRole('list', { name: 'File requests' }).getByText('Scans from Anna').first().waitFor();
    await page.screenshot({ path: `${SHOTS}/7-requests-window.png` });
    await h.core.pollRequests();

    // Someone else, with only a browser.
    const sender = await page.context().browser()!.newPage();
    await sender.goto(url);
    await sender.getByText('Please send the signed contract.').waitFor();
    await sender.setInputFiles('#files', [small.path]);
    await sender.locator('#list .ok').waitFor({ timeout: 30_000 });
    await sender.close();

    await h.core.pollRequests();
    expect(h.notifications.find((n) => n.title === '1 new file for “Scans from Anna”')).toMatchObject({ body: expect.stringContaining('notes.txt') });
    const [req] = (await h.ferry.listRequests()).filter((r) => r.title === 'Scans from Anna');
    expect(req!.received).toHaveLength(1);
    expect(req!.received[0]!.size).toBe(20_000);
  });

  it('the tray menu\'s "Copy share link" copies a working link for the latest upload', async () => {
    const recent = await h.core.recentUploads();
    const menu = buildTrayMenu({ recent });
    const copy = menu.find((i) => i.label === 'Copy share link')!;
    expect(copy.enabled ?? true).toBe(true);
    const before = h.clipboard.length;
    await runTrayAction(copy.action!, { core: h.core, platform: { copyText: (t) => h.clipboard.push(t), notify: (title, body) => h.notifications.push({ title, body }), openExternal: () => {}, confirm: async () => true, pickFiles: async () => [] }, show: () => {}, quit: () => {} });
    expect(h.clipboard.length).toBe(before + 1);
    const url = h.clipboard.at(-1)!;
    const latest = recent[0]!;
    expect(decodeURIComponent(new URL(url).pathname)).toBe(`/${bucket}/${latest.key}`);
    const res = await fetch(url);
    expect(res.status).toBe(200);
    expect(h.notifications.at(-1)?.title).toBe('Share link copied');
  });
});
