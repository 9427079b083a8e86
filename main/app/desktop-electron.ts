import { homedir } from 'node:os';
import { app, globalShortcut } from 'electron';
import { desktopControl } from './desktop';
import type { CaptureTool } from './capture';
import type { DesktopControl } from './platform';

/**
 * desktop.ts over Electron's login items and global shortcuts. The saved shortcut is registered
 * at start; one another app took meanwhile is said once, and Settings shows it as not active.
 */
export function setupDesktop(deps: { savedShortcut(): Promise<string | undefined>; onShortcut(): void; captureTool(): Promise<CaptureTool | undefined>; notify(title: string, body: string): void }): DesktopControl {
  const control = desktopControl({
    platform: process.platform,
    env: process.env,
    home: homedir(),
    execPath: process.execPath,
    ...(app.isPackaged ? {} : { appPath: app.getAppPath() }),
    ...(process.platform === 'darwin' || process.platform === 'win32'
      ? { loginItems: { get: () => app.getLoginItemSettings({ args: ['--hidden'] }).openAtLogin, set: (on: boolean) => app.setLoginItemSettings({ openAtLogin: on, args: ['--hidden'] }) } }
      : {}),
    shortcuts: { register: (accelerator, run) => globalShortcut.register(accelerator, run), unregister: (accelerator) => globalShortcut.unregister(accelerator) },
    onShortcut: deps.onShortcut,
    captureTool: deps.captureTool,
  });
  void deps.savedShortcut().then(
    async (saved) => {
      if (saved) await control.useShortcut(saved).catch((err: Error) => deps.notify('Ferry’s shortcut is not on', `${err.message} Settings, under “Outside the window”, shows it.`));
    },
    () => {},
  );
  app.on('will-quit', () => globalShortcut.unregisterAll());
  return control;
}
