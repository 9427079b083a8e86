import type { DesktopState } from '../../../preload/contract';
import { FerryError } from '../../core/errors';
import { destinationFolder } from '../../core/s3/names';
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
      // Where the window opens next time must be a place it was shown.
      const at = patch.lastLocation;
      if (at?.bucket) known.folder(at.account, at.bucket, at.prefix ?? '');
      // Where files from outside the window go must be a bucket a server listed to main.
      if (asked) {
        // An account that is not (or no longer) in Ferry is said as such, not as an unknown bucket.
        await ferry.accounts.get(asked.account);
        known.bucket(asked.account, asked.bucket);
      }
      const destination = asked?.prefix ? { ...asked, prefix: destinationFolder(asked.prefix) } : asked;
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
