import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { AccountSchema } from '../accounts/account-schema';
import { FerryError, systemCode } from '../errors';
import { writeFileAtomic } from '../files';
import { tryLock } from '../lock';
import { PreferencesSchema } from './preferences-schema';
import { arr, lit, obj, opt, str, type Infer } from '../shape';

const SettingsSchema = obj({
  version: lit(1),
  defaultAccount: opt(str()),
  accounts: arr(AccountSchema),
  preferences: opt(PreferencesSchema),
});
export type Settings = Infer<typeof SettingsSchema>;

/**
 * `settings.json` in the data directory: the accounts (never credentials) and the preferences,
 * read by AccountStore and PreferenceStore. Every change is a read-modify-write under a lock
 * shared by every Ferry process (the app and any CLI), so concurrent changes all land; the file
 * is rewritten atomically, so a crash leaves the old settings or the new ones.
 */
export class SettingsFile {
  readonly path: string;
  /** Changes from this process, one at a time (the lock file orders them against other processes). */
  private changes: Promise<unknown> = Promise.resolve();
  constructor(dataDir: string) {
    this.path = join(dataDir, 'settings.json');
  }

  async read(): Promise<Settings> {
    let text: string;
    try {
      text = await readFile(this.path, 'utf8');
    } catch (err) {
      if (systemCode(err) === 'ENOENT') return { version: 1, accounts: [] };
      throw new FerryError('SETTINGS_UNREADABLE', `Cannot read Ferry's settings at ${this.path} (${systemCode(err) ?? 'unknown error'}). Check the file's permissions.`, { cause: err });
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (err) {
      throw new FerryError('SETTINGS_UNREADABLE', `Ferry's settings at ${this.path} are not valid JSON. Fix or move the file away; Ferry will start with no accounts.`, { cause: err });
    }
    const result = SettingsSchema.read(parsed);
    if (!result.ok) {
      throw new FerryError('SETTINGS_UNREADABLE', `Ferry's settings at ${this.path} are not in the expected form (${result.path.join('.') || 'top level'}). Fix or move the file away.`);
    }
    return result.value;
  }

  /**
   * Reads the settings under the lock, lets `fn` decide the new settings (or none, to change
   * nothing) and what to return, and writes them before the lock is released.
   */
  change<T>(fn: (s: Settings) => Promise<{ next?: Settings; result: T }> | { next?: Settings; result: T }): Promise<T> {
    const run = async () => {
      const lock = await tryLock(`${this.path}.lock`, 10_000);
      if ('heldBy' in lock) {
        throw new FerryError(
          'SETTINGS_LOCKED',
          `Another Ferry (process ${lock.heldBy.pid}) has been changing the settings for 10 seconds and has not finished. Try again; if it keeps happening, end that process.`,
        );
      }
      try {
        const { next, result } = await fn(await this.read());
        if (next) await writeFileAtomic(this.path, `${JSON.stringify(next, null, 2)}\n`);
        return result;
      } finally {
        await lock.release();
      }
    };
    const done = this.changes.then(run, run);
    this.changes = done.catch(() => {});
    return done;
  }
}
