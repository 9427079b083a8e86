import { AccountStore, accountFromInput, normaliseEndpoint, type Account, type AccountInput } from './accounts/accounts';
import { PRESETS } from './accounts/presets';
import { systemClock, type Clock } from './clock';
import { FerryError, isFerryError } from './errors';
import { LinkHistory } from './links/history';
import { presignGet, type PresignRequest, type ShareLink } from './links/presign';
import { FastPresigner } from './links/sigv4';
import { ListPartsCommand } from '@aws-sdk/client-s3';
import { resolve } from 'node:path';
import { createS3Client, type Profile } from './s3/client';
import { toFerryError } from './s3/errors';
import { Storage } from './s3/storage';
import type { Credentials, SecretStore } from './secrets/secrets';
import { partLength } from './transfers/plan';
import { UploadStateStore, type SavedUpload } from './transfers/state';
import { Uploader, type MultipartState, type UploadRequest, type UploadResult } from './transfers/upload';

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
}

/** Which identity and endpoint to use, as the CLI's global options give it. */
export interface Selector {
  account?: string;
  endpointUrl?: string;
  region?: string;
}

export const ENV_PROFILE_NAME = 'environment';

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
}

/** An open connection to one endpoint as one identity. Close it to free its sockets. */
export class Connection {
  readonly storage: Storage;
  private readonly uploader: Uploader;
  private readonly dataClient;
  private readonly presigner: FastPresigner;

  constructor(
    readonly profile: Profile,
    private readonly clock: Clock,
    private readonly history: LinkHistory,
    private readonly states: UploadStateStore,
    concurrency = 4,
    network: NetworkOptions = {},
  ) {
    const timeouts = {
      ...(network.requestTimeoutMs ? { requestTimeoutMs: network.requestTimeoutMs } : {}),
      ...(network.connectTimeoutMs ? { connectTimeoutMs: network.connectTimeoutMs } : {}),
    };
    this.storage = new Storage(createS3Client(profile, { maxSockets: Math.max(concurrency * 2, 8), ...timeouts }), profile);
    this.dataClient = createS3Client(profile, { maxSockets: Math.max(concurrency * 2, 8), maxAttempts: 1, ...timeouts });
    this.presigner = new FastPresigner(
      { ...(profile.endpoint ? { endpoint: profile.endpoint } : {}), region: profile.region, pathStyle: profile.pathStyle, checksumMode: profile.checksums === 'when-supported' },
      profile.credentials,
    );
    this.uploader = new Uploader({
      storage: this.storage,
      dataClient: this.dataClient,
      clock,
      ...(network.networkWaitMs !== undefined ? { networkWaitMs: network.networkWaitMs } : {}),
      ...(network.backoffMs !== undefined ? { backoffMs: network.backoffMs } : {}),
    });
  }

  /**
   * Uploads a file. A multipart upload's state is saved as parts finish; if an earlier upload of
   * the same file to the same key was interrupted (crash, kill, quit, pause), it is continued:
   * the server is asked which parts it has (ListParts) and only the missing ones are sent. With
   * resume: false the earlier upload is aborted and the file sent afresh.
   */
  async upload(req: UploadRequest, opts: { resume?: boolean } = {}): Promise<UploadResult> {
    const file = resolve(req.file);
    const id = [this.profile.name, file, req.bucket, req.key] as const;
    const saved = await this.states.get(...id);
    let resumeFrom = req.resumeFrom;
    if (saved && !resumeFrom) {
      if (opts.resume === false) await this.discard(saved);
      else resumeFrom = await this.partsOnServer(saved);
      if (!resumeFrom) await this.states.delete(...id);
    }
    const startedAt = saved?.startedAt ?? new Date(this.clock.now()).toISOString();
    let saving = Promise.resolve();
    const save = (state: MultipartState, paused?: boolean) => {
      saving = saving.then(() => this.states.save({ account: this.profile.name, file, ...state, startedAt, ...(paused ? { paused } : {}) }));
      return saving;
    };
    let last: MultipartState | undefined;
    try {
      const result = await this.uploader.upload({
        ...req,
        ...(resumeFrom ? { resumeFrom } : {}),
        onState: (state) => {
          last = state;
          void save(state).catch(() => {});
          req.onState?.(state);
        },
      });
      await saving.catch(() => {});
      // A single PUT saved nothing: no state file to remove.
      if (last || saved) await this.states.delete(...id);
      return result;
    } catch (err) {
      await saving.catch(() => {});
      if (isFerryError(err, 'PAUSED') && last) await save(last, true);
      // An unreachable endpoint keeps the saved state: the next run continues the upload.
      else if (!isFerryError(err, 'ENDPOINT_UNREACHABLE')) await this.states.delete(...id);
      throw err;
    }
  }

