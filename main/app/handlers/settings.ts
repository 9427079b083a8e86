import type { DesktopState } from '../../../preload/contract';
import { FerryError } from '../../core/errors';
import { checkUserKey } from '../../core/s3/names';
import type { HandlerContext, Handlers } from './context';

/** The app itself and its preferences. */
const NO_DESKTOP: DesktopState = { openAtLogin: { supported: false, on: false, how: 'not available here' }, shortcut: { works: false, why: 'Ferry runs without a desktop here.', command: 'ferry-app --share-clipboard', active: false }, fileManagers: [] };

export function settingsHandlers({ ferry, known, follow, appInfo, platform }: HandlerContext) {
  const desktop = platform.desktop;
  return {
    'app:info': async () => appInfo,
    'prefs:get': async () => follow(await ferry.preferences.get()),
    // null clears an advanced setting: Ferry chooses again (or, for the limit, there is none).
    'prefs:set': async ({ partSizeMiB, concurrency, uploadLimitMiBps, destination: asked, shortcut, ...patch }) => {
      let destination = asked;
      // Where the window opens next time must be a place it was shown.
      const at = patch.lastLocation;
      if (at?.bucket) known.folder(at.account, at.bucket, at.prefix ?? '');
      // Where files from outside the window go must be a bucket a server listed to main.
      if (destination) {
        // An account that is not (or no longer) in Ferry is said as such, not as an unknown bucket.
        await ferry.accounts.get(destination.account);
        known.bucket(destination.account, destination.bucket);
        if (destination.prefix) destination = { ...destination, prefix: destinationFolder(destination.prefix) };
      }
      // What the desktop does is changed first: when it cannot (a shortcut another app holds), nothing is saved.
      if (shortcut !== undefined) await desktop?.useShortcut(shortcut ?? undefined);
      if (patch.openAtLogin !== undefined) await desktop?.setOpenAtLogin(patch.openAtLogin);
      return follow(await ferry.preferences.set({
        ...patch,
        ...(partSizeMiB !== undefined ? { partSizeMiB: partSizeMiB ?? undefined } : {}),
        ...(concurrency !== undefined ? { concurrency: concurrency ?? undefined } : {}),
        ...(uploadLimitMiBps !== undefined ? { uploadLimitMiBps: uploadLimitMiBps ?? undefined } : {}),
        ...(destination !== undefined ? { destination: destination ?? undefined } : {}),
        ...(shortcut !== undefined ? { shortcut: shortcut ?? undefined } : {}),
      }));
    },
    'desktop:state': async () => (desktop ? desktop.state() : NO_DESKTOP),
    'desktop:fileManager': async ({ id, on }) => {
      if (!desktop) throw new FerryError('USAGE', 'File manager items are made by the Ferry app on a desktop.');
      await desktop.setFileManager(id, on);
      return desktop.state();
    },
  } satisfies Pick<Handlers, 'app:info' | 'prefs:get' | 'prefs:set' | 'desktop:state' | 'desktop:fileManager'>;
}

/**
 * The destination's folder as a folder: "in" is "in/"; a path that would not be a folder S3 and
 * a file manager agree on ("/x/", "a//b/", "../up/", "./x/", Ferry's own pages folder) is refused
 * here, in words, rather than failing every share later.
 */
export function destinationFolder(prefix: string): string {
  const folder = prefix.endsWith('/') ? prefix : `${prefix}/`;
  const parts = folder.slice(0, -1).split('/');
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(folder) || parts.some((p) => p.trim() !== p)) {
    throw new FerryError('BAD_S3_URL', `"${prefix}" cannot be the destination folder: a folder name there begins or ends with a space, or holds a line break or another control character. Type the folder’s name again.`);
  }
  if (parts.some((p) => p === '' || p === '.' || p === '..')) {
    throw new FerryError('BAD_S3_URL', `"${prefix}" cannot be the destination folder: write it as folder names joined by "/", without an empty name, "." or "..", for example "shared/" or "photos/2026/".`);
  }
  checkUserKey(folder);
  return folder;
}
