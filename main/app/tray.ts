import { join } from 'node:path';
import { app, Menu, nativeImage, Tray, type MenuItemConstructorOptions } from 'electron';
import type { AppCore } from './handlers';
import type { Platform } from './platform';
import { buildTrayMenu, runTrayAction, type TrayAction, type TrayItem } from './tray-menu';

export interface TrayControl {
  refresh(): Promise<void>;
}

/** The tray icon and its menu, rebuilt from buildTrayMenu whenever recent uploads change. */
export function setupTray(core: AppCore, platform: Platform, show: () => void, quit: () => void): TrayControl {
  const icon = nativeImage.createFromPath(join(__dirname, '../../build/tray.png'));
  const tray = new Tray(icon.isEmpty() ? nativeImage.createEmpty() : icon.resize({ width: 18, height: 18 }));
  tray.setToolTip('Ferry');
  tray.on('click', show);

  const run = (action: TrayAction) => runTrayAction(action, { core, platform, show, quit });
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
