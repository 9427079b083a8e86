/**
 * The user's preferences as settings.json stores them. Apart from preferences.ts so the settings
 * file's schema (settings-file.ts) can hold them without an import cycle.
 */
import { z } from 'zod';

export const PreferencesSchema = z.object({
  /** Copy a share link to the clipboard when an upload in the app finishes. */
  copyLinkOnUpload: z.boolean(),
  /** Lifetime of links made from the tray and after uploads. */
  defaultExpirySeconds: z.number().int().min(1).max(604_800),
  /** Say in a system notification when uploads and downloads end. */
  notifications: z.boolean().optional(),
  /** The window's colours: follow the system, or always light or dark. */
  theme: z.enum(['system', 'light', 'dark']).optional(),
  /** For advanced users: the part size (MiB) and parts in flight of the window's uploads; unset lets Ferry choose per file. */
  partSizeMiB: z.number().int().min(5).max(5120).optional(),
  concurrency: z.number().int().min(1).max(64).optional(),
  /** Where the window was last: it opens there again. */
  lastLocation: z.object({ account: z.string(), bucket: z.string().optional(), prefix: z.string().optional() }).optional(),
});
export type Preferences = z.infer<typeof PreferencesSchema>;
export const DEFAULT_PREFERENCES: Preferences = { copyLinkOnUpload: false, defaultExpirySeconds: 86_400 };
