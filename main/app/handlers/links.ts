import { FerryError } from '../../core/errors';
import type { LinkRecord } from '../../core/links/link-history';
import { shareableKeys } from '../../core/sharing/sharing';
import { safeText } from '../../core/text';
import { requireTested, type HandlerContext, type Handlers } from './context';

/** What the window sees of a record: no endpoint, and of a private link not the names of its ciphertext. */
function recordView({ endpoint: _e, private: p, ...r }: LinkRecord) {
  return { ...r, ...(p ? { private: { id: p.id, files: p.files, title: p.title, passphrase: p.passphrase } } : {}) };
}

const plural = (n: number, one: string) => `${n} ${one}${n === 1 ? '' : 's'}`;

/** Share links: made for a file or a folder, or private; listed, signed again, ended, copied and opened. */
export function linkHandlers({ ferry, platform, emit, connection, known, links }: HandlerContext) {
  return {
    'links:create': async ({ account, bucket, key, expiresIn, filename }) => {
      known.key(account, bucket, key);
      // A link to nothing is never what was meant (a file renamed, moved or deleted since it was listed).
      if (!(await stillThere(await connection(account), bucket, key))) throw notThere(bucket, key, 'Select the file where it is now and make a link to it.');
      return links.sign(account, bucket, key, expiresIn, filename);
    },
    'links:check': async () => {
      // The newest working links, asked a few at a time: whether what each points at is still there.
      const now = Date.now();
      const working = (await ferry.links.current(500)).filter((r) => Date.parse(r.expiresAt) > now && !r.ended).slice(0, 100);
      const gone: Array<{ account: string; bucket: string; key: string; createdAt: string }> = [];
      let next = 0;
      const worker = async () => {
        while (next < working.length) {
          const r = working[next++]!;
          // Unknown (the server does not answer, the account is gone) is not gone.
          const there = await connection(r.account)
            .then((c) => (c.storage.endpoint === r.endpoint ? stillThere(c, r.bucket, r.key) : true))
            .catch(() => true);
          if (!there) gone.push({ account: r.account, bucket: r.bucket, key: r.key, createdAt: r.createdAt });
        }
      };
      await Promise.all(Array.from({ length: 6 }, worker));
      return gone;
    },
    // Each link once: a private link that was ended shows as ended, not also as it was made.
    'links:history': async () =>
      (await ferry.links.current(500)).map((r) => {
        known.learnKeys(r.account, r.bucket, [r.key]);
        return recordView(r);
      }),
    'links:clear': async () => {
      await ferry.links.clear();
      emit('links:changed', null);
      return null;
    },
    'links:again': async ({ account, bucket, key, createdAt }) => {
      // Only a link of Ferry's own history, with what it recorded: never a bucket, key, signing
      // time or lifetime the page names.
      const conn = await connection(account);
      const record = (await ferry.links.list(500)).find((r) => r.account === account && r.bucket === bucket && r.key === key && r.createdAt === createdAt);
      if (!record) throw new FerryError('FORBIDDEN', 'That link is not in the link history. Make a new link instead.');
      if (record.endpoint !== conn.storage.endpoint) throw new FerryError('USAGE', `"${account}" connects elsewhere now (${conn.storage.endpoint}); that link was made for ${record.endpoint}. Make a new link instead.`);
      // A private link as it stands now (ended or not), with its key from the keychain.
      const latest = record.private ? await ferry.links.privateLink(record.private.id) : record;
      if (!latest) throw new FerryError('FORBIDDEN', 'That link is not in the link history. Make a new link instead.');
      if (latest.ended) throw new FerryError('EXPIRY_OUT_OF_RANGE', `That private link was ended (${latest.ended}), so it no longer works. Make a new one.`);
      // The same link to nothing would only disappoint: say so instead.
      if (!(await stillThere(conn, bucket, key))) throw notThere(bucket, latest.private ? 'its private link’s page' : latest.share ? `${latest.share.prefix} (its one-link page)` : key, 'That link no longer works; make a new one where the file is now.');
      const url = latest.private ? await ferry.privateLinks.copyAgain(conn, latest) : (await conn.presignAgain(latest)).url;
      links.remember(account, url);
      return { url };
    },
    'links:createPrivate': async ({ account, bucket, keys, expiresIn, passphrase }) => {
      // Objects only (a folder's files can be selected one by one), and only ones the window was shown.
      for (const k of keys) {
        if (k.endsWith('/')) throw new FerryError('NOT_A_FILE', `${k} is a folder; a private link shares files. Open the folder and select its files.`);
        known.key(account, bucket, k);
      }
      return links.makePrivate(account, { bucket, keys, expiresIn, ...(passphrase !== undefined ? { passphrase } : {}) });
    },
    'links:end': async ({ id }) => {
      // Only a private link of Ferry's own history, and only after the user's yes in main's own
      // dialog: page script can neither invent a link to end nor answer for the user.
      const record = await ferry.links.privateLink(id);
      if (!record?.private) throw new FerryError('FORBIDDEN', 'That private link is not in the link history.');
      if (record.ended) return null;
      const p = record.private;
      const yes = await platform.confirm({
        message: `End the private link “${safeText(p.title)}” now?`,
        detail: `Its ${plural(p.files, 'encrypted file')} and its page are deleted from ${safeText(record.bucket)}, so it stops working at once for everyone who has it. The original files and other links are untouched.`,
        ok: 'End link',
      });
      if (!yes) throw new FerryError('CANCELLED', 'The link was not ended: ending it was not confirmed.');
      const conn = await connection(record.account);
      if (conn.storage.endpoint !== record.endpoint) throw new FerryError('USAGE', `"${record.account}" connects elsewhere now (${conn.storage.endpoint}); that link was made on ${record.endpoint}, so Ferry cannot end it from here.`);
      await ferry.privateLinks.end(conn, record);
      emit('links:changed', null);
      return null;
    },
    'links:createMany': async ({ account, bucket, prefix, expiresIn, title }) => {
      known.folder(account, bucket, prefix);
      const conn = await connection(account);
      const keys = await shareableKeys(conn.storage, bucket, prefix);
      const link = await conn.shareMany({ bucket, keys, expiresIn, title: title || prefix.replace(/\/$/, '') || bucket, prefix });
      emit('links:changed', null);
      links.remember(account, link.url);
      return { url: link.url, expiresAt: link.expiresAt, files: link.files };
    },
    'links:copy': async ({ url }) => {
      platform.copyText(httpUrl(url));
      return null;
    },
    'links:open': async ({ url }) => {
      const u = new URL(url).toString();
      // Only a link Ferry made in this session opens, and not one to an account whose endpoint
      // never passed a test: anything else a page asks for could be a phishing page or a local
      // file handler.
      const account = links.accountOf(u);
      if (account === undefined) throw new FerryError('USAGE', 'Only share links Ferry made open in the browser.');
      await requireTested(ferry, account, 'Opening its links in the browser');
      platform.openExternal(u);
      return null;
    },
  } satisfies Pick<Handlers, 'links:create' | 'links:history' | 'links:check' | 'links:clear' | 'links:again' | 'links:createPrivate' | 'links:end' | 'links:createMany' | 'links:copy' | 'links:open'>;
}

/**
 * Whether a link's object is there. Only the server's "no such key" says it is not: a link is
 * signed without the network, so a server that cannot be asked (offline, keys not yet right) does
 * not stop one.
 */
function stillThere(conn: { storage: { exists(bucket: string, key: string): Promise<boolean> } }, bucket: string, key: string): Promise<boolean> {
  return conn.storage.exists(bucket, key).catch(() => true);
}

/** What is said when a link's object is not there any more. */
function notThere(bucket: string, what: string, then: string): FerryError {
  return new FerryError('NO_SUCH_KEY', `${bucket}/${what} is not there any more (renamed, moved or deleted). ${then}`);
}

function httpUrl(url: string): string {
  const u = new URL(url);
  if (u.protocol !== 'https:' && u.protocol !== 'http:') throw new FerryError('USAGE', 'Only http and https links can be copied.');
  return u.toString();
}
