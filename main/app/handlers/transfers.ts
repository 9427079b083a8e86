import { FerryError } from '../../core/errors';
import { expandDrop, skippedReason } from '../../core/transfers/drop';
import { existingKeys } from '../../core/s3/collect';
import { unreachable } from '../../core/transfers/offline';
import { planDownload } from '../../core/transfers/targets';
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
  return {
    'uploads:add': async ({ account, bucket, prefix, paths, onExisting = 'ask' }) => {
      await grants.check(paths);
      await ferry.accounts.get(account);
      known.newFolder(account, bucket, prefix);
      const outside: string[] = [];
      const other: string[] = [];
      let files = await expandDrop(paths, prefix, (s) => (s.kind === 'outside' ? outside.push(`${s.link} → ${s.target}`) : other.push(`${s.link} (${skippedReason(s, '')})`)));
      const some = (list: string[]) => `${list.slice(0, 3).join(', ')}${list.length > 3 ? ', …' : ''}`;
      if (outside.length) {
        emit('notice', {
          message: `${outside.length} symbolic link${outside.length === 1 ? '' : 's'} in the dropped folder point${outside.length === 1 ? 's' : ''} outside it and ${outside.length === 1 ? 'was' : 'were'} not uploaded: ${some(outside)}. Drop the files they point to if you want them.`,
        });
      }
      if (other.length) emit('notice', { message: `${other.length} item${other.length === 1 ? '' : 's'} in the dropped folder ${other.length === 1 ? 'is' : 'are'} not ${other.length === 1 ? 'a file' : 'files'} and ${other.length === 1 ? 'was' : 'were'} not uploaded: ${some(other)}.` });
      if (!files.length) throw new FerryError('FILE_NOT_FOUND', 'Nothing to upload: the dropped folders contain no files.');
      const conn = await connection(account);
      if (onExisting === 'replace') {
        // Nothing to ask when replacing, but one question tells whether the uploads must wait for
        // the network (what it answers, a refusal included, is for the uploads to meet).
        const reached = await conn.storage.exists(bucket, files[0]!.key).then(() => true, (err: unknown) => !unreachable(err));
        if (!reached) return waiting.uploads({ account, bucket, prefix, endpoint: conn.storage.endpoint }, files, false);
      } else {
        const taken = await existingKeys(conn.storage, bucket, files.map((f) => f.key)).catch(unlessOffline);
        // Unanswered: each is stored only where nothing is, and never replaces a file it finds there.
        if (!taken) return waiting.uploads({ account, bucket, prefix, endpoint: conn.storage.endpoint }, files, true);
        if (taken.size && onExisting === 'ask') {
          const names = [...taken].slice(0, 5).map((k) => k.slice(k.lastIndexOf('/') + 1));
          throw new FerryError(
            'OBJECTS_EXIST',
            files.length === 1
              ? `${names[0]} already exists in ${bucket}/${prefix}.`
              : `${taken.size} of these ${files.length} files already ${taken.size === 1 ? 'exists' : 'exist'} in ${bucket}: ${names.join(', ')}${taken.size > 5 ? ', …' : ''}.`,
          );
        }
        files = files.filter((f) => !taken.has(f.key));
        if (!files.length) return [];
      }
      const added = queue.add(files.map((f) => ({ account, bucket, key: f.key, file: f.file, size: f.size })));
      drops.track(added, { direction: 'upload', bucket, prefix });
      return added;
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
