import { rm } from 'node:fs/promises';
import { basename } from 'node:path';
import { FerryError } from '../../core/errors';
import { forWindow } from '../window-words';
import type { HandlerContext, Handlers } from './context';

/** File requests: links through which others upload into a folder; made, listed, ended, and a private one's files opened here. */
export function requestHandlers({ ferry, platform, connection, known, links }: HandlerContext) {
  /** A request of Ferry's own history: never one the page names. */
  const ownRequest = async (account: string, bucket: string, pageKey: string) => {
    const r = (await ferry.requests.list(1000)).find((x) => x.account === account && x.bucket === bucket && x.pageKey === pageKey);
    if (!r) throw new FerryError('FORBIDDEN', 'That request is not in the list of requests made here.');
    return r;
  };
  return {
    'requests:create': async ({ account, private: encrypted, ...req }) => {
      known.bucket(account, req.bucket);
      // A private request holds the account's public key; its private half stays in the keychain.
      const publicKey = encrypted ? await ferry.privateLinks.requestPublicKey(account) : undefined;
      const made = await (await connection(account)).requestFiles({ ...req, ...(publicKey ? { publicKey } : {}) });
      links.remember(account, made.url);
      const { endpoint: _e, ...request } = made.request;
      return { url: made.url, request };
    },
    'requests:list': async () =>
      (await ferry.listRequests()).map(({ endpoint: _e, ...r }) => {
        known.learnKeys(r.account, r.bucket, [r.prefix, ...r.received.map((o) => o.key)]);
        return { ...r, received: r.received.map((f) => (f.problem ? { ...f, problem: forWindow(f.problem) } : f)) };
      }),
    'requests:end': async ({ account, bucket, pageKey }) => {
      await ownRequest(account, bucket, pageKey);
      await (await connection(account)).endRequest({ bucket, pageKey });
      return null;
    },
    'requests:download': async ({ account, bucket, pageKey, key }) => {
      const r = await ownRequest(account, bucket, pageKey);
      if (!r.private) throw new FerryError('USAGE', 'That request is not private: its files are as their senders sent them. Open its folder (Show files) and download them there.');
      // A file that arrived in the request's folder, as the server listed it.
      if (!key.startsWith(r.prefix)) throw new FerryError('FORBIDDEN', 'That file did not arrive through this request.');
      known.key(account, bucket, key);
      const conn = await connection(account);
      if (conn.storage.endpoint !== r.endpoint) throw new FerryError('USAGE', `"${account}" connects elsewhere now (${conn.storage.endpoint}); that request was made on ${r.endpoint}.`);
      const [folder] = await platform.pickFiles('destination');
      if (!folder) return null;
      // Fetched whole and checked by the normal engine into Ferry's data folder, then opened into
      // the folder under its sender's name: a changed or plain file is refused and nothing is written.
      const sealed = await ferry.privateLinks.tempFile('received');
      try {
        await conn.download({ bucket, key, file: sealed, replace: true });
        const { file } = await ferry.privateLinks.openReceived(account, sealed, folder);
        return { name: basename(file) };
      } finally {
        await rm(sealed, { force: true });
      }
    },
  } satisfies Pick<Handlers, 'requests:create' | 'requests:list' | 'requests:end' | 'requests:download'>;
}
