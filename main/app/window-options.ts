import type { BrowserWindowConstructorOptions } from 'electron';

/**
 * Ferry's window settings, a plain function so a unit test can hold them to the security rules:
 * the page runs isolated and sandboxed, with no Node.js and no webviews; only the preload bridges.
 */
export function windowOptions(preload: string): BrowserWindowConstructorOptions {
  return {
    width: 1180,
    height: 760,
    minWidth: 720,
    minHeight: 480,
    title: 'Ferry',
    show: false,
    webPreferences: {
      preload,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webviewTag: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      spellcheck: false,
      // A middle click on a link must not open anything (new windows are denied as well).
      disableBlinkFeatures: 'Auxclick',
    },
  };
}
