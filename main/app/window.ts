import { join } from 'node:path';
import { app, BrowserWindow, type WebFrameMain } from 'electron';
import { APP_INDEX } from './security-urls';
import { windowOptions } from './window-options';

export interface WindowControl {
  get(): BrowserWindow | undefined;
  show(): void;
  /** Whether this web contents is Ferry's own window. */
  isOwn(webContentsId: number): boolean;
  /** Whether this frame is the main frame of Ferry's own window. */
  isMainFrame(frame: WebFrameMain | null | undefined): boolean;
}

/**
 * Ferry's one window. Closing it hides it and Ferry stays in the tray (until Quit); a second
 * launch without anything to share shows and focuses it.
 */
export function setupWindow(opts: { devServer: string | undefined; quitting: () => boolean; hidden?: boolean }): WindowControl {
  let win: BrowserWindow | undefined;
  // Started at login or to share something: the window is made (so it opens at once) but stays hidden until asked for.
  let hidden = opts.hidden ?? false;
  const create = () => {
    win = new BrowserWindow(windowOptions(join(__dirname, '../preload/index.js')));
    win.once('ready-to-show', () => {
      if (!hidden) win?.show();
    });
    win.on('close', (event) => {
      if (!opts.quitting()) {
        event.preventDefault();
        win?.hide();
      }
    });
    win.on('closed', () => (win = undefined));
    void win.loadURL(!app.isPackaged && opts.devServer ? opts.devServer : APP_INDEX);
  };
  create();
  return {
    get: () => win,
    show: () => {
      hidden = false;
      if (!win) create();
      if (win!.isMinimized()) win!.restore();
      win!.show();
      win!.focus();
    },
    isOwn: (id) => win?.webContents.id === id,
    isMainFrame: (frame) => Boolean(frame && win && frame === win.webContents.mainFrame),
  };
}
