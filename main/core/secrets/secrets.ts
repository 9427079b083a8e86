import { createRequire } from 'node:module';
import { FerryError } from '../errors';

export interface Credentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
  /** When temporary credentials stop working; links signed with them die then too. */
  expiration?: Date;
}

/** Where account credentials live. The app and CLI use the OS keychain; tests may pass a fake. */
export interface SecretStore {
  get(account: string): Promise<Credentials | undefined>;
  set(account: string, credentials: Credentials): Promise<void>;
  delete(account: string): Promise<boolean>;
  /**
   * Other secrets Ferry keeps beside the accounts', by name: a private link's key, the key that
   * opens an account's private requests. Never in a file.
   */
  getSecret(name: string): Promise<string | undefined>;
  setSecret(name: string, value: string): Promise<void>;
  deleteSecret(name: string): Promise<boolean>;
}

export const KEYCHAIN_SERVICE = 'Ferry';

interface Keytar {
  getPassword(service: string, account: string): Promise<string | null>;
  setPassword(service: string, account: string, password: string): Promise<void>;
  deletePassword(service: string, account: string): Promise<boolean>;
}

function unavailable(cause: unknown): FerryError {
  const platformHelp =
    process.platform === 'linux'
      ? ' On Linux Ferry needs a Secret Service keyring (GNOME Keyring or KWallet) running in your session.'
      : '';
  return new FerryError(
    'KEYCHAIN_UNAVAILABLE',
    `The system keychain is not available, so Ferry will not store or read credentials (it never falls back to a plain-text file).${platformHelp} For scripts, AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY work without a keychain.`,
    { cause },
  );
}

function translate(err: unknown): FerryError {
  const message = err instanceof Error ? err.message : String(err);
  if (/locked/i.test(message)) {
    return new FerryError('KEYCHAIN_LOCKED', 'The system keychain is locked. Unlock it (log in to your desktop session or open your keyring manager) and try again.', { cause: err });
  }
  return unavailable(err);
}

/**
 * The OS keychain through keytar (macOS Keychain, Windows Credential Vault, Secret Service on
 * Linux). keytar is loaded on first use so that a machine without it can still use environment
 * credentials. A stored item holds the access key ID and the secret as one JSON value.
 */
export class KeychainSecretStore implements SecretStore {
  private keytar: Keytar | undefined;
  constructor(private readonly service = KEYCHAIN_SERVICE) {}

  private load(): Keytar {
    if (!this.keytar) {
      try {
        this.keytar = createRequire(__filename)('keytar') as Keytar;
      } catch (err) {
        throw unavailable(err);
      }
    }
    return this.keytar;
  }

  /** One keytar call, its failure said in the user's words. */
  private async call<T>(fn: (k: Keytar) => Promise<T>): Promise<T> {
    try {
      return await fn(this.load());
    } catch (err) {
      throw translate(err);
    }
  }

  async get(account: string): Promise<Credentials | undefined> {
    const raw = await this.call((k) => k.getPassword(this.service, account));
    if (raw === null) return undefined;
    return parseCredentials(raw, account);
  }

  async set(account: string, credentials: Credentials): Promise<void> {
    const { accessKeyId, secretAccessKey, sessionToken } = credentials;
    await this.call((k) => k.setPassword(this.service, account, JSON.stringify({ accessKeyId, secretAccessKey, sessionToken })));
  }

  async delete(account: string): Promise<boolean> {
    return this.call((k) => k.deletePassword(this.service, account));
  }

  /** Other secrets live under a service of their own, so no name of theirs meets an account's. */
  private get secretService(): string {
    return `${this.service} keys`;
  }

  async getSecret(name: string): Promise<string | undefined> {
    return (await this.call((k) => k.getPassword(this.secretService, name))) ?? undefined;
  }

  async setSecret(name: string, value: string): Promise<void> {
    await this.call((k) => k.setPassword(this.secretService, name, value));
  }

  async deleteSecret(name: string): Promise<boolean> {
    return this.call((k) => k.deletePassword(this.secretService, name));
  }
}

function parseCredentials(raw: string, account: string): Credentials {
  try {
    const v = JSON.parse(raw) as Partial<Credentials>;
    if (typeof v.accessKeyId === 'string' && typeof v.secretAccessKey === 'string') {
      return { accessKeyId: v.accessKeyId, secretAccessKey: v.secretAccessKey, ...(v.sessionToken ? { sessionToken: v.sessionToken } : {}) };
    }
  } catch {
    // fall through
  }
  throw new FerryError('NO_CREDENTIALS', `The keychain entry for account "${account}" is not one Ferry wrote. Give its keys again with: ferry accounts update ${account} --keys`);
}

/** An in-memory SecretStore for tests and for one-off sessions. */
export class MemorySecretStore implements SecretStore {
  private readonly items = new Map<string, Credentials>();
  private readonly secrets = new Map<string, string>();
  async get(account: string): Promise<Credentials | undefined> {
    return this.items.get(account);
  }
  async set(account: string, credentials: Credentials): Promise<void> {
    this.items.set(account, { ...credentials });
  }
  async delete(account: string): Promise<boolean> {
    return this.items.delete(account);
  }
  async getSecret(name: string): Promise<string | undefined> {
    return this.secrets.get(name);
  }
  async setSecret(name: string, value: string): Promise<void> {
    this.secrets.set(name, value);
  }
  async deleteSecret(name: string): Promise<boolean> {
    return this.secrets.delete(name);
  }
}
