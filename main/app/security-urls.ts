import { isAbsolute, relative, resolve, sep } from 'node:path';

/** Ferry's one origin: the built renderer, served by main under a privileged scheme of its own. */
export const APP_SCHEME = 'app';
export const APP_HOST = 'ferry';
export const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`;
export const APP_INDEX = `${APP_ORIGIN}/index.html`;

/**
 * Only this app's own pages: app://ferry/…, or the dev server while developing. A file: URL is
 * never Ferry's (any local HTML page could be one).
 */
export function isOwnUrl(url: string, devServer: string | undefined): boolean {
  try {
    const u = new URL(url);
    if (u.protocol === `${APP_SCHEME}:` && u.host === APP_HOST) return true;
    return Boolean(devServer && u.origin === new URL(devServer).origin);
  } catch {
    return false;
  }
}

/** Who sent an IPC message: its window, whether it is that window's main frame, and the frame's URL. */
export interface Sender {
  ownWindow: boolean;
  mainFrame: boolean;
  frameUrl: string;
}

/** Main answers only Ferry's window, its main frame, showing Ferry's own page; never a sub-frame. */
export function isTrustedSender(sender: Sender, devServer: string | undefined): boolean {
  return sender.ownWindow && sender.mainFrame && isOwnUrl(sender.frameUrl, devServer);
}

/**
 * The file under `root` that an app://ferry/ URL names, or undefined for anything else: another
 * host, a path that escapes the root ("..", encoded or not), a query trick.
 */
export function appFileFor(url: string, root: string): string | undefined {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return undefined;
  }
  if (u.protocol !== `${APP_SCHEME}:` || u.host !== APP_HOST) return undefined;
  let path: string;
  try {
    path = decodeURIComponent(u.pathname);
  } catch {
    return undefined;
  }
  if (path.includes('\0')) return undefined;
  const file = resolve(root, `.${path === '/' ? '/index.html' : path}`);
  const rel = relative(root, file);
  if (!rel || rel.startsWith('..') || isAbsolute(rel) || rel.split(sep).includes('..')) return undefined;
  return file;
}
