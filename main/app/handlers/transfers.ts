import { FerryError } from '../../core/errors';
import { unreachable } from '../../core/transfers/offline';
import { planDownload } from '../../core/transfers/targets';
import { addUploads } from '../add-uploads';
import { notDownloaded } from '../waiting-transfers';
import { forWindow } from '../window-words';
import type { HandlerContext, Handlers } from './context';

/** A server that cannot be reached gives undefined: the transfers wait for it (waiting-transfers.ts). Whatever it answered is said at once. */
function unlessOffline(err: unknown): undefined {
  if (!unreachable(err)) throw err;
  return undefined;
}

/**
 * Uploads and downloads: adding them (granted files up, planned files down), the queue's
 * controls, and the multipart uploads left unfinished on the server.
 */
export function transferHandlers({ ferry, platform, emit, connection, known, grants, queue, waiting, drops, restored }: HandlerContext) {
  const uploadRoom = { ferry, emit, connection, known, queue, waiting, drops };
  return {
    'uploads:add': async (req) => {
      // The window may upload only what the user handed it (a drop, a paste, its file dialog).
      await grants.check(req.paths);
      return addUploads(uploadRoom, req);
    },
    'downloads:add': async ({ account, bucket, keys }) => {
      for (const k of keys) known.key(account, bucket, k);
      const [folder] = await platform.pickFiles('destination');
      if (!folder) return [];
      const conn = await connection(account);
      // Never a target another download of this window will write, compared as the folder's file system compares names.
      const plan = await planDownload(conn.storage, bucket, keys, folder, { busy: (file, fold) => queue.downloadTargets().some((t) => fold(t) === fold(file)) }).catch(unlessOffline);
      // Unreachable: nothing was made in the folder; each name waits, and is planned when the server answers.
      if (!plan) return waiting.downloads({ account, bucket, endpoint: conn.storage.endpoint }, keys, folder);
      const { items, skipped } = plan;
      if (skipped.length) emit('notice', { message: notDownloaded(skipped) });
      if (!items.length) throw new FerryError('NO_SUCH_KEY', skipped.length ? 'Nothing to download: no selected object can be saved here (see the notice).' : 'Nothing to download: the selected folders are empty.');
      const added = queue.add(items.map((i) => ({ account, bucket, key: i.key, file: i.file, folder: i.folder, size: i.size, direction: 'download' as const })));
      drops.track(added, { direction: 'download', folder, bucket, prefix: '' });
      return added;
    },
    'downloads:reveal': async ({ id }) => {
      const t = queue.get(id);
      // Only a file Ferry downloaded in this session is shown: never a path the page names.
      if (!t || t.direction !== 'download' || t.status !== 'done') throw new FerryError('FILE_NOT_FOUND', 'That download is not finished (or no longer listed).');
      platform.revealFile?.(t.file);
      return null;
    },
    'transfers:list': async () => {
      await restored;
      return queue.list().map((t) => (t.error ? { ...t, error: forWindow(t.error) } : t));
    },
    'transfers:pause': async ({ id }) => (queue.pause(id), null),
    'transfers:resume': async ({ id }) => (queue.resume(id), null),
    'transfers:cancel': async ({ id }) => (await queue.cancel(id), null),
    'transfers:retry': async ({ id }) => (queue.retry(id), null),
    'transfers:clear': async () => (queue.clearFinished(), null),
    'multipart:list': async ({ account, bucket }) => {
      known.bucket(account, bucket);
      const conn = await connection(account);
      const out = [];
      for (const u of await conn.storage.listMultipartUploads(bucket)) {
        known.learnUpload(account, bucket, u.key, u.uploadId);
        out.push({ ...u, ...(await conn.storage.multipartUsage(bucket, u.key, u.uploadId)) });
      }
      return out;
    },
    'multipart:abort': async ({ account, bucket, key, uploadId }) => {
      known.upload(account, bucket, key, uploadId);
      await ferry.uploadStates.abortFromOutside((await connection(account)).storage, bucket, key, uploadId);
      return null;
    },
  } satisfies Pick<
    Handlers,
    'uploads:add' | 'downloads:add' | 'downloads:reveal' | 'transfers:list' | 'transfers:pause' | 'transfers:resume' | 'transfers:cancel' | 'transfers:retry' | 'transfers:clear' | 'multipart:list' | 'multipart:abort'
  >;
}
