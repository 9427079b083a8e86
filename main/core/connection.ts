/**
 * An open connection (S3 clients, uploader, downloader, signer): everything that needs the AWS
 * SDK. Ferry loads this module only when a command talks to a server, so commands that do not
 * (presign, links, accounts) start without loading the SDK.
 */
import { join, resolve } from 'node:path';
import type { Clock } from './clock';
import { FerryError } from './errors';
import type { NetworkOptions } from './ferry';
import type { LinkHistory, LinkRecord } from './links/link-history';
import { presignGet, type PresignRequest, type ShareLink } from './links/presign';
import { FastPresigner } from './links/sigv4';
import type { Profile } from './s3/client';
import { SdkClient } from './s3/sdk';
import { DataPath } from './s3/data-path';
import { Storage } from './s3/storage';
import { Wire } from './s3/wire';
import type { FileRequest, RequestHistory } from './sharing/request-history';
import { createFileRequest, PAGES_PREFIX, shareMany, type NewFileRequest } from './sharing/sharing';
import type { SavedUpload, UploadIdentity, UploadStateStore } from './transfers/state';
import { Uploader, type UploadRequest, type UploadResult } from './transfers/upload';
import { UNLIMITED, type Bandwidth } from './transfers/bandwidth';

/** The bandwidth caps uploads and downloads go under. */
export interface TransferCaps {
  uploads: Bandwidth;
  downloads: Bandwidth;
}
import { Downloader, type DownloadRequest, type DownloadResult } from './transfers/download';

/** An open connection to one endpoint as one identity. Close it to free its sockets. */
export class Connection {
  readonly storage: Storage;
  private readonly uploader: Uploader;
  private readonly downloader: Downloader;
  private readonly dataClient;
  private readonly data: DataPath;
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
    /** The caps all of this Ferry's transfers share (bandwidth.ts). */
    readonly bandwidth: TransferCaps = { uploads: UNLIMITED, downloads: UNLIMITED },
  ) {
    const timeouts = {
      ...(network.requestTimeoutMs ? { requestTimeoutMs: network.requestTimeoutMs } : {}),
      ...(network.connectTimeoutMs ? { connectTimeoutMs: network.connectTimeoutMs } : {}),
    };
    // Parts, PUTs, download ranges, HEADs and listings: Ferry's own requests, on a pool with room
    // for as many as the adapting lanes may want at once (adaptive.ts: a folder's files up to 64).
    const wire = new Wire(profile, { maxSockets: Math.max(concurrency * 2, 64), ...timeouts });
    this.storage = new Storage(new SdkClient(profile, { maxSockets: Math.max(concurrency * 2, 8), ...timeouts }), profile, wire);
    this.dataClient = new SdkClient(profile, { maxSockets: Math.max(concurrency * 2, 8), maxAttempts: 1, ...timeouts });
    this.data = new DataPath(wire, this.dataClient);
    this.presigner = FastPresigner.forProfile(profile);
    // Uploads and downloads share the clients and the retry settings.
    const engine = {
      storage: this.storage,
      dataClient: this.dataClient,
      data: this.data,
      clock,
      locks: join(states.dir, 'downloads'),
      ...(network.networkWaitMs !== undefined ? { networkWaitMs: network.networkWaitMs } : {}),
      ...(network.backoffMs !== undefined ? { backoffMs: network.backoffMs } : {}),
      ...(network.lostCreateQuietMs !== undefined ? { lostCreateQuietMs: network.lostCreateQuietMs } : {}),
    };
    this.uploader = new Uploader({ ...engine, bandwidth: bandwidth.uploads });
    this.downloader = new Downloader({ ...engine, bandwidth: bandwidth.downloads });
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
   * Drops a saved (paused, interrupted or cancelled) upload of a file: aborts it on the server,
   * with any upload its lost Creates started, then forgets it. If the server cannot be told, the
   * saved state stays and the error says so.
   */
  async abandon(file: string, bucket: string, key: string): Promise<void> {
    const id = this.identity(file, bucket, key);
    const { keeper, release } = await this.states.claim(id, () => new Date(this.clock.now()).toISOString());
    try {
      await this.uploader.discard({ file: id.file, bucket, key }, keeper);
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
    return presignGet(() => this.storage.client.get(), this.profile.credentials, req, this.clock, this.presigner);
  }

  /** Signs a GET link and records it in the link history. */
  async share(req: PresignRequest): Promise<ShareLink> {
    const link = await this.presign(req);
    await this.history.issued(this.profile.name, this.storage.endpoint, link, req);
    return link;
  }

  /**
   * The same link as an earlier one, byte for byte: signed again with its signing time and
   * lifetime (nothing is stored but those). Refused once it has expired.
   */
  async presignAgain(record: Pick<LinkRecord, 'bucket' | 'key' | 'createdAt' | 'expiresAt' | 'expiresIn' | 'filename' | 'share' | 'private'>): Promise<ShareLink> {
    if (Date.parse(record.expiresAt) <= this.clock.now()) {
      throw new FerryError('EXPIRY_OUT_OF_RANGE', `The link to ${record.key} expired at ${record.expiresAt}. Make a new one.`);
    }
    const signedAt = Date.parse(record.createdAt);
    const expiresIn = record.expiresIn ?? Math.round((Date.parse(record.expiresAt) - signedAt) / 1000);
    // A one-link share's or a private link's page is shown as the page Ferry wrote, as when it
    // was made; only a key under Ferry's own pages folder is ever signed so.
    const page = Boolean(record.share || record.private) && record.key.startsWith(PAGES_PREFIX);
    return presignGet(
      () => this.storage.client.get(),
      this.profile.credentials,
      { bucket: record.bucket, key: record.key, expiresIn, ...(record.filename ? { filename: record.filename } : {}), ...(page ? { page: true } : {}) },
      { now: () => signedAt },
      this.presigner,
    );
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

  /**
   * One link for many objects (see sharing.ts), recorded in the link history as the page's link
   * with what it shares (`prefix`: the folder shared, or where the files given were put).
   */
  async shareMany(req: { bucket: string; keys: string[]; expiresIn: number; title?: string; prefix?: string }): Promise<ShareLink & { files: number; title: string }> {
    const link = await shareMany(this, req);
    await this.history.issued(this.profile.name, this.storage.endpoint, link, { expiresIn: req.expiresIn, share: { prefix: req.prefix ?? '', title: link.title, files: link.files } });
    return link;
  }

  close(): void {
    this.storage.client.destroy();
    this.dataClient.destroy();
    this.data.destroy();
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

