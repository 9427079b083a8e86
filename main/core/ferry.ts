import { AccountStore, accountFromInput, normaliseEndpoint, type Account, type AccountInput } from './accounts/accounts';
import { PRESETS } from './accounts/presets';
import { systemClock, type Clock } from './clock';
import { FerryError, isFerryError } from './errors';
import { LinkHistory, type LinkRecord } from './links/history';
import { presignGet, type PresignRequest, type ShareLink } from './links/presign';
import { createFileRequest, requestStatus, RequestHistory, shareMany, type FileRequest, type NewFileRequest, type RequestStatus } from './sharing/sharing';
import { FastPresigner } from './links/sigv4';
import { resolve } from 'node:path';
import { probeCapabilities, describeCapabilities, type Capabilities, type CapabilityLine } from './s3/capabilities';
import { createS3Client, type Profile } from './s3/client';
import { Storage } from './s3/storage';
import type { Credentials, SecretStore } from './secrets/secrets';
import { UploadStateStore, type SavedUpload, type UploadIdentity } from './transfers/state';
import { partsLeftBehind, Uploader, type UploadRequest, type UploadResult } from './transfers/upload';
import { Downloader, type DownloadRequest, type DownloadResult } from './transfers/download';

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
  /** What the server supports, when a bucket was there to test in. */
  capabilities?: Capabilities;
  /** The same, in words. */
  abilities?: CapabilityLine[];
}

/** An open connection to one endpoint as one identity. Close it to free its sockets. */
export class Connection {
  readonly storage: Storage;
  private readonly uploader: Uploader;
  private readonly downloader: Downloader;
  private readonly dataClient;
  private readonly presigner: FastPresigner;
  /** Uploads running on this connection, and whether it closes when they end. */
  private active = 0;
  private retired = false;

  constructor(
    readonly profile: Profile,
    private readonly clock: Clock,
    private readonly history: LinkHistory,
    private readonly states: UploadStateStore,
    private readonly requestLog: RequestHistory,
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
    this.downloader = new Downloader({
      storage: this.storage,
      dataClient: this.dataClient,
      clock,
      ...(network.networkWaitMs !== undefined ? { networkWaitMs: network.networkWaitMs } : {}),
      ...(network.backoffMs !== undefined ? { backoffMs: network.backoffMs } : {}),
    });
  }

  /**
   * Downloads an object to a file in parallel ranges (see download.ts). A paused or interrupted
   * download of the same object to the same file continues where it stopped.
   */
  async download(req: DownloadRequest): Promise<DownloadResult> {
    this.active++;
    try {
      return await this.downloader.download(req);
    } finally {
      this.active--;
      if (this.retired && this.active === 0) this.close();
    }
  }

  /**
   * Uploads a file. A multipart upload's state is saved as parts finish; if an earlier upload of
   * the same file to the same key on this server was interrupted (crash, kill, quit, pause), it
   * is continued: the server is asked which parts it has (ListParts), each is checked against
   * the file's bytes, and only the rest are sent. With resume: false the earlier upload is
   * aborted and the file sent afresh. Only one upload of a file to a key runs at a time, across
   * every Ferry process on this machine.
   */
  async upload(req: UploadRequest, opts: { resume?: boolean } = {}): Promise<UploadResult> {
    const { keeper, release } = await this.states.claim(this.identity(req.file, req.bucket, req.key), () => new Date(this.clock.now()).toISOString());
    this.active++;
    try {
      return await this.uploader.upload({ ...req, ...(opts.resume === false ? { resume: false } : {}) }, keeper);
    } finally {
      await release();
      this.active--;
      if (this.retired && this.active === 0) this.close();
    }
  }

  private identity(file: string, bucket: string, key: string): UploadIdentity {
    return { account: this.profile.name, endpoint: this.storage.endpoint, file: resolve(file), bucket, key };
  }

  /**
   * Drops a saved (paused or interrupted) upload of a file: aborts it on the server, then
   * forgets it. If the server cannot be told, the saved state stays and the error says so.
   */
  async abandon(file: string, bucket: string, key: string): Promise<void> {
    const id = this.identity(file, bucket, key);
    const { keeper, release } = await this.states.claim(id, () => new Date(this.clock.now()).toISOString());
    try {
      const saved = await keeper.load();
      if (!saved) return;
      try {
        await this.storage.abortMultipartUpload(bucket, key, saved.uploadId);
      } catch (err) {
        throw new FerryError(isFerryError(err) ? err.code : 'S3_ERROR', partsLeftBehind("The paused upload's", bucket, key, saved.uploadId, err), { cause: err });
      }
      await keeper.remove();
    } finally {
      await release();
    }
  }

