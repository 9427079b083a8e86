import { FerryError } from '../../core/errors';
import { shareableKeys } from '../../core/sharing/sharing';
import { requireTested, type HandlerContext, type Handlers } from './context';

/** Share links: made for a file or a folder, listed, signed again, copied and opened. */
export function linkHandlers({ ferry, platform, emit, connection, known, links }: HandlerContext) {
  return {
    'links:create': async ({ account, bucket, key, expiresIn, filename }) => {
      known.key(account, bucket, key);
      return links.sign(account, bucket, key, expiresIn, filename);
    },
    'links:history': async () =>
      (await ferry.links.list(500)).map(({ endpoint: _e, ...r }) => {
        known.learnKeys(r.account, r.bucket, [r.key]);
        return r;
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
      const l = await conn.presignAgain(record);
      links.remember(account, l.url);
      return { url: l.url };
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
  } satisfies Pick<Handlers, 'links:create' | 'links:history' | 'links:clear' | 'links:again' | 'links:createMany' | 'links:copy' | 'links:open'>;
}

function httpUrl(url: string): string {
  const u = new URL(url);
  if (u.protocol !== 'https:' && u.protocol !== 'http:') throw new FerryError('USAGE', 'Only http and https links can be copied.');
  return u.toString();
}
