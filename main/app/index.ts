/**
 * Ferry's main process: small setup modules, called in order. Everything that is not window,
 * tray, IPC or desktop glue lives in main/core and the handler table in main/app/handlers/.
 */
import { app, BrowserWindow, clipboard, dialog, Notification, shell, type OpenDialogOptions } from 'electron';
import { findCaptureTool, type CaptureTool } from './capture';
import { clipboardPng, electronClipboard } from './clipboard-electron';
import { whatIsCopied } from './clipboard-share';
import { setupDesktop } from './desktop-electron';
import { parseLaunch } from './launch';
import { setupLaunches } from './outside-electron';
import { updateTrayItem } from './updater';
import { defaultDataDir } from '../core/files';
import { Ferry } from '../core/ferry';
import { KeychainSecretStore } from '../core/secrets/secrets';
import { registerAppScheme, setupAppProtocol } from './app-protocol';
import { createAppCore } from './handlers';
import { setupIpc } from './ipc';
import type { AppCore } from './handlers';
import type { Platform } from './platform';
import { setupSecurity } from './security';
import { setupTray, type TrayControl } from './tray';
import { startUpdater } from './updater-electron';
import { setupWindow } from './window';

const devServer = app.isPackaged ? undefined : process.env.ELECTRON_RENDERER_URL;

registerAppScheme();

if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  let quitting = false;
  app.on('before-quit', () => (quitting = true));
  // macOS hands files over (Open With, a dock drop) as open-file, from before ready on.
  const early: string[] = [];
  let openFile: (paths: string[]) => void = (paths) => {
    early.push(...paths);
  };
  app.on('open-file', (event, path) => {
    event.preventDefault();
    openFile([path]);
  });
  void app.whenReady().then(() => {
    setupAppProtocol();
    setupSecurity(devServer);
    const dataDir = defaultDataDir();
    const ferry = new Ferry({ dataDir, secrets: new KeychainSecretStore() });
    // Outside the window (outside.ts): the core's shares, reached by the shortcut, the tray and launches.
    let core: AppCore | undefined = undefined;
    let capture: Promise<CaptureTool | undefined> | undefined;
    const captureTool = () => (capture ??= findCaptureTool({ platform: process.platform, env: process.env, readClipboardPng: clipboardPng }).catch(() => undefined));
    const shareClipboard = () => void whatIsCopied(electronClipboard).then((item) => core?.outside.shareClipboard(item));
    const shareCapture = () =>
      void captureTool().then(async (tool) => {
        if (tool) await core?.outside.shareCapture(tool);
        else platform.notify('No screenshot tool', 'Ferry found no screenshot tool here; Settings says which to install.');
      });
    const platform: Platform = {
      copyText: (text) => clipboard.writeText(text),
      notify: (title, body) => {
        if (Notification.isSupported()) new Notification({ title, body, silent: true }).show();
      },
      openExternal: (url) => void shell.openExternal(url),
      revealFile: (path) => shell.showItemInFolder(path),
      confirm: async ({ message, detail, ok }) => {
        const win = window.get();
        const options = { type: 'question' as const, buttons: [ok, 'Cancel'], defaultId: 1, cancelId: 1, message, detail, noLink: true };
        const answer = win ? await dialog.showMessageBox(win, options) : await dialog.showMessageBox(options);
        return answer.response === 0;
      },
      pickFiles: async (kind) => {
        const win = window.get();
        const options: OpenDialogOptions =
          kind === 'destination'
            ? { title: 'Download to', buttonLabel: 'Download here', properties: ['openDirectory', 'createDirectory'] }
            : { properties: kind === 'folder' ? ['openDirectory', 'multiSelections'] : ['openFile', 'multiSelections'] };
        const picked = win ? await dialog.showOpenDialog(win, options) : await dialog.showOpenDialog(options);
        return picked.canceled ? [] : picked.filePaths;
      },
      desktop: setupDesktop({
        savedShortcut: () => ferry.preferences.get().then((p) => p.shortcut),
        onShortcut: shareClipboard,
        captureTool,
        notify: (title, body) => platform.notify(title, body),
      }),
    };
    const launch = parseLaunch(process.argv, { cwd: process.cwd(), fromCheckout: !app.isPackaged });
    // Started at login, or only to share something: Ferry stays in the tray.
    const hidden = launch.hidden || launch.files.length > 0 || launch.shareClipboard || launch.capture || early.length > 0 || (process.platform === 'darwin' && app.getLoginItemSettings().wasOpenedAtLogin);
    const window = setupWindow({ devServer, quitting: () => quitting, hidden });
    let tray: TrayControl | undefined = undefined;
    core = createAppCore({
      ferry,
      dataDir,
      platform,
      appInfo: { name: app.getName(), version: app.getVersion(), platform: process.platform },
      emit: (event, payload) => {
        if (event === 'transfers:changed') tray?.progress();
        window.get()?.webContents.send(event, payload);
      },
      onRecentChanged: () => void tray?.refresh(),
      showSettings: () => {
        window.show();
        window.get()?.webContents.send('notice', { message: 'Files shared from outside the window go to a destination you choose once: open Settings, under “Outside the window”.' });
      },
    });
    setupIpc(core, window, devServer);
    // Updates (main/app/updater.ts): at start and daily unless Settings turned them off; never installed unasked.
    const updater = startUpdater({ enabled: () => ferry.preferences.get().then((p) => p.checkForUpdates !== false), notify: platform.notify, onChange: () => void tray?.refresh() });
    tray = setupTray({ core, platform, show: window.show, quit: () => app.quit(), clipboard: () => whatIsCopied(electronClipboard), captureTool, restartToUpdate: () => updater.restart(), update: () => updateTrayItem(updater.state()) });
    app.on('will-quit', () => updater.stop());
    setupLaunches({ core, launch, show: window.show, shareClipboard, capture: shareCapture, early, onOpenFile: (take) => (openFile = take) });
    app.on('activate', window.show);
    app.on('will-quit', () => core.dispose());
  });
  // Closing the window keeps Ferry in the tray; Quit in the tray menu (or Cmd-Q) ends it.
  app.on('window-all-closed', () => {
    if (quitting && BrowserWindow.getAllWindows().length === 0) app.quit();
  });
}
