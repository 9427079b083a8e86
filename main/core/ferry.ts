import { AccountStore, accountFromInput, normaliseEndpoint, type Account, type AccountInput } from './accounts/accounts';
import { PRESETS } from './accounts/presets';
import { systemClock, type Clock } from './clock';
import { FerryError, isFerryError } from './errors';
import { LinkHistory } from './links/link-history';
import { PrivateShares } from './private/shares';
import { presignGet, type PresignRequest, type ShareLink } from './links/presign';
import { PreferenceStore } from './settings/preferences';
import { SettingsFile } from './settings/settings-file';
import { RequestHistory } from './sharing/request-history';
import { requestStatus, type RequestStatus } from './sharing/sharing';
import { FastPresigner } from './links/sigv4';
import type { Capabilities, CapabilityLine } from './s3/capabilities';
import type { Profile } from './s3/client';
import { endpointLabel } from './s3/endpoint';
import { ENV_PROFILE_NAME } from './s3/errors';
import { checkEndpointAddresses, checkRegion, type AddressCheck } from './s3/hosts';
import type { Credentials, SecretStore } from './secrets/secrets';
import { UploadStateStore } from './transfers/state';
import type { Connection, TransferCaps } from './connection';
import { Bandwidth } from './transfers/bandwidth';

export type { Connection } from './connection';

export interface FerryOptions {
  /** Where settings and history live (see defaultDataDir). */
  dataDir: string;
  /** Where credentials live: the OS keychain in the app and CLI. */
  secrets: SecretStore;
  clock?: Clock;
  /** Environment for AWS_* credentials and FERRY_ACCOUNT; defaults to process.env. */
  env?: NodeJS.ProcessEnv;
  network?: NetworkOptions;
}

/** Timeouts and patience; the defaults suit real networks, tests shorten them. */
export interface NetworkOptions {
  /** A request with no traffic for this long fails and is retried (default 60 s). */
  requestTimeoutMs?: number;
  connectTimeoutMs?: number;
  /** How long uploads wait for an endpoint that stopped answering (default 10 minutes). */
  networkWaitMs?: number;
  /** Base of the exponential back-off between retries (default 500 ms). */
  backoffMs?: number;
  /** How long an empty upload a lost Create may have started waits before Ferry removes it (default 15 minutes). */
  lostCreateQuietMs?: number;
  /** Name resolution for endpoints (tests give a fake resolver); the system's by default. */
  lookup?: typeof import('node:dns').lookup;
}

/** Which identity and endpoint to use, as the CLI's global options give it. */
export interface Selector {
  account?: string;
  endpointUrl?: string;
  region?: string;
}

export { ENV_PROFILE_NAME };

export interface AccountSummary extends Account {
  isDefault: boolean;
}

export interface ConnectionCheck {
  name: 'reachable' | 'speaks S3' | 'credentials accepted' | 'can list buckets';
  ok: boolean;
  detail: string;
}

export interface ConnectionReport {
  ok: boolean;
  account: string;
  endpoint: string;
  region: string;
  checks: ConnectionCheck[];
  buckets?: string[];
  /** What the server supports, when a bucket was there to test in. */
  capabilities?: Capabilities;
  /** The same, in words. */
  abilities?: CapabilityLine[];
}

/**
 * Ferry's core, with its collaborators injected: the app, the CLI and the tests each build one.
 */
export class Ferry {
  readonly accounts: AccountStore;
  readonly preferences: PreferenceStore;
  readonly links: LinkHistory;
  readonly uploadStates: UploadStateStore;
  readonly requests: RequestHistory;
  /** Private links and private requests (their keys in the keychain). */
  readonly privateLinks: PrivateShares;
  readonly clock: Clock;
  /**
   * Caps shared by every transfer this Ferry runs, on every account: the CLI's --bwlimit sets
   * both, the window's "Limit uploads while I work" the first. None until set.
   */
  readonly bandwidth: TransferCaps = { uploads: new Bandwidth(), downloads: new Bandwidth() };
  private readonly secrets: SecretStore;
  private readonly env: NodeJS.ProcessEnv;
  private readonly network: NetworkOptions;