  /** Asks the server which parts of a saved upload it holds; undefined when the upload is gone. */
  private async partsOnServer(saved: SavedUpload): Promise<MultipartState | undefined> {
    const parts: MultipartState['parts'] = [];
    let marker: string | undefined;
    try {
      for (;;) {
        const out = await this.storage.client.send(
          new ListPartsCommand({ Bucket: saved.bucket, Key: saved.key, UploadId: saved.uploadId, ...(marker ? { PartNumberMarker: marker } : {}) }),
        );
        for (const p of out.Parts ?? []) {
          const expected = partLength(p.PartNumber ?? 1, saved.partSize, saved.size);
          if (p.PartNumber && p.ETag && p.Size === expected) parts.push({ PartNumber: p.PartNumber, ETag: p.ETag });
        }
        if (!out.IsTruncated || !out.NextPartNumberMarker) break;
        marker = out.NextPartNumberMarker;
      }
    } catch (err) {
      if ((err as { name?: string }).name === 'NoSuchUpload') return undefined;
      throw toFerryError(err, { endpoint: this.storage.endpoint, bucket: saved.bucket, key: saved.key });
    }
    const { account: _a, file: _f, startedAt: _s, paused: _p, ...state } = saved;
    return { ...state, parts };
  }

  private async discard(saved: SavedUpload): Promise<void> {
    await this.storage.abortMultipartUpload(saved.bucket, saved.key, saved.uploadId).catch(() => {});
    await this.states.delete(saved.account, saved.file, saved.bucket, saved.key);
  }

  /** Drops a saved (paused or interrupted) upload of a file: aborts it on the server. */
  async abandon(file: string, bucket: string, key: string): Promise<void> {
    const saved = await this.states.get(this.profile.name, resolve(file), bucket, key);
    if (saved) await this.discard(saved);
  }

  /** The saved state of an interrupted or paused upload of a file, if any. */
  saved(file: string, bucket: string, key: string): Promise<SavedUpload | undefined> {
    return this.states.get(this.profile.name, resolve(file), bucket, key);
  }

  /** Signs a GET link (without recording it: see share). */
  presign(req: PresignRequest): Promise<ShareLink> {
    return presignGet(this.storage.client, this.profile.credentials, req, this.clock, this.presigner);
  }

  /** Signs a GET link and records it in the link history. */
  async share(req: PresignRequest): Promise<ShareLink> {
    const link = await this.presign(req);
    await this.history.add({
      account: this.profile.name,
      endpoint: this.storage.endpoint,
      bucket: link.bucket,
      key: link.key,
      createdAt: link.createdAt,
      expiresAt: link.expiresAt,
      ...(req.filename ? { filename: req.filename } : {}),
    });
    return link;
  }

  close(): void {
    this.storage.client.destroy();
    this.dataClient.destroy();
  }
}

/**
 * Ferry's core, with its collaborators injected: the app, the CLI and the tests each build one.
 */
export class Ferry {
  readonly accounts: AccountStore;
  readonly links: LinkHistory;
  readonly uploadStates: UploadStateStore;
  readonly clock: Clock;
  private readonly secrets: SecretStore;
  private readonly env: NodeJS.ProcessEnv;
  private readonly network: NetworkOptions;

