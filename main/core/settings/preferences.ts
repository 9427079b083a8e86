import { SettingsFile } from './settings-file';
import { ensure } from '../shape';
import { DEFAULT_PREFERENCES, PreferencesSchema, type Preferences } from './preferences-schema';

export { DEFAULT_PREFERENCES, PreferencesSchema, type Preferences } from './preferences-schema';

/**
 * The user's preferences (link lifetime, copying links on upload, notifications, theme, tuning,
 * where the window was), kept in settings.json beside the accounts and changed under its lock.
 */
export class PreferenceStore {
  private readonly file: SettingsFile;
  /** A data directory, or the settings file an AccountStore of the same core uses (one queue of changes for both). */
  constructor(where: string | SettingsFile) {
    this.file = typeof where === 'string' ? new SettingsFile(where) : where;
  }

  async get(): Promise<Preferences> {
    return (await this.file.read()).preferences ?? DEFAULT_PREFERENCES;
  }

  async set(patch: Partial<Preferences>): Promise<Preferences> {
    return this.file.change((s) => {
      const preferences = ensure(PreferencesSchema, { ...(s.preferences ?? DEFAULT_PREFERENCES), ...patch });
      return { next: { ...s, preferences }, result: preferences };
    });
  }
}