  constructor(opts: FerryOptions) {
    this.network = opts.network ?? {};
    // One settings file for both stores: their changes queue behind each other in this process.
    const settings = new SettingsFile(opts.dataDir);
    this.accounts = new AccountStore(settings);
    this.preferences = new PreferenceStore(settings);
    this.links = new LinkHistory(opts.dataDir);
    this.uploadStates = new UploadStateStore(opts.dataDir);
    this.requests = new RequestHistory(opts.dataDir);
    this.secrets = opts.secrets;
    this.clock = opts.clock ?? systemClock;
    this.env = opts.env ?? process.env;
    this.privateLinks = new PrivateShares({ secrets: this.secrets, links: this.links, clock: this.clock, dataDir: opts.dataDir });
  }

  /** File requests made here, newest first, each with its state and the files received so far. */
  async listRequests(limit = 100): Promise<RequestStatus[]> {
    const out: RequestStatus[] = [];
    const connections = new Map<string, Connection>();
    try {
      for (const r of await this.requests.list(limit)) {
        try {
          let conn = connections.get(r.account);
          if (!conn) {
            // Requests made with AWS_* variables are looked at with them, at the server they were made on.
            conn = await this.connect(r.account === ENV_PROFILE_NAME ? { endpointUrl: r.endpoint } : { account: r.account });
            connections.set(r.account, conn);
          }
          const status = await requestStatus(conn.storage, r, this.clock.now());
          if (r.private) {
            // Names travel inside the ciphertext: read from each file's first bytes.
            for (const f of status.received) {
              await this.privateLinks.receivedMeta(conn, r.account, r.bucket, f.key, f.size).then(
                (m) => (f.name = m.name),
                (err: Error) => (f.problem = err.message),
              );
            }
          }
          out.push(status);
        } catch {
          // An account removed since, or a bucket gone: the request cannot be looked at any more.
        }
      }
    } finally {
      for (const c of connections.values()) c.close();
    }
    return out;
  }

  async listAccounts(): Promise<AccountSummary[]> {
    const [accounts, def] = await Promise.all([this.accounts.list(), this.accounts.defaultName()]);
    return accounts.map((a) => ({ ...a, isDefault: a.name === def }));
  }

  /**
   * Adds an account: credentials go to the keychain first, then the metadata to settings. If
   * either step fails nothing is left behind: no settings entry without its secret, no orphaned
   * secret without its settings entry.
   */
  async addAccount(input: AccountInput, credentials: Credentials): Promise<Account> {
    const account = accountFromInput(input, new Date(this.clock.now()));
    if (account.endpoint) await checkEndpointAddresses(account.endpoint, this.addressCheck(account));
    if (!credentials.accessKeyId.trim() || !credentials.secretAccessKey.trim()) {
      throw new FerryError('BAD_CREDENTIALS', 'Both an access key ID and a secret access key are needed.');
    }
    let stored = false;
    try {
      // The keys are stored under the settings lock, once the name is known to be free.
      await this.accounts.add(account, async () => {
        await this.secrets.set(account.name, {
          accessKeyId: credentials.accessKeyId.trim(),
          secretAccessKey: credentials.secretAccessKey.trim(),
          ...(credentials.sessionToken ? { sessionToken: credentials.sessionToken } : {}),
        });
        stored = true;
      });
    } catch (err) {
      if (stored) await this.secrets.delete(account.name).catch(() => {});
      throw err;
    }
    return account;
  }

