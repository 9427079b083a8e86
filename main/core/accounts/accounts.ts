import { FerryError } from '../errors';
import type { Capabilities } from '../s3/capabilities-schema';
import { checkRegion, forbiddenEndpoint, forbiddenHost } from '../s3/hosts';
import { SettingsFile, type Settings } from '../settings/settings-file';
import { ACCOUNT_NAME, type Account } from './account-schema';
import { PRESETS, PROVIDERS, isProvider, presetEndpoint, type ChecksumMode, type Provider } from './presets';

export { ACCOUNT_NAME, AccountSchema, type Account } from './account-schema';

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
  /** Saved without a passing connection test (yet): see Account.untested. */
  untested?: boolean;
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
    ...(input.untested ? { untested: true as const } : {}),
    createdAt: now.toISOString(),
  };
}

/** The error for a name already taken (the CLI says it before asking for keys). */
export function accountExists(name: string): FerryError {
  return new FerryError('ACCOUNT_EXISTS', `An account named "${name}" already exists. Choose another name, or change that account with: ferry accounts update ${name} --keys (or --endpoint-url, --region)`);
}

/**
 * The accounts (metadata, never credentials) in settings.json, changed under its lock (see
 * SettingsFile). The keys are in the keychain; the preferences beside them are PreferenceStore's.
 */
export class AccountStore {
  private readonly file: SettingsFile;
  /** A data directory, or the settings file a PreferenceStore of the same core uses (one queue of changes for both). */
  constructor(where: string | SettingsFile) {
    this.file = typeof where === 'string' ? new SettingsFile(where) : where;
  }

  async list(): Promise<Account[]> {
    return (await this.file.read()).accounts;
  }

  async defaultName(): Promise<string | undefined> {
    const s = await this.file.read();
    return s.defaultAccount ?? s.accounts[0]?.name;
  }

  async get(name: string): Promise<Account> {
    return find(await this.file.read(), name);
  }

  /**
   * Adds an account. `whileLocked` runs after the name is known to be free and before the
   * settings are written (Ferry stores the keys then), so no other writer can take the name between.
   */
  async add(account: Account, whileLocked?: () => Promise<void>): Promise<void> {
    await this.file.change(async (s) => {
      if (s.accounts.some((a) => a.name === account.name)) {
        throw accountExists(account.name);
      }
      await whileLocked?.();
      return { next: { ...s, accounts: [...s.accounts, account] }, result: undefined };
    });
  }

  async remove(name: string): Promise<Account> {
    return this.file.change((s) => {
      const account = find(s, name);
      const { defaultAccount, ...rest } = s;
      const accounts = s.accounts.filter((a) => a.name !== name);
      return { next: { ...rest, accounts, ...(defaultAccount && defaultAccount !== name ? { defaultAccount } : {}) }, result: account };
    });
  }

  /** Changes where and how an account connects; the name and provider stay. */
  async update(name: string, patch: { endpoint?: string; region?: string; pathStyle?: boolean }): Promise<Account> {
    return this.file.change((s) => {
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
    await this.file.change((s) => {
      find(s, account.name);
      return { next: { ...s, accounts: s.accounts.map((a) => (a.name === account.name ? account : a)) }, result: undefined };
    });
  }

  /** Saves what "Test connection" learned about the account's server. */
  async setCapabilities(name: string, capabilities: Capabilities): Promise<void> {
    await this.file.change((s) => {
      find(s, name);
      return { next: { ...s, accounts: s.accounts.map((a) => (a.name === name ? { ...a, capabilities } : a)) }, result: undefined };
    });
  }

  /** Marks an account as saved without a passing connection test, or (false) as having passed one. */
  async setUntested(name: string, untested: boolean): Promise<void> {
    await this.file.change((s) => {
      const current = find(s, name);
      if (Boolean(current.untested) === untested) return { result: undefined };
      const { untested: _u, ...rest } = current;
      const next: Account = untested ? { ...rest, untested: true } : rest;
      return { next: { ...s, accounts: s.accounts.map((a) => (a.name === name ? next : a)) }, result: undefined };
    });
  }

  async setDefault(name: string): Promise<void> {
    await this.file.change((s) => {
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
