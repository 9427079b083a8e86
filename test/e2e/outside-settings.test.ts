import { mkdir } from 'node:fs/promises';
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Prefs } from '../../preload/contract';
import { fakeDesktop, SHARE_CLIPBOARD_COMMAND, type FakeDesktop } from '../support/fake-desktop';
import { gateway, uniqueName } from '../support/helpers';
import { axe, clippedControls, openWindow, type Harness } from './harness';

const SHOTS = resolve(__dirname, '../../test-output/screenshots');

/**
 * Settings' "Outside the window" (issue 23) in Chromium against the real handler table, with a
 * stand-in desktop that records what main asked of it: the destination, the global shortcut
 * recorded from key presses, start at login, file manager items, update checks.
 */
describe('Settings: Ferry outside its window', () => {
  let h: Harness;
  let desktop: FakeDesktop;
  const account = uniqueName('out');
  const photos = uniqueName('photos');
  const work = uniqueName('work');

  const prefs = async (): Promise<Prefs> => {
    const r = await h.core.handle('prefs:get', undefined);
    if (!r.ok) throw new Error(r.error.message);
    return r.value as Prefs;
  };
  const settings = () => h.page.getByRole('dialog', { name: 'Settings' });
  const outside = () => settings().getByRole('group', { name: 'Outside the window' });
  const openSettings = async () => {
    await h.page.getByRole('button', { name: 'Settings', exact: true }).click();
    // The desktop's state has arrived: the shortcut field is there.
    await outside().getByLabel('Global shortcut to share the clipboard').waitFor();
  };
  const closeSettings = async () => {
    await settings().getByRole('button', { name: 'Done' }).click();
    await settings().waitFor({ state: 'detached' });
  };
  const shortcutField = () => outside().getByLabel('Global shortcut to share the clipboard');

  beforeAll(async () => {
    await mkdir(SHOTS, { recursive: true });
    desktop = fakeDesktop({ present: ['nautilus', 'dolphin'] });
    h = await openWindow({ desktop });
    const g = gateway();
    await h.ferry.addAccount({ name: account, provider: 'ceph', endpoint: g.endpoint }, { accessKeyId: g.accessKeyId, secretAccessKey: g.secretAccessKey });
    const conn = await h.ferry.connect({ account });
    await conn.storage.createBucket(photos);
    await conn.storage.createBucket(work);
    conn.close();
    await h.page.reload();
    await h.page.getByRole('button', { name: account, exact: true }).waitFor();
  });
  afterAll(async () => {
    await h?.close();
  });

  it('a destination chosen from the account and its buckets is saved, with its folder; Clear removes it', async () => {
    await openSettings();
    const where = outside().getByRole('group', { name: 'Where shared files go' });
    await where.getByText('Not set: until you choose one, the tray, the global shortcut and the file manager ask where each file goes.').waitFor();
    await where.getByRole('combobox', { name: /^Account/ }).selectOption(account);
    // The bucket list is the server's, as the sidebar's is.
    await where.getByRole('combobox', { name: /^Bucket/ }).locator(`option[value="${work}"]`).waitFor({ state: 'attached' });
    await where.getByLabel('Folder in the bucket (optional)').fill('/screenshots//2024');
    await where.getByRole('combobox', { name: /^Bucket/ }).selectOption(photos);
    await expect.poll(async () => (await prefs()).destination).toEqual({ account, bucket: photos, prefix: 'screenshots/2024/' });
    await where.getByText(`Shared files go to ${photos}/screenshots/2024/ in ${account}.`).waitFor();
    // The folder changed alone is saved when the field is left.
    await where.getByLabel('Folder in the bucket (optional)').fill('inbox');
    await h.page.keyboard.press('Tab');
    await expect.poll(async () => (await prefs()).destination).toEqual({ account, bucket: photos, prefix: 'inbox/' });
    await closeSettings();

    // Opened again, the dialog shows what is saved.
    await openSettings();
    await expect.poll(() => where.getByRole('combobox', { name: /^Account/ }).inputValue()).toBe(account);
    await expect.poll(() => where.getByRole('combobox', { name: /^Bucket/ }).inputValue()).toBe(photos);
    await expect.poll(() => where.getByLabel('Folder in the bucket (optional)').inputValue()).toBe('inbox/');
    await where.getByRole('button', { name: 'Clear destination' }).click();
    await where.getByText(/^Not set:/).waitFor();
    await expect.poll(async () => (await prefs()).destination).toBeUndefined();
    await expect.poll(() => where.getByRole('combobox', { name: /^Bucket/ }).inputValue()).toBe('');
    await closeSettings();
  });

  it('the shortcut field records a key combination: it reaches the desktop, is saved and shown in the platform’s words; Backspace turns it off', async () => {
    await openSettings();
    const field = shortcutField();
    await expect.poll(() => field.inputValue()).toBe('Off');
    await field.focus();
    await expect.poll(() => field.inputValue()).toBe('Press the keys…');
    // A letter alone would fire while typing: refused in words, nothing asked of the desktop.
    await h.page.keyboard.press('u');
    await outside().getByRole('alert').filter({ hasText: 'Hold Ctrl, Alt or Super with U' }).waitFor();
    expect(desktop.calls.filter(([c]) => c === 'useShortcut')).toEqual([]);
    await h.page.keyboard.press('Control+Shift+KeyU');
    await expect.poll(() => desktop.registered).toBe('CommandOrControl+Shift+U');
    expect(desktop.calls.at(-1)).toEqual(['useShortcut', 'CommandOrControl+Shift+U']);
    await expect.poll(() => field.inputValue()).toBe('Ctrl+Shift+U');
    await expect.poll(async () => (await prefs()).shortcut).toBe('CommandOrControl+Shift+U');
    await expect(outside().getByRole('alert').count()).resolves.toBe(0);

    // Escape while recording stops it and keeps the dialog and the shortcut; the next Escape closes the dialog.
    await field.press('Enter');
    await expect.poll(() => field.inputValue()).toBe('Press the keys…');
    await h.page.keyboard.press('Escape');
    await expect.poll(() => field.inputValue()).toBe('Ctrl+Shift+U');
    await expect(settings().isVisible()).resolves.toBe(true);
    // Recording again, Backspace turns the shortcut off.
    await field.press('Enter');
    await h.page.keyboard.press('Backspace');
    await expect.poll(async () => (await prefs()).shortcut).toBeUndefined();
    expect(desktop.calls.at(-1)).toEqual(['useShortcut', undefined]);
    await expect.poll(() => field.inputValue()).toBe('Off');
    await h.page.keyboard.press('Escape');
    await settings().waitFor({ state: 'detached' });
  });

  it('a shortcut another app holds: its message is shown, the field keeps the old shortcut and nothing is saved', async () => {
    await openSettings();
    const field = shortcutField();
    await field.focus();
    await h.page.keyboard.press('Control+Alt+KeyP');
    await expect.poll(async () => (await prefs()).shortcut).toBe('CommandOrControl+Alt+P');
    desktop.taken.add('CommandOrControl+Shift+K');
    await field.press('Enter');
    await h.page.keyboard.press('Control+Shift+KeyK');
    await outside().getByRole('alert').filter({ hasText: 'CommandOrControl+Shift+K is taken by another app. Choose another shortcut, or free it there first.' }).waitFor();
    await expect.poll(() => field.inputValue()).toBe('Ctrl+Alt+P');
    expect((await prefs()).shortcut).toBe('CommandOrControl+Alt+P');
    expect(desktop.registered).toBe('CommandOrControl+Alt+P');
    await closeSettings();

    // Saved but not registered now (another app took it since): the dialog says so.
    desktop.registered = undefined;
    await openSettings();
    await outside().getByText('Ctrl+Alt+P is saved but not registered now: another app may hold it.', { exact: false }).waitFor();
    await closeSettings();
  });

  it('where global shortcuts cannot work (Wayland), the field is off, why is said, and the command to bind is shown and copied', async () => {
    desktop.wayland = true;
    await openSettings();
    const field = shortcutField();
    await expect(field.isDisabled()).resolves.toBe(true);
    await outside().getByText('GNOME on Wayland lets no app take a global shortcut.', { exact: false }).waitFor();
    await expect.poll(() => outside().locator('code').textContent()).toBe(SHARE_CLIPBOARD_COMMAND);
    // A click copies the selection with no clipboard permission granted (Ferry grants its page none).
    await outside().getByRole('button', { name: 'Copy command' }).click();
    await outside().getByText('Copied to the clipboard.').waitFor();
    await expect(h.page.evaluate(() => getSelection()?.toString())).resolves.toBe(SHARE_CLIPBOARD_COMMAND);
    // Only to look at the clipboard here.
    await h.page.context().grantPermissions(['clipboard-read'], { origin: new URL(h.page.url()).origin });
    await expect(h.page.evaluate(() => navigator.clipboard.readText())).resolves.toBe(SHARE_CLIPBOARD_COMMAND);
    await settings().evaluate((d) => (d.scrollTop = d.scrollHeight));
    await h.page.screenshot({ path: `${SHOTS}/settings-outside-wayland.png` });
    expect(await axe(h.page, 'settings-outside-wayland')).toEqual([]);
    await closeSettings();
    desktop.wayland = false;
  });

  it('file manager items: one checkbox each, absent ones disabled as not installed; toggling asks the desktop and shows its answer and its errors', async () => {
    await openSettings();
    const nautilus = outside().getByLabel('Add “Share with Ferry” to Files (Nautilus)');
    const nemo = outside().getByLabel('Add “Share with Ferry” to Nemo (not installed)');
    await expect(nemo.isDisabled()).resolves.toBe(true);
    await expect.poll(() => nautilus.isChecked()).toBe(false);
    await nautilus.check();
    await expect.poll(() => desktop.installed.has('nautilus')).toBe(true);
    await expect.poll(() => nautilus.isChecked()).toBe(true);
    expect(desktop.calls.at(-1)).toEqual(['setFileManager', 'nautilus', true]);
    // A failure is said, and the box shows what is true (still there).
    desktop.fileManagerFailure = 'Ferry could not write ~/.local/share/nautilus/scripts: permission denied.';
    await nautilus.click();
    await outside().getByRole('alert').filter({ hasText: 'permission denied' }).waitFor();
    await expect.poll(() => nautilus.isChecked()).toBe(true);
    desktop.fileManagerFailure = undefined;
    await nautilus.uncheck();
    await expect.poll(() => desktop.installed.has('nautilus')).toBe(false);
    await expect(outside().getByRole('alert').count()).resolves.toBe(0);
    await closeSettings();
  });

  it('start at login and update checks are saved; start at login reaches the desktop', async () => {
    await openSettings();
    const login = outside().getByLabel('Start Ferry at login');
    await expect.poll(() => login.isChecked()).toBe(false);
    await outside().getByText('Through an entry in ~/.config/autostart.').waitFor();
    await login.check();
    await expect.poll(async () => (await prefs()).openAtLogin).toBe(true);
    expect(desktop.calls.at(-1)).toEqual(['setOpenAtLogin', true]);
    expect(desktop.openAtLogin).toBe(true);
    const updates = outside().getByLabel('Check for updates');
    await expect.poll(() => updates.isChecked()).toBe(true);
    await updates.uncheck();
    await expect.poll(async () => (await prefs()).checkForUpdates).toBe(false);
    await closeSettings();
    await openSettings();
    await expect.poll(() => outside().getByLabel('Start Ferry at login').isChecked()).toBe(true);
    await expect.poll(() => outside().getByLabel('Check for updates').isChecked()).toBe(false);
    await outside().getByLabel('Check for updates').check();
    await expect.poll(async () => (await prefs()).checkForUpdates).toBe(true);
    await closeSettings();
  });

  it('the capture tool: named when found, and what to install when none is', async () => {
    await openSettings();
    await outside().getByText('No screenshot tool was found, so the tray cannot capture an area: install gnome-screenshot, or grim and slurp', { exact: false }).waitFor();
    await closeSettings();
    desktop.capture = 'gnome-screenshot';
    await openSettings();
    await outside().getByText('The tray’s “Capture an area and share” uses gnome-screenshot.').waitFor();
    await closeSettings();
  });

  it('the dialog with the section: no axe violation in either theme, nothing cut at 720×480', async () => {
    desktop.registered = undefined;
    await openSettings();
    // Every state of the section that has words of its own: a destination, a shortcut not registered.
    const where = outside().getByRole('group', { name: 'Where shared files go' });
    await where.getByRole('combobox', { name: /^Account/ }).selectOption(account);
    await where.getByRole('combobox', { name: /^Bucket/ }).locator(`option[value="${photos}"]`).waitFor({ state: 'attached' });
    await where.getByRole('combobox', { name: /^Bucket/ }).selectOption(photos);
    await where.getByText(`Shared files go to ${photos}/ in ${account}.`).waitFor();
    await outside().getByText(/is saved but not registered now/).waitFor();
    expect(await axe(h.page, 'settings-outside')).toEqual([]);
    await h.page.setViewportSize({ width: 720, height: 480 });
    expect(await clippedControls(h.page)).toEqual([]);
    expect(await h.page.evaluate(() => document.documentElement.scrollWidth)).toBe(720);
    await settings().evaluate((d) => (d.scrollTop = d.scrollHeight));
    await h.page.screenshot({ path: `${SHOTS}/settings-outside-720x480.png` });
    await h.page.setViewportSize({ width: 1280, height: 800 });
    await outside().evaluate((f) => f.scrollIntoView());
    await h.page.screenshot({ path: `${SHOTS}/settings-outside.png` });
    await h.page.setViewportSize({ width: 1280, height: 800 });
    await closeSettings();
  });
});