  /**
   * Edits an account. New keys, when given, replace the old ones in the keychain before the
   * settings change, so a failure leaves the account as it was.
   */
  async updateAccount(name: string, patch: { endpoint?: string; region?: string; pathStyle?: boolean }, credentials?: Credentials): Promise<Account> {
    const current = await this.accounts.get(name);
    const endpoint = patch.endpoint ? normaliseEndpoint(patch.endpoint, { allowLinkLocal: current.allowLinkLocal ?? false }) : undefined;
    if (patch.region) checkRegion(patch.region);
    if (endpoint && endpoint !== current.endpoint) await checkEndpointAddresses(endpoint, this.addressCheck(current));
    if (patch.endpoint !== undefined && endpoint !== current.endpoint && !credentials) {
      // Signed requests carry the access key ID and valid signatures: a new destination must be
      // confirmed by whoever knows the keys, not by anything that can only edit settings.
      throw new FerryError(
        'BAD_CREDENTIALS',
        `Changing where "${name}" connects (${current.endpoint ?? 'AWS'} → ${patch.endpoint || 'AWS'}) needs its access key ID and secret access key again. Type them with the new endpoint.`,
      );
    }
    if (credentials) {
      if (!credentials.accessKeyId.trim() || !credentials.secretAccessKey.trim()) {
        throw new FerryError('BAD_CREDENTIALS', 'Both an access key ID and a secret access key are needed.');
      }
      await this.secrets.set(name, { accessKeyId: credentials.accessKeyId.trim(), secretAccessKey: credentials.secretAccessKey.trim() });
    }
    return this.accounts.update(name, patch);
  }

  /**
   * Changes an account and keeps the change only if `keep` (a connection test) says so; otherwise
   * the old settings and keys are put back, so a failed test never leaves a half-changed account.
   */
  async tryAccountChange(name: string, patch: { endpoint?: string; region?: string; pathStyle?: boolean }, credentials: Credentials | undefined, keep: () => Promise<boolean>): Promise<boolean> {
    const old = await this.accounts.get(name);
    // A keychain entry Ferry cannot read is what new keys are given to replace: not kept, not a reason to refuse them.
    const oldKeys = await this.secrets.get(name).catch((err: unknown) => {
      if (credentials && isFerryError(err, 'NO_CREDENTIALS')) return undefined;
      throw err;
    });
    let kept = false;
    try {
      await this.updateAccount(name, patch, credentials);
      kept = await keep();
      return kept;
    } finally {
      // Not kept, or failed half-way (a throw from keep() too): the old keys (or none) and settings come back.
      if (!kept) {
        if (credentials) await (oldKeys ? this.secrets.set(name, oldKeys) : this.secrets.delete(name));
        await this.accounts.restore(old);
      }
    }
  }

  /** How endpoints' addresses are judged for an account (its link-local opt-in, this core's resolver). */
  private addressCheck(account: { allowLinkLocal?: boolean }): AddressCheck {
    return { ...(account.allowLinkLocal ? { allowLinkLocal: true } : {}), ...(this.network.lookup ? { lookup: this.network.lookup } : {}) };
  }

  /** Removes an account's settings and its keychain entry. */
  async removeAccount(name: string): Promise<Account> {
    const account = await this.accounts.remove(name);
    await this.secrets.delete(name);
    return account;
  }

