import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { desktopControl, type DesktopDeps } from '../../main/app/desktop';
import { tempDir } from '../support/helpers';

/** Electron's globalShortcut as a stand-in: some combinations are held by another app. */
function shortcuts(heldElsewhere: string[] = []) {
  const registered = new Set<string>();
  const log: string[] = [];
  return {
    registered,
    log,
    register: (a: string) => {
      log.push(`register ${a}`);
      if (heldElsewhere.includes(a)) return false;
      registered.add(a);
      return true;
    },
    unregister: (a: string) => void (log.push(`unregister ${a}`), registered.delete(a)),
  };
}

async function linuxDesktop(over: Partial<DesktopDeps> = {}) {
  const home = await tempDir();
  const keys = shortcuts(['Ctrl+Alt+T']);
  const deps: DesktopDeps = {
    platform: 'linux',
    env: { XDG_SESSION_TYPE: 'x11', DISPLAY: ':0', PATH: '' },
    home,
    execPath: '/opt/Ferry/ferry-app',
    shortcuts: keys,
    onShortcut: () => {},
    captureTool: async () => undefined,
    ...over,
  };
  return { home, keys, desktop: desktopControl(deps) };
}

describe('the desktop as Settings changes it', () => {
  it('Linux: start at login writes an autostart entry that starts Ferry hidden, and removes it again', async () => {
    const { home, desktop } = await linuxDesktop();
    expect((await desktop.state()).openAtLogin).toMatchObject({ supported: true, on: false });
    await desktop.setOpenAtLogin(true);
    const entry = await readFile(join(home, '.config/autostart/ferry.desktop'), 'utf8');
    expect(entry).toMatch(/^Exec=\/opt\/Ferry\/ferry-app --hidden$/m);
    expect((await desktop.state()).openAtLogin.on).toBe(true);
    await desktop.setOpenAtLogin(false);
    await expect(stat(join(home, '.config/autostart/ferry.desktop'))).rejects.toThrow();
    expect((await desktop.state()).openAtLogin.on).toBe(false);
  });

  it('Linux: lists the file managers and adds Ferry’s item to one', async () => {
    const { desktop } = await linuxDesktop();
    const before = await desktop.state();
    expect(before.fileManagers.map((f) => f.id)).toEqual(['nautilus', 'nemo', 'dolphin']);
    await desktop.setFileManager('nemo', true);
    expect((await desktop.state()).fileManagers.find((f) => f.id === 'nemo')?.installed).toBe(true);
    await desktop.setFileManager('nemo', false);
    expect((await desktop.state()).fileManagers.find((f) => f.id === 'nemo')?.installed).toBe(false);
  });

  it('a checkout cannot start at login nor be put in a file manager, and says why', async () => {
    const { desktop } = await linuxDesktop({ execPath: '/src/ferry/node_modules/electron/dist/electron', appPath: '/src/ferry' });
    const state = await desktop.state();
    expect(state.openAtLogin).toMatchObject({ supported: false, how: expect.stringContaining('checkout') });
    expect(state.fileManagers).toEqual([]);
    await expect(desktop.setOpenAtLogin(true)).rejects.toThrow(/installed Ferry/);
    await desktop.setOpenAtLogin(false);
    await expect(desktop.setFileManager('nautilus', true)).rejects.toThrow(/checkout/);
    expect(state.shortcut.command).toBe('/src/ferry/node_modules/electron/dist/electron /src/ferry --share-clipboard');
  });

  it('the shortcut: registered; one another app holds is refused and the one before stays; off unregisters', async () => {
    const { desktop, keys } = await linuxDesktop();
    await desktop.useShortcut('CommandOrControl+Shift+U');
    expect([...keys.registered]).toEqual(['CommandOrControl+Shift+U']);
    expect((await desktop.state()).shortcut).toMatchObject({ works: true, active: true });
    await expect(desktop.useShortcut('Ctrl+Alt+T')).rejects.toThrow('Ctrl+Alt+T is taken by another app or by the system. Choose another combination.');
    expect([...keys.registered]).toEqual(['CommandOrControl+Shift+U']);
    await expect(desktop.useShortcut('U')).rejects.toThrow(/from everything you type/);
    expect([...keys.registered]).toEqual(['CommandOrControl+Shift+U']);
    await desktop.useShortcut(undefined);
    expect([...keys.registered]).toEqual([]);
    expect((await desktop.state()).shortcut.active).toBe(false);
  });

  it('Wayland: no shortcut is registered; the state says why and gives the command to bind', async () => {
    const { desktop, keys } = await linuxDesktop({ env: { XDG_SESSION_TYPE: 'wayland', WAYLAND_DISPLAY: 'wayland-0', APPIMAGE: '/home/ana/Ferry.AppImage', APPDIR: '/tmp/.mount_x' } });
    const { shortcut } = await desktop.state();
    expect(shortcut).toMatchObject({ works: false, why: expect.stringContaining('Wayland'), command: '/home/ana/Ferry.AppImage --share-clipboard', active: false });
    await expect(desktop.useShortcut('Ctrl+Shift+U')).rejects.toThrow(/Wayland.*The command: \/home\/ana\/Ferry.AppImage --share-clipboard/);
    expect(keys.log).toEqual([]);
  });

  it('macOS and Windows: start at login is the system’s login item', async () => {
    let on = false;
    const { desktop } = await linuxDesktop({ platform: 'darwin', loginItems: { get: () => on, set: (v) => void (on = v) } });
    expect((await desktop.state()).openAtLogin).toMatchObject({ supported: true, on: false, how: expect.stringContaining('Login Items') });
    await desktop.setOpenAtLogin(true);
    expect(on).toBe(true);
    expect((await desktop.state()).fileManagers).toEqual([]);
  });

  it('names the capture tool when there is one', async () => {
    const { desktop } = await linuxDesktop({ captureTool: async () => ({ name: 'gnome-screenshot', capture: async () => undefined }) });
    expect((await desktop.state()).capture).toBe('gnome-screenshot');
  });
});
