/**
 * The user's preferences as settings.json stores them. Apart from preferences.ts so the settings
 * file's schema (settings-file.ts) can hold them without an import cycle.
 */
import { bool, num, obj, oneOf, opt, str, type Infer } from '../shape';

export const PreferencesSchema = obj({
  /** Copy a share link to the clipboard when an upload in the app finishes. */
  copyLinkOnUpload: bool(),
  /** Lifetime of links made from the tray and after uploads. */
  defaultExpirySeconds: num({ int: true, min: 1, max: 604_800 }),
  /** Say in a system notification when uploads and downloads end. */
  notifications: opt(bool()),
  /** The window's colours: follow the system, or always light or dark. */
  theme: opt(oneOf(['system', 'light', 'dark'])),
  /** For advanced users: the part size (MiB) and parts in flight of the window's uploads; unset lets Ferry choose per file. */
  partSizeMiB: opt(num({ int: true, min: 5, max: 5120 })),
  concurrency: opt(num({ int: true, min: 1, max: 64 })),
  /** "Limit uploads while I work": every upload of the window together, in MiB per second; unset for none. */
  uploadLimitMiBps: opt(num({ min: 0.1, max: 10_240 })),
  /** Where the window was last: it opens there again. */
  lastLocation: opt(obj({ account: str(), bucket: opt(str()), prefix: opt(str()) })),
  /**
   * Where files shared from outside the window go: the file manager's "Upload with Ferry", a
   * second launch with files, the dock, the global shortcut and the tray's uploads. Unset until chosen.
   */
  destination: opt(obj({ account: str(), bucket: str(), prefix: opt(str()) })),
  /** The global shortcut that uploads the clipboard and copies its link (an Electron accelerator); unset: off. */
  shortcut: opt(str()),
  /** Start Ferry, hidden in the tray, when the user logs in (off unless chosen). */
  openAtLogin: opt(bool()),
  /** Look for a new version of Ferry at start and daily (on unless turned off). */
  checkForUpdates: opt(bool()),
});
export type Preferences = Infer<typeof PreferencesSchema>;
export const DEFAULT_PREFERENCES: Preferences = { copyLinkOnUpload: false, defaultExpirySeconds: 86_400 };