  /**
   * Resolves which identity and endpoint to use, in the AWS CLI's spirit: an explicit account;
   * else AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY (with AWS_SESSION_TOKEN, AWS_ENDPOINT_URL,
   * AWS_REGION); else FERRY_ACCOUNT; else the default account. --endpoint-url and --region
   * override what was found.
   */
  async resolveProfile(sel: Selector = {}): Promise<Profile> {
    const env = this.env;
    const endpointOverride = sel.endpointUrl ? normaliseEndpoint(sel.endpointUrl) : undefined;
    const accountName = sel.account ?? (env.AWS_ACCESS_KEY_ID && env.AWS_SECRET_ACCESS_KEY ? undefined : env.FERRY_ACCOUNT);
    if (!accountName && env.AWS_ACCESS_KEY_ID && env.AWS_SECRET_ACCESS_KEY) {
      const endpoint = endpointOverride ?? (env.AWS_ENDPOINT_URL_S3 || env.AWS_ENDPOINT_URL ? normaliseEndpoint((env.AWS_ENDPOINT_URL_S3 || env.AWS_ENDPOINT_URL)!) : undefined);
      const provider = endpoint ? 'other' : 'aws';
      const expiration = env.AWS_CREDENTIAL_EXPIRATION ? new Date(env.AWS_CREDENTIAL_EXPIRATION) : undefined;
      const region = sel.region ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? PRESETS[provider].region;
      // Every profile's region is checked as a host name before any URL is built from it.
      checkRegion(region);
      return {
        name: ENV_PROFILE_NAME,
        provider,
        ...(endpoint ? { endpoint } : {}),
        region,
        pathStyle: PRESETS[provider].pathStyle,
        checksums: PRESETS[provider].checksums,
        credentials: {
          accessKeyId: env.AWS_ACCESS_KEY_ID,
          secretAccessKey: env.AWS_SECRET_ACCESS_KEY,
          ...(env.AWS_SESSION_TOKEN ? { sessionToken: env.AWS_SESSION_TOKEN } : {}),
          ...(expiration && !Number.isNaN(expiration.getTime()) ? { expiration } : {}),
        },
      };
    }
    const name = accountName ?? (await this.accounts.defaultName());
    if (!name) {
      throw new FerryError(
        'NO_CREDENTIALS',
        'No account is set up. Add one with: ferry accounts add NAME --provider storj (or set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY).',
      );
    }
    const account = await this.accounts.get(name);
    const credentials = await this.secrets.get(name);
    if (!credentials) {
      throw new FerryError(
        'NO_CREDENTIALS',
        `The keychain has no credentials for account "${name}" (a locked keychain also hides them). Unlock the keychain, or give its keys again with: ferry accounts update ${name} --keys`,
      );
    }
    const region = sel.region ?? account.region;
    checkRegion(region);
    return {
      name: account.name,
      provider: account.provider,
      ...(endpointOverride ?? account.endpoint ? { endpoint: endpointOverride ?? account.endpoint } : {}),
      ...(account.allowLinkLocal && !endpointOverride ? { allowLinkLocal: true } : {}),
      ...(this.network.lookup ? { lookup: this.network.lookup } : {}),
      region,
      pathStyle: account.pathStyle,
      checksums: account.checksums,
      ...(account.partSize ? { partSize: account.partSize } : {}),
      ...(account.capabilities ? { capabilities: account.capabilities } : {}),
      credentials,
    };
  }

  /**
   * Signs a GET link and records it in the history without opening a connection: Ferry's own
   * signer needs only the profile, so `ferry presign` starts without loading the S3 SDK. The few
   * links it leaves to the SDK (dotted bucket names on AWS) go through a connection.
   */
  async share(sel: Selector, req: PresignRequest): Promise<ShareLink> {
    const profile = await this.resolveProfile(sel);
    const signer = FastPresigner.forProfile(profile);
    if (!signer.canSign(req.bucket)) {
      const conn = await this.connect(sel);
      try {
        return await conn.share(req);
      } finally {
        conn.close();
      }
    }
    const link = await presignGet(() => Promise.reject(new Error('unreachable: the fast signer signs this link')), profile.credentials, req, this.clock, signer);
    await this.links.issued(profile.name, endpointLabel(profile), link, req);
    return link;
  }

  async connect(sel: Selector = {}, opts: { concurrency?: number } = {}): Promise<Connection> {
    const profile = await this.resolveProfile(sel);
    const { Connection } = await import('./connection');
    return new Connection(profile, this.clock, this.links, this.uploadStates, this.requests, opts.concurrency, this.network, this.bandwidth);
  }

