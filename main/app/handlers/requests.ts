import { FerryError } from '../../core/errors';
import type { HandlerContext, Handlers } from './context';

/** File requests: links through which others upload into a folder; made, listed and ended here. */
export function requestHandlers({ ferry, connection, known, links }: HandlerContext) {
  return {
    'requests:create': async ({ account, ...req }) => {
      known.bucket(account, req.bucket);
      const made = await (await connection(account)).requestFiles(req);
      links.remember(account, made.url);
      const { endpoint: _e, ...request } = made.request;
      return { url: made.url, request };
    },
    'requests:list': async () =>
      (await ferry.listRequests()).map(({ endpoint: _e, ...r }) => {
        known.learnKeys(r.account, r.bucket, [r.prefix, ...r.received.map((o) => o.key)]);
        return r;
      }),
    'requests:end': async ({ account, bucket, pageKey }) => {
      // Only a request of Ferry's own history: never a key the page names.
      if (!(await ferry.requests.list(1000)).some((r) => r.account === account && r.bucket === bucket && r.pageKey === pageKey)) {
        throw new FerryError('FORBIDDEN', 'That request is not in the list of requests made here.');
      }
      await (await connection(account)).endRequest({ bucket, pageKey });
      return null;
    },
  } satisfies Pick<Handlers, 'requests:create' | 'requests:list' | 'requests:end'>;
}
