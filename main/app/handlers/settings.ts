import type { HandlerContext, Handlers } from './context';

/** The app itself and its preferences. */
export function settingsHandlers({ ferry, known, follow, appInfo }: HandlerContext) {
  return {
    'app:info': async () => appInfo,
    'prefs:get': async () => follow(await ferry.preferences.get()),
    // null clears an advanced setting: Ferry chooses again (or, for the limit, there is none).
    'prefs:set': async ({ partSizeMiB, concurrency, uploadLimitMiBps, destination, shortcut, ...patch }) => {
      // Where the window opens next time must be a place it was shown.
      const at = patch.lastLocation;
      if (at?.bucket) known.folder(at.account, at.bucket, at.prefix ?? '');
      // Where files from outside the window go must be a bucket a server listed to main.
      if (destination) known.bucket(destination.account, destination.bucket);
      return follow(await ferry.preferences.set({
        ...patch,
        ...(partSizeMiB !== undefined ? { partSizeMiB: partSizeMiB ?? undefined } : {}),
        ...(concurrency !== undefined ? { concurrency: concurrency ?? undefined } : {}),
        ...(uploadLimitMiBps !== undefined ? { uploadLimitMiBps: uploadLimitMiBps ?? undefined } : {}),
        ...(destination !== undefined ? { destination: destination ?? undefined } : {}),
        ...(shortcut !== undefined ? { shortcut: shortcut ?? undefined } : {}),
      }));
    },
  } satisfies Pick<Handlers, 'app:info' | 'prefs:get' | 'prefs:set'>;
}
