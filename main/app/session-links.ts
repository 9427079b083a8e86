import QRCode from 'qrcode';
import type { LinkView, PrivateLinkView } from '../../preload/contract';
import { FerryError } from '../core/errors';
import type { Connection, Ferry } from '../core/ferry';
import type { SealedUpload } from '../core/private/shares';
import type { UploadRecord } from '../core/transfers/upload-history';
import type { Emit } from './platform';

/**
 * Where the window and the tray put a private link's ciphertext: a folder of its own at the top
 * of the bucket, in plain sight (it is a second copy, and storage is billed for it), never among
 * the user's files where a folder shared as one link would take it in. The core keeps files out
 * of .ferry/, where the decrypt page goes.
 */
export const PRIVATE_PREFIX = 'private-links/';

/** What makes a private link: local files (the tray) or objects already in the bucket (the share inspector). */
export type PrivateSource = { files: string[] } | { keys: string[] };

/**
 * The links the app signs in this session, whoever asks (window, tray, copy on upload): each is
 * remembered with its account, because these are the only addresses the window may open in the
 * browser, and each reaches the window's history at once.
 */
export class SessionLinks {
  /** Links Ferry signed in this session, and for which account. */
  private readonly issued = new Map<string, string>();

  constructor(
    private readonly deps: {
      ferry: Ferry;
      connection(account: string): Promise<Connection>;
      emit: Emit;
      copyText(text: string): void;
    },
  ) {}

  /** Keeps a link signed elsewhere (a folder's page, a file request, a link signed again) as one of this session's. */
  remember(account: string, url: string): void {
    this.issued.set(new URL(url).toString(), account);
  }

  /** The account a link of this session was made for; undefined for any other address. */
  accountOf(url: string): string | undefined {
    return this.issued.get(url);
  }

  /** Signs a link to one object, with its QR code. */
  async sign(account: string, bucket: string, key: string, expiresIn: number, filename?: string): Promise<LinkView> {
    const conn = await this.deps.connection(account);
    const l = await conn.share({ bucket, key, expiresIn, ...(filename ? { filename } : {}) });
    this.remember(account, l.url);
    // The window's history shows it at once, whoever made it (window, tray, copy on upload).
    this.deps.emit('links:changed', null);
    const qrSvg = await QRCode.toString(l.url, { type: 'svg', errorCorrectionLevel: 'M', margin: 1 });
    return { url: l.url, bucket: l.bucket, key: l.key, createdAt: l.createdAt, expiresAt: l.expiresAt, lifetimeSeconds: l.lifetimeSeconds, limitedBy: l.limitedBy, qrSvg };
  }

  /**
   * Makes a private link: each file encrypted here and uploaded as ciphertext by the normal
   * engine (an upload cut short is aborted on the server: its sealed copy is gone with it), then
   * remembered as one of this session's links and shown in the history.
   */
  async makePrivate(account: string, req: { bucket: string; expiresIn: number; passphrase?: string } & PrivateSource): Promise<PrivateLinkView> {
    const conn = await this.deps.connection(account);
    const { bucket } = req;
    const upload: SealedUpload = async (sealed, key) => {
      try {
        await conn.upload({ file: sealed, bucket, key });
      } catch (err) {
        await conn.abandon(sealed, bucket, key).catch(() => {});
        throw err;
      }
    };
    const base = { bucket, prefix: PRIVATE_PREFIX, expiresIn: req.expiresIn, ...(req.passphrase !== undefined ? { passphrase: req.passphrase } : {}) };
    const made = 'files' in req ? await this.deps.ferry.privateLinks.share(conn, { ...base, files: req.files }, upload) : await this.deps.ferry.privateLinks.shareObjects(conn, { ...base, keys: req.keys }, upload);
    this.remember(account, made.url);
    this.deps.emit('links:changed', null);
    return { url: made.url, id: made.id, expiresAt: made.expiresAt, files: made.files, passphrase: made.passphrase, kept: made.kept };
  }

  /** One link to several objects (a one-link share), remembered as this session's and shown in the history. */
  async shareKeys(account: string, req: { bucket: string; keys: string[]; expiresIn: number; title: string; prefix: string }): Promise<{ url: string; expiresAt: string; files: number }> {
    const conn = await this.deps.connection(account);
    const link = await conn.shareMany(req);
    this.remember(account, link.url);
    this.deps.emit('links:changed', null);
    return { url: link.url, expiresAt: link.expiresAt, files: link.files };
  }

  /** Signs a fresh link for a finished upload with the default expiry and copies it (the tray's action, and copy on upload). */
  async copyFor(u: UploadRecord): Promise<LinkView> {
    // The history remembers uploads, not deletions: never hand out a link to something gone.
    if (!(await (await this.deps.connection(u.account)).storage.exists(u.bucket, u.key))) {
      throw new FerryError('NO_SUCH_KEY', `${u.key} is no longer in ${u.bucket} (it was deleted after it was uploaded), so there is no link to copy.`);
    }
    const prefs = await this.deps.ferry.preferences.get();
    const l = await this.sign(u.account, u.bucket, u.key, prefs.defaultExpirySeconds);
    this.deps.copyText(l.url);
    return l;
  }
}
