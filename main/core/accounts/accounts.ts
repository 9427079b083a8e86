import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { FerryError, systemCode } from '../errors';
import { writeFileAtomic } from '../files';
import { tryLock } from '../lock';
import { CapabilitiesSchema, type Capabilities } from '../s3/capabilities-schema';
import { checkRegion, forbiddenEndpoint, forbiddenHost } from '../s3/hosts';
import { PRESETS, PROVIDERS, isProvider, presetEndpoint, type ChecksumMode, type Provider } from './presets';

export const ACCOUNT_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

export const AccountSchema = z.object({
  name: z.string().regex(ACCOUNT_NAME),
  provider: z.enum(PROVIDERS),
  endpoint: z.string().url().optional(),
  region: z.string().min(1).max(64),
  pathStyle: z.boolean(),
  checksums: z.enum(['when-supported', 'when-required']),
  partSize: z.number().int().positive().optional(),
  createdAt: z.string(),
  /** What the server supports, as the last "Test connection" found. */
  capabilities: CapabilitiesSchema.optional(),
  /** The user explicitly allowed a link-local endpoint (CLI's --allow-link-local-endpoint). */
  allowLinkLocal: z.literal(true).optional(),
  /** Saved although its connection test failed ("Save anyway"): browsable, but what it answers is never shown as a page or opened. Cleared by a passing test. */
  untested: z.literal(true).optional(),
});
export type Account = z.infer<typeof AccountSchema>;

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

const SettingsSchema = z.object({
  version: z.literal(1),
  defaultAccount: z.string().optional(),
  accounts: z.array(AccountSchema),
  preferences: PreferencesSchema.optional(),
});
type Settings = z.infer<typeof SettingsSchema>;

/** What a user gives when adding an account; everything but the name can come from the preset. */
export interface AccountInput {
  name: string;
  provider?: string;
  endpoint?: string;
  region?: string;
  pathStyle?: boolean;
  checksums?: ChecksumMode;
  partSize?: number;
  /** The user explicitly allows a link-local address as the endpoint (CLI only). */
  allowLinkLocal?: boolean;
}

/**
 * Checks an endpoint URL and returns it normalised (no trailing slash), or explains what is
 * wrong. Link-local and metadata addresses are refused unless the user explicitly allows them.
 */
export function normaliseEndpoint(raw: string, opts: { allowLinkLocal?: boolean } = {}): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new FerryError('BAD_ENDPOINT', `"${raw}" is not a URL. Give the endpoint as https://host[:port], for example https://gateway.storjshare.io.`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new FerryError('BAD_ENDPOINT', `The endpoint must start with https:// or http://, not ${url.protocol}//.`);
  }
  if (url.username || url.password) {
    throw new FerryError('BAD_ENDPOINT', 'The endpoint URL must not contain a user name or password; keys are asked for separately and kept in the keychain.');
  }
  if (url.search || url.hash) {
    throw new FerryError('BAD_ENDPOINT', 'The endpoint URL must not contain a query (?…) or fragment (#…).');
  }
  const forbidden = opts.allowLinkLocal ? undefined : forbiddenHost(url.hostname);
  if (forbidden) throw forbiddenEndpoint(forbidden);
  return url.toString().replace(/\/+$/, '');
}

/** Builds a complete account from what the user gave and the provider's preset. */
export function accountFromInput(input: AccountInput, now: Date): Account {
  if (!ACCOUNT_NAME.test(input.name)) {
    throw new FerryError(
      'BAD_ACCOUNT',
      `"${input.name}" cannot be an account name: use 1 to 64 letters, digits, dots, dashes or underscores, starting with a letter or digit.`,
    );
  }
  const providerName = input.provider ?? (input.endpoint ? 'other' : 'aws');
  if (!isProvider(providerName)) {
    throw new FerryError('BAD_ACCOUNT', `Unknown provider "${providerName}". Choose one of: ${PROVIDERS.join(', ')}.`);
  }
  const provider: Provider = providerName;
  const preset = PRESETS[provider];
  const region = input.region ?? preset.region;
  checkRegion(region);
  const endpointRaw = input.endpoint ?? presetEndpoint(provider, region);
  if (!endpointRaw && provider !== 'aws') {
    throw new FerryError('BAD_ENDPOINT', `${preset.label} needs an endpoint URL: give --endpoint-url with ${preset.endpointHelp}.`);
  }
  return {
    name: input.name,
    provider,
    ...(endpointRaw ? { endpoint: normaliseEndpoint(endpointRaw, { allowLinkLocal: input.allowLinkLocal ?? false }) } : {}),
    region,
    pathStyle: input.pathStyle ?? preset.pathStyle,
    checksums: input.checksums ?? preset.checksums,
    ...(input.partSize ?? preset.partSize ? { partSize: input.partSize ?? preset.partSize } : {}),
    ...(input.allowLinkLocal ? { allowLinkLocal: true as const } : {}),
    createdAt: now.toISOString(),
  };
}

/**
 * Account metadata (never credentials) in `settings.json` in the data directory. Every change
 * is a read-modify-write under a lock shared by every Ferry process (the app and any CLI), so
 * concurrent changes all land; the file is rewritten atomically, so a crash leaves the old
 * settings or the new ones.
 */
export class AccountStore {
  readonly path: string;
  /** Changes from this process, one at a time (the lock file orders them against other processes). */
  private changes: Promise<unknown> = Promise.resolve();
  constructor(dataDir: string) {
    this.path = join(dataDir, 'settings.json');
  }