  /** The saved state of an interrupted or paused upload of a file, if any. */
  saved(file: string, bucket: string, key: string): Promise<SavedUpload | undefined> {
    return this.states.get(this.identity(file, bucket, key));
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
      expiresIn: req.expiresIn,
    });
    return link;
  }

  /**
   * The same link as an earlier one, byte for byte: signed again with its signing time and
   * lifetime (nothing is stored but those). Refused once it has expired.
   */
  async presignAgain(record: Pick<LinkRecord, 'bucket' | 'key' | 'createdAt' | 'expiresAt' | 'expiresIn' | 'filename'>): Promise<ShareLink> {
    if (Date.parse(record.expiresAt) <= this.clock.now()) {
      throw new FerryError('EXPIRY_OUT_OF_RANGE', `The link to ${record.key} expired at ${record.expiresAt}. Make a new one.`);
    }
    const signedAt = Date.parse(record.createdAt);
    const expiresIn = record.expiresIn ?? Math.round((Date.parse(record.expiresAt) - signedAt) / 1000);
    return presignGet(this.storage.client, this.profile.credentials, { bucket: record.bucket, key: record.key, expiresIn, ...(record.filename ? { filename: record.filename } : {}) }, { now: () => signedAt }, this.presigner);
  }

  /** Makes a file request (see sharing.ts) and records it, without its link, in requests.jsonl. */
  async requestFiles(req: NewFileRequest): Promise<{ url: string; request: FileRequest }> {
    const made = await createFileRequest(this, req, this.clock);
    const request: FileRequest = { account: this.profile.name, endpoint: this.storage.endpoint, ...made.request };
    await this.requestLog.add(request);
    return { url: made.url, request };
  }

  /**
   * Ends a file request early by deleting its page. The policy already in the link stays valid
   * until it expires (only rotating the keys revokes it); the page is what senders use.
   */
  async endRequest(request: Pick<FileRequest, 'bucket' | 'pageKey'>): Promise<void> {
    await this.storage.delete(request.bucket, request.pageKey);
  }

  /** One link for many objects: see sharing.ts. */
  shareMany(req: { bucket: string; keys: string[]; expiresIn: number; title?: string }): Promise<ShareLink & { files: number }> {
    return shareMany(this, req);
  }

  close(): void {
    this.storage.client.destroy();
    this.dataClient.destroy();
  }

  /**
   * Closes the connection once no upload uses it any more (an account's settings changed: new
   * work gets a new connection, running uploads finish on this one).
   */
  retire(): void {
    this.retired = true;
    if (this.active === 0) this.close();
  }
}

/**
 * Ferry's core, with its collaborators injected: the app, the CLI and the tests each build one.
 */
export class Ferry {
  readonly accounts: AccountStore;
  readonly links: LinkHistory;
  readonly uploadStates: UploadStateStore;
  readonly requests: RequestHistory;
  readonly clock: Clock;
  private readonly secrets: SecretStore;
  private readonly env: NodeJS.ProcessEnv;
  private readonly network: NetworkOptions;

  constructor(opts: FerryOptions) {
    this.network = opts.network ?? {};
    this.accounts = new AccountStore(opts.dataDir);
    this.links = new LinkHistory(opts.dataDir);
    this.uploadStates = new UploadStateStore(opts.dataDir);
    this.requests = new RequestHistory(opts.dataDir);
    this.secrets = opts.secrets;
    this.clock = opts.clock ?? systemClock;
    this.env = opts.env ?? process.env;
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
          out.push(await requestStatus(conn.storage, r, this.clock.now()));
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
    if (patch.endpoint !== undefined && (patch.endpoint ? normaliseEndpoint(patch.endpoint) : undefined) !== current.endpoint && !credentials) {
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
    const oldKeys = await this.secrets.get(name);
    await this.updateAccount(name, patch, credentials);
    if (await keep()) return true;
    await this.updateAccount(name, { endpoint: old.endpoint ?? '', region: old.region, pathStyle: old.pathStyle }, oldKeys ?? undefined);
    return false;
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
      ...(account.capabilities ? { capabilities: account.capabilities } : {}),
      credentials,
    };
  }

  async connect(sel: Selector = {}, opts: { concurrency?: number } = {}): Promise<Connection> {
    return new Connection(await this.resolveProfile(sel), this.clock, this.links, this.uploadStates, this.requests, opts.concurrency, this.network);
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
      const bucket = opts.bucket ?? buckets[0]?.name;
      if (bucket) {
        const capabilities = await probeCapabilities(storage.client, profile, bucket, this.clock);
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
    } finally {
      conn.close();
    }
    return report;
  }
}

export function createFerry(opts: FerryOptions): Ferry {
  return new Ferry(opts);
}
