/**
 * Ferry's main process: small setup modules, called in order. Everything that is not window,
 * tray, IPC or desktop glue lives in main/core and the handler table in main/app/handlers/.
 */
import { app, BrowserWindow, clipboard, dialog, Notification, shell, type OpenDialogOptions } from 'electron';
import { defaultDataDir } from '../core/files';
import { Ferry } from '../core/ferry';
import { KeychainSecretStore } from '../core/secrets/secrets';
import { registerAppScheme, setupAppProtocol } from './app-protocol';
import { createAppCore } from './handlers';
import { setupIpc } from './ipc';
import type { Platform } from './platform';
import { setupSecurity } from './security';
import { setupTray } from './tray';
import { startUpdater } from './updater-electron';
import { setupWindow } from './window';

const devServer = app.isPackaged ? undefined : process.env.ELECTRON_RENDERER_URL;

registerAppScheme();

if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  let quitting = false;
  app.on('before-quit', () => (quitting = true));
  void app.whenReady().then(() => {
    setupAppProtocol();
    setupSecurity(devServer);
    const dataDir = defaultDataDir();
    const ferry = new Ferry({ dataDir, secrets: new KeychainSecretStore() });
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
    };
    const window = setupWindow({ devServer, quitting: () => quitting });
    let refreshTray = () => {};
    const core = createAppCore({
      ferry,
      dataDir,
      platform,
      appInfo: { name: app.getName(), version: app.getVersion(), platform: process.platform },
      emit: (event, payload) => window.get()?.webContents.send(event, payload),
      onRecentChanged: () => refreshTray(),
    });
    setupIpc(core, window, devServer);
    const tray = setupTray(core, platform, window.show, () => app.quit());
    refreshTray = () => void tray.refresh();
    // Updates (main/app/updater.ts): at start and daily unless Settings turned them off; never installed unasked.
    const updater = startUpdater({ enabled: () => ferry.preferences.get().then((p) => p.checkForUpdates !== false), notify: platform.notify, onChange: () => refreshTray() });
    app.on('will-quit', () => updater.stop());
    app.on('second-instance', window.show);
    app.on('activate', window.show);
    app.on('will-quit', () => core.dispose());
  });
  // Closing the window keeps Ferry in the tray; Quit in the tray menu (or Cmd-Q) ends it.
  app.on('window-all-closed', () => {
    if (quitting && BrowserWindow.getAllWindows().length === 0) app.quit();
  });
}