  private async read(): Promise<Settings> {
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
    const result = SettingsSchema.safeParse(parsed);
    if (!result.success) {
      throw new FerryError('SETTINGS_UNREADABLE', `Ferry's settings at ${this.path} are not in the expected form (${result.error.issues[0]?.path.join('.') || 'top level'}). Fix or move the file away.`);
    }
    return result.data;
  }

  /**
   * Reads the settings under the lock, lets `fn` decide the new settings (or none, to change
   * nothing) and what to return, and writes them before the lock is released.
   */
  private change<T>(fn: (s: Settings) => Promise<{ next?: Settings; result: T }> | { next?: Settings; result: T }): Promise<T> {
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

  async list(): Promise<Account[]> {
    return (await this.read()).accounts;
  }

  async defaultName(): Promise<string | undefined> {
    const s = await this.read();
    return s.defaultAccount ?? s.accounts[0]?.name;
  }

  async get(name: string): Promise<Account> {
    return find(await this.read(), name);
  }

  /**
   * Adds an account. `whileLocked` runs after the name is known to be free and before the
   * settings are written (Ferry stores the keys then), so no other writer can take the name between.
   */
  async add(account: Account, whileLocked?: () => Promise<void>): Promise<void> {
    await this.change(async (s) => {
      if (s.accounts.some((a) => a.name === account.name)) {
        throw new FerryError('ACCOUNT_EXISTS', `An account named "${account.name}" already exists. Remove it first or choose another name.`);
      }
      await whileLocked?.();
      return { next: { ...s, accounts: [...s.accounts, account] }, result: undefined };
    });
  }

  async remove(name: string): Promise<Account> {
    return this.change((s) => {
      const account = find(s, name);
      const { defaultAccount, ...rest } = s;
      const accounts = s.accounts.filter((a) => a.name !== name);
      return { next: { ...rest, accounts, ...(defaultAccount && defaultAccount !== name ? { defaultAccount } : {}) }, result: account };
    });
  }

  /** Changes where and how an account connects; the name and provider stay. */
  async update(name: string, patch: { endpoint?: string; region?: string; pathStyle?: boolean }): Promise<Account> {
    return this.change((s) => {
      const current = find(s, name);
      if (patch.region) checkRegion(patch.region);
      const updated: Account = {
        ...current,
        ...(patch.endpoint !== undefined ? (patch.endpoint ? { endpoint: normaliseEndpoint(patch.endpoint, { allowLinkLocal: current.allowLinkLocal ?? false }) } : {}) : {}),
        ...(patch.region ? { region: patch.region } : {}),
        ...(patch.pathStyle !== undefined ? { pathStyle: patch.pathStyle } : {}),
      };
      if (patch.endpoint === '') delete updated.endpoint;
      // What was learned about the old server says nothing about a new one: it is untested until a
      // test passes there (a window must not quick-look at a new server while its test runs).
      if (updated.endpoint !== current.endpoint) {
        delete updated.capabilities;
        updated.untested = true;
      }
      if (!updated.endpoint && updated.provider !== 'aws') {
        throw new FerryError('BAD_ENDPOINT', `${PRESETS[updated.provider].label} needs an endpoint URL.`);
      }
      return { next: { ...s, accounts: s.accounts.map((a) => (a.name === name ? updated : a)) }, result: updated };
    });
  }

  /** Puts an account back exactly as it was (a change whose connection test failed). */
  async restore(account: Account): Promise<void> {
    await this.change((s) => {
      find(s, account.name);
      return { next: { ...s, accounts: s.accounts.map((a) => (a.name === account.name ? account : a)) }, result: undefined };
    });
  }

  async preferences(): Promise<Preferences> {
    return (await this.read()).preferences ?? DEFAULT_PREFERENCES;
  }

  async setPreferences(patch: Partial<Preferences>): Promise<Preferences> {
    return this.change((s) => {
      const preferences = PreferencesSchema.parse({ ...(s.preferences ?? DEFAULT_PREFERENCES), ...patch });
      return { next: { ...s, preferences }, result: preferences };
    });
  }

  /** Saves what "Test connection" learned about the account's server. */
  async setCapabilities(name: string, capabilities: Capabilities): Promise<void> {
    await this.change((s) => {
      find(s, name);
      return { next: { ...s, accounts: s.accounts.map((a) => (a.name === name ? { ...a, capabilities } : a)) }, result: undefined };
    });
  }

  /** Marks an account as saved without a passing connection test, or (false) as having passed one. */
  async setUntested(name: string, untested: boolean): Promise<void> {
    await this.change((s) => {
      const current = find(s, name);
      if (Boolean(current.untested) === untested) return { result: undefined };
      const { untested: _u, ...rest } = current;
      const next: Account = untested ? { ...rest, untested: true } : rest;
      return { next: { ...s, accounts: s.accounts.map((a) => (a.name === name ? next : a)) }, result: undefined };
    });
  }

  async setDefault(name: string): Promise<void> {
    await this.change((s) => {
      find(s, name);
      return { next: { ...s, defaultAccount: name }, result: undefined };
    });
  }
}

function find(s: Settings, name: string): Account {
  const account = s.accounts.find((a) => a.name === name);
  if (!account) {
    const known = s.accounts.map((a) => a.name);
    throw new FerryError(
      'UNKNOWN_ACCOUNT',
      known.length
        ? `There is no account named "${name}". Known accounts: ${known.join(', ')}.`
        : `There is no account named "${name}"; no accounts are set up yet. Add one with: ferry accounts add ${name}`,
    );
  }
  return account;
}