  constructor(opts: FerryOptions) {
    this.network = opts.network ?? {};
    this.accounts = new AccountStore(opts.dataDir);
    this.links = new LinkHistory(opts.dataDir);
    this.uploadStates = new UploadStateStore(opts.dataDir);
    this.secrets = opts.secrets;
    this.clock = opts.clock ?? systemClock;
    this.env = opts.env ?? process.env;
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
    if (!credentials.accessKeyId.trim() || !credentials.secretAccessKey.trim()) {
      throw new FerryError('BAD_CREDENTIALS', 'Both an access key ID and a secret access key are needed.');
    }
    if ((await this.accounts.list()).some((a) => a.name === account.name)) {
      throw new FerryError('ACCOUNT_EXISTS', `An account named "${account.name}" already exists. Remove it first or choose another name.`);
    }
    await this.secrets.set(account.name, {
      accessKeyId: credentials.accessKeyId.trim(),
      secretAccessKey: credentials.secretAccessKey.trim(),
      ...(credentials.sessionToken ? { sessionToken: credentials.sessionToken } : {}),
    });
    try {
      await this.accounts.add(account);
    } catch (err) {
      await this.secrets.delete(account.name).catch(() => {});
      throw err;
    }
    return account;
  }

  /**
   * Edits an account. New keys, when given, replace the old ones in the keychain before the
   * settings change, so a failure leaves the account as it was.
   */
  async updateAccount(name: string, patch: { endpoint?: string; region?: string; pathStyle?: boolean }, credentials?: Credentials): Promise<Account> {
    await this.accounts.get(name);
    if (patch.endpoint) normaliseEndpoint(patch.endpoint);
    if (credentials) {
      if (!credentials.accessKeyId.trim() || !credentials.secretAccessKey.trim()) {
        throw new FerryError('BAD_CREDENTIALS', 'Both an access key ID and a secret access key are needed.');
      }
      await this.secrets.set(name, { accessKeyId: credentials.accessKeyId.trim(), secretAccessKey: credentials.secretAccessKey.trim() });
    }
    return this.accounts.update(name, patch);
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
      return {
        name: ENV_PROFILE_NAME,
        provider,
        ...(endpoint ? { endpoint } : {}),
        region: sel.region ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? PRESETS[provider].region,
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
        `The keychain has no credentials for account "${name}" (a locked keychain also hides them). Unlock the keychain, or remove the account and add it again.`,
      );
    }
    return {
      name: account.name,
      provider: account.provider,
      ...(endpointOverride ?? account.endpoint ? { endpoint: endpointOverride ?? account.endpoint } : {}),
      region: sel.region ?? account.region,
      pathStyle: account.pathStyle,
      checksums: account.checksums,
      ...(account.partSize ? { partSize: account.partSize } : {}),
      credentials,
    };
  }

  async connect(sel: Selector = {}, opts: { concurrency?: number } = {}): Promise<Connection> {
    return new Connection(await this.resolveProfile(sel), this.clock, this.links, this.uploadStates, opts.concurrency, this.network);
  }

  /** Checks, step by step, that an endpoint is reachable, is S3, and accepts the credentials. */
  async testConnection(sel: Selector = {}): Promise<ConnectionReport> {
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
    } catch (err) {
      if (!isFerryError(err)) throw err;
      const order: ConnectionCheck['name'][] = ['reachable', 'speaks S3', 'credentials accepted', 'can list buckets'];
      const failedAt: Partial<Record<string, ConnectionCheck['name']>> = {
        ENDPOINT_UNREACHABLE: 'reachable',
        NOT_S3: 'speaks S3',
        BAD_CREDENTIALS: 'credentials accepted',
        CLOCK_SKEW: 'credentials accepted',
        ACCESS_DENIED: 'can list buckets',
      };
      const failed = failedAt[err.code] ?? 'can list buckets';
      for (const name of order) {
        if (name === failed) {
          add(name, false, err.message);
          break;
        }
        add(name, true, name === 'reachable' ? `${storage.endpoint} answered` : name === 'speaks S3' ? 'it answered as an S3 service' : 'the access key and secret were accepted');
      }
      // Keys limited to one bucket (R2 tokens, B2 application keys) cannot list buckets but work.
      report.ok = err.code === 'ACCESS_DENIED';
    } finally {
      conn.close();
    }
    return report;
  }
}

export function createFerry(opts: FerryOptions): Ferry {
  return new Ferry(opts);
}
