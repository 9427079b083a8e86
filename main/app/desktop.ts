/**
 * The desktop as Settings changes it (a DesktopControl): start at login (Electron's login items
 * on macOS and Windows, the XDG autostart entry on Linux), the global shortcut, file manager
 * items, the capture tool. Plain Node over what Electron gives (index.ts passes it in), so it is
 * tested with stand-ins for those few calls and real files for the rest.
 */
import type { DesktopState } from '../../preload/contract';
import { FerryError } from '../core/errors';
import { fileManagerItems, linuxAutostart, type FileManagerId } from '../core/desktop';
import type { CaptureTool } from './capture';
import type { DesktopControl } from './platform';
import { checkAccelerator, shareClipboardCommand, shortcutSupport } from './shortcut';

export interface DesktopDeps {
  platform: NodeJS.Platform;
  env: NodeJS.ProcessEnv;
  home: string;
  execPath: string;
  /** Ferry runs from a checkout (`electron .`): the app's folder, which a launcher must name too. */
  appPath?: string;
  /** macOS and Windows: Electron's app.getLoginItemSettings / setLoginItemSettings (started with --hidden). */
  loginItems?: { get(): boolean; set(on: boolean): void };
  /** Electron's globalShortcut: register answers false when another app holds the combination. */
  shortcuts: { register(accelerator: string, run: () => void): boolean; unregister(accelerator: string): void };
  /** What the shortcut does: share the clipboard. */
  onShortcut(): void;
  /** The screenshot tool, looked for once (capture.ts). */
  captureTool(): Promise<CaptureTool | undefined>;
}

export function desktopControl(deps: DesktopDeps): DesktopControl {
  const places = { env: deps.env, home: deps.home, execPath: deps.execPath };
  const linux = deps.platform === 'linux';
  // A checkout has no fixed program to start: its Electron alone opens Electron's own app.
  const installed = !deps.appPath;
  const autostart = linux && installed ? linuxAutostart(places) : undefined;
  const fileManagers = linux && installed ? fileManagerItems(places) : undefined;
  const support = shortcutSupport(deps.platform, deps.env);
  const command = shareClipboardCommand({ execPath: deps.execPath, ...(deps.appPath ? { appPath: deps.appPath } : {}), ...(deps.env.APPIMAGE ? { appImage: deps.env.APPIMAGE } : {}) });
  let active: string | undefined;

  const loginHow = (): { supported: boolean; how: string } => {
    if (!installed) return { supported: false, how: 'Only an installed Ferry starts at login; this one runs from a checkout (npm start).' };
    if (autostart) return { supported: true, how: 'An entry in ~/.config/autostart starts Ferry in the tray when you log in.' };
    if (deps.loginItems) return { supported: true, how: deps.platform === 'darwin' ? 'Ferry is added to your Login Items and starts in the menu bar.' : 'Ferry starts in the notification area when you sign in.' };
    return { supported: false, how: 'This system gives Ferry no way to start at login.' };
  };

  return {
    async state(): Promise<DesktopState> {
      const how = loginHow();
      const on = autostart ? await autostart.state().catch(() => false) : how.supported && deps.loginItems ? deps.loginItems.get() : false;
      return {
        openAtLogin: { ...how, on },
        shortcut: { works: support.works, ...(support.why ? { why: support.why } : {}), command, active: active !== undefined },
        fileManagers: fileManagers ? await fileManagers.list() : [],
        ...(await deps.captureTool().then((t) => (t ? { capture: t.name } : {}))),
      };
    },
    async setOpenAtLogin(on) {
      const how = loginHow();
      if (!how.supported) {
        if (!on) return;
        throw new FerryError('USAGE', how.how);
      }
      if (autostart) return autostart.set(on);
      deps.loginItems!.set(on);
    },
    async useShortcut(accelerator) {
      if (accelerator === undefined) {
        if (active) deps.shortcuts.unregister(active);
        active = undefined;
        return;
      }
      checkAccelerator(accelerator);
      if (!support.works) throw new FerryError('USAGE', `${support.why} The command: ${command}`);
      if (accelerator === active) return;
      const before = active;
      if (before) deps.shortcuts.unregister(before);
      if (!deps.shortcuts.register(accelerator, deps.onShortcut)) {
        // The one before stays: it was Ferry's and still works.
        if (before && deps.shortcuts.register(before, deps.onShortcut)) active = before;
        else active = undefined;
        throw new FerryError('USAGE', `${accelerator} is taken by another app or by the system. Choose another combination.`);
      }
      active = accelerator;
    },
    async setFileManager(id: FileManagerId, on) {
      if (!fileManagers) throw new FerryError('USAGE', installed ? 'File manager items are for Linux desktops.' : 'File manager items start an installed Ferry; this one runs from a checkout (npm start).');
      await fileManagers.set(id, on);
    },
  };
}
