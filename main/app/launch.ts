/**
 * What a launch of Ferry asks for, from its arguments: the first launch's and a second launch's
 * (which Electron hands to the running Ferry). The installers' entries (build/, docs/desktop-integration.md):
 *   ferry-app FILE…             upload the files and copy a link (Open With, a dock or tray drop)
 *   ferry-app --upload FILE…    the same, said plainly (the "Upload with Ferry" actions and verbs)
 *   ferry-app --share-clipboard upload what is on the clipboard and copy a link (a desktop's own shortcut)
 *   ferry-app --capture         capture an area of the screen with the platform's tool and share it
 *   ferry-app --hidden          start in the tray without a window (start at login)
 */
import { isAbsolute, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface Launch {
  files: string[];
  /** What was given as a file but is an address of another kind (sftp://, smb://, https://): said, never dropped silently. */
  notFiles: string[];
  shareClipboard: boolean;
  capture: boolean;
  hidden: boolean;
}

/**
 * Reads argv as Electron gives it: the executable first, then (when Ferry runs from a checkout,
 * `electron .`) the app's folder; Chromium's own switches may be mixed in and are passed over.
 * After `--` everything is a file. Relative paths are the launching shell's, so they are resolved
 * against its working directory; file:// URIs (some file managers pass them) become paths.
 */
export function parseLaunch(argv: readonly string[], opts: { cwd: string; fromCheckout: boolean }): Launch {
  const out: Launch = { files: [], notFiles: [], shareClipboard: false, capture: false, hidden: false };
  let onlyFiles = false;
  for (const arg of argv.slice(opts.fromCheckout ? 2 : 1)) {
    if (!onlyFiles && arg === '--') onlyFiles = true;
    else if (!onlyFiles && arg.startsWith('-')) {
      if (arg === '--share-clipboard') out.shareClipboard = true;
      else if (arg === '--capture') out.capture = true;
      else if (arg === '--hidden') out.hidden = true;
      // --upload only says that what follows is files; any other switch is Chromium's or Electron's.
    } else {
      const path = asPath(arg, opts.cwd);
      if (path === undefined) out.notFiles.push(arg);
      else if (!out.files.includes(path)) out.files.push(path);
    }
  }
  return out;
}

function asPath(arg: string, cwd: string): string | undefined {
  if (/^file:\/\//i.test(arg)) {
    try {
      return fileURLToPath(arg);
    } catch {
      return undefined;
    }
  }
  // Another scheme (a URL dropped by mistake) is not a file here.
  if (/^[a-z][a-z0-9+.-]+:\/\//i.test(arg)) return undefined;
  return isAbsolute(arg) ? arg : resolve(cwd, arg);
}
