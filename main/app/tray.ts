import { join } from 'node:path';
import { app, Menu, nativeImage, Tray, type MenuItemConstructorOptions } from 'electron';
import { buildTrayMenu, runTrayAction, trayProgress, type TrayAction, type TrayContext, type TrayItem, type TrayState } from './tray-menu';

export interface TrayControl {
  refresh(): Promise<void>;
  /** The transfers changed: the tooltip (and the macOS menu bar title) say how far they are. */
  progress(): void;
}

/**
 * The tray icon and its menu, rebuilt from buildTrayMenu whenever what it shows changes. Files
 * dropped on the icon (macOS) are shared as Open With's are.
 */
export function setupTray(
  ctx: Omit<TrayContext, 'captureTool'> & { captureTool(): Promise<TrayContext['captureTool']>; update(): TrayItem | undefined },
): TrayControl {
  const { core } = ctx;
  const icon = nativeImage.createFromPath(join(__dirname, '../../build/tray.png'));
  const tray = new Tray(icon.isEmpty() ? nativeImage.createEmpty() : icon.resize({ width: 18, height: 18 }));
  tray.setToolTip('Ferry');
  tray.on('click', ctx.show);
  tray.on('drop-files', (_event, files) => void core.outside.receive(files));

  let menuKey = '';
  const run = async (action: TrayAction) => runTrayAction(action, { ...ctx, captureTool: await ctx.captureTool() });
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
  const state = async (): Promise<TrayState> => {
    const [recent, prefs, tool] = await Promise.all([core.recentUploads(10).catch(() => []), core.handle('prefs:get', undefined), ctx.captureTool()]);
    const destination = prefs?.ok ? (prefs.value as { destination?: TrayState['destination'] }).destination : undefined;
    const views = core.queue.list();
    const update = ctx.update();
    return {
      recent,
      ...(destination ? { destination } : {}),
      transfers: { moving: views.filter((v) => v.status === 'running' || v.status === 'queued').length, paused: views.filter((v) => v.status === 'paused').length },
      ...(tool ? { capture: tool.name } : {}),
      ...(update ? { update } : {}),
    };
  };
  const refresh = async () => {
    const items = buildTrayMenu(await state());
    // Rebuilt only when it changed: progress batches come several times a second.
    const key = JSON.stringify(items);
    if (key === menuKey) return;
    menuKey = key;
    tray.setContextMenu(Menu.buildFromTemplate(toElectron(items)));
  };
  void refresh();
  app.on('before-quit', () => tray.destroy());
  return {
    refresh,
    progress: () => {
      const { tooltip, title } = trayProgress(core.queue.list());
      tray.setToolTip(tooltip);
      if (process.platform === 'darwin') tray.setTitle(title);
      void refresh();
    },
  };
}
