import { join } from 'node:path';
import { app, Menu, nativeImage, Tray, type MenuItemConstructorOptions } from 'electron';
import type { AppCore, Platform } from './handlers';
import { buildTrayMenu, type TrayAction, type TrayItem } from './tray-menu';

export interface TrayControl {
  refresh(): Promise<void>;
}

/** The tray icon and its menu, rebuilt from buildTrayMenu whenever recent uploads change. */
export function setupTray(core: AppCore, platform: Platform, show: () => void, quit: () => void): TrayControl {
  const icon = nativeImage.createFromPath(join(__dirname, '../../build/tray.png'));
  const tray = new Tray(icon.isEmpty() ? nativeImage.createEmpty() : icon.resize({ width: 18, height: 18 }));
  tray.setToolTip('Ferry');
  tray.on('click', show);

  const run = async (action: TrayAction) => {
    try {
      if (action.type === 'show') return show();
      if (action.type === 'quit') return quit();
      const upload = action.type === 'copy' ? action.upload : (await core.recentUploads(1))[0];
      if (!upload) return;
      const link = await core.copyLinkFor(upload);
      platform.notify('Share link copied', `${upload.key}, until ${new Date(link.expiresAt).toLocaleString()}`);
    } catch (err) {
      platform.notify('Could not make a link', err instanceof Error ? err.message : String(err));
    }
  };
  const toElectron = (items: TrayItem[]): MenuItemConstructorOptions[] =>
    items.map((item) =>
      item.separator
        ? { type: 'separator' }
        : {
            label: item.label,
            ...(item.sublabel ? { sublabel: item.sublabel, toolTip: item.sublabel } : {}),
            enabled: item.enabled ?? true,
            ...(item.submenu ? { submenu: toElectron(item.submenu) } : {}),
            ...(item.action ? { click: () => void run(item.action!) } : {}),
          },
    );
  const refresh = async () => {
    const recent = await core.recentUploads(10).catch(() => []);
    tray.setContextMenu(Menu.buildFromTemplate(toElectron(buildTrayMenu({ recent }))));
  };
  void refresh();
  app.on('before-quit', () => tray.destroy());
  return { refresh };
}