  /**
   * Checks, step by step, that an endpoint is reachable, is S3 and accepts the keys; then, in a
   * bucket (the one given, or the first), learns what the server supports (multipart, ListParts,
   * abort, Content-MD5 and checksums, addressing, region, clock, POST uploads) and saves that on
   * the account.
   */
  async testConnection(sel: Selector = {}, opts: { bucket?: string } = {}): Promise<ConnectionReport> {
    const conn = await this.connect(sel);
    const { profile, storage } = conn;
    const report: ConnectionReport = { ok: false, account: profile.name, endpoint: storage.endpoint, region: profile.region, checks: [] };
    const add = (name: ConnectionCheck['name'], ok: boolean, detail: string) => report.checks.push({ name, ok, detail });
    try {
      const buckets = await storage.listBuckets();
      add('reachable', true, `${storage.endpoint} answered`);
      add('speaks S3', true, 'it answered as an S3 service');
      add('credentials accepted', true, 'the access key and secret were accepted');
      add('can list buckets', true, `${buckets.length} bucket${buckets.length === 1 ? '' : 's'}`);
      report.buckets = buckets.map((b) => b.name);
      report.ok = true;
      // A passing test ends "saved without one" (see Account.untested).
      if (profile.name !== ENV_PROFILE_NAME) await this.accounts.setUntested(profile.name, false).catch(() => {});
      const bucket = opts.bucket ?? buckets[0]?.name;
      if (bucket) {
        const { probeCapabilities, describeCapabilities } = await import('./s3/capabilities');
        const capabilities = await probeCapabilities(await storage.client.get(), profile, bucket, this.clock);
        report.capabilities = capabilities;
        report.abilities = describeCapabilities(capabilities);
        // Saved on the account, so uploads adapt (resume, warnings) without asking again.
        if (profile.name !== ENV_PROFILE_NAME) await this.accounts.setCapabilities(profile.name, capabilities).catch(() => {});
      } else {
        report.abilities = [{ name: 'abilities', ok: false, detail: 'not tested: the account has no bucket to test in. Make a bucket and test again.' }];
      }
    } catch (err) {
      if (!isFerryError(err)) throw err;
      // A check passes only on evidence: an HTTP answer for "reachable", an S3 error document for
      // "speaks S3", an authenticated answer for "credentials accepted". An SSH banner, a web page
      // or a bare HTTP status proves nothing beyond what it is.
      const cause = err.cause as { $metadata?: { httpStatusCode?: number }; Code?: unknown } | undefined;
      const status = cause?.$metadata?.httpStatusCode;
      const s3Code = status !== undefined && typeof cause?.Code === 'string' ? cause.Code : undefined;
      const order: ConnectionCheck['name'][] = ['reachable', 'speaks S3', 'credentials accepted', 'can list buckets'];
      let failed: ConnectionCheck['name'];
      let detail = err.message;
      if (err.code === 'ENDPOINT_UNREACHABLE') failed = 'reachable';
      else if (err.code === 'NOT_S3') failed = 'speaks S3';
      else if (status === undefined) {
        failed = 'reachable';
        detail = `${storage.endpoint} did not answer as a web (HTTP) service: ${err.message} Check the endpoint URL and port.`;
      } else if (!s3Code) {
        failed = 'speaks S3';
        detail = `${storage.endpoint} answered HTTP ${status}, but not with an S3 error document. ${err.message}`;
      } else if (err.code === 'BAD_CREDENTIALS' || err.code === 'CLOCK_SKEW') failed = 'credentials accepted';
      else failed = 'can list buckets';
      const passed: Record<ConnectionCheck['name'], string> = {
        reachable: `${storage.endpoint} answered (HTTP ${status ?? '?'})`,
        'speaks S3': `it answered as an S3 service${s3Code ? ` (${s3Code})` : ''}`,
        'credentials accepted': 'the access key and secret were accepted',
        'can list buckets': '',
      };
      for (const name of order) {
        if (name === failed) {
          add(name, false, detail);
          break;
        }
        add(name, true, passed[name]);
      }
      // Keys limited to one bucket (R2 tokens, B2 application keys) cannot list buckets but work.
      report.ok = err.code === 'ACCESS_DENIED' && failed === 'can list buckets';
      if (report.ok && profile.name !== ENV_PROFILE_NAME) await this.accounts.setUntested(profile.name, false).catch(() => {});
    } finally {
      conn.close();
    }
    return report;
  }
}
