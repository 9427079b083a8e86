import { FerryError } from '../../core/errors';
import { moveObjects } from '../../core/s3/copy';
import { createFolder, deleteBucket, deleteObjects, searchObjects } from '../../core/s3/manage';
import { PAGES_PREFIX } from '../../core/s3/names';
import { preview } from '../../core/s3/preview';
import type { ObjectInfo } from '../../core/s3/storage';
import { requireTested, type HandlerContext, type Handlers } from './context';

const objectView = (o: ObjectInfo) => ({ key: o.key, size: o.size, ...(o.lastModified ? { lastModified: o.lastModified } : {}) });

/** Buckets and the objects in them: listing, searching, quick look, folders, moves and deletes. */
export function objectHandlers({ ferry, connection, known, seeded }: HandlerContext) {
  return {
    'buckets:list': async ({ account }) => {
      const buckets = await (await connection(account)).storage.listBuckets();
      known.learnBuckets(account, buckets.map((b) => b.name));
      return buckets;
    },
    'buckets:create': async ({ account, bucket }) => {
      await (await connection(account)).storage.createBucket(bucket);
      known.learnBuckets(account, [bucket]);
      return null;
    },
    'buckets:delete': async ({ account, bucket, withContents, typedName }) => {
      known.bucket(account, bucket);
      if (withContents && typedName !== bucket) throw new FerryError('USAGE', `Type the bucket's name, ${bucket}, to delete it with everything in it.`);
      const out = await deleteBucket((await connection(account)).storage, bucket, { withContents: Boolean(withContents) });
      const p = await ferry.preferences.get();
      if (p.lastLocation?.account === account && p.lastLocation.bucket === bucket) await ferry.preferences.set({ lastLocation: { account } });
      return out;
    },
    'objects:list': async ({ account, bucket, prefix, token }) => {
      await seeded;
      known.folder(account, bucket, prefix);
      const listing = JSON.stringify(['list', account, bucket, prefix]);
      known.token(listing, token);
      const conn = await connection(account);
      const page = await conn.storage.listPage(bucket, prefix, token ? { token } : {});
      known.nextToken(listing, token, page.nextToken, conn.storage.endpoint);
      known.learnKeys(account, bucket, [...page.folders, ...page.objects.map((o) => o.key)]);
      // Ferry's own pages (.ferry/, where shares and file requests live) are the Links and
      // Requests places, not a folder of the user's: the list does not show them.
      const folders = prefix === '' ? page.folders.filter((f) => f !== PAGES_PREFIX) : page.folders;
      return { folders, objects: page.objects.map(objectView), ...(page.nextToken ? { nextToken: page.nextToken } : {}) };
    },
    'objects:delete': async ({ account, bucket, keys }) => {
      for (const k of keys) known.key(account, bucket, k);
      return { deleted: await deleteObjects((await connection(account)).storage, bucket, keys) };
    },
    'objects:move': async ({ account, bucket, from, to }) => {
      known.key(account, bucket, from);
      const moved = await moveObjects((await connection(account)).storage, bucket, from, to);
      known.learnKeys(account, bucket, [to, ...moved.map((m) => m.to)]);
      return { moved: moved.length };
    },
    'objects:createFolder': async ({ account, bucket, prefix, name }) => {
      known.folder(account, bucket, prefix);
      const made = await createFolder((await connection(account)).storage, bucket, prefix, name);
      known.learnKeys(account, bucket, [made]);
      return { prefix: made };
    },
    'objects:search': async ({ account, bucket, prefix, query, token }) => {
      known.folder(account, bucket, prefix);
      const listing = JSON.stringify(['search', account, bucket, prefix, query]);
      known.token(listing, token);
      const conn = await connection(account);
      const found = await searchObjects(conn.storage, bucket, prefix, query, token ? { token } : {});
      known.nextToken(listing, token, found.nextToken, conn.storage.endpoint);
      known.learnKeys(account, bucket, found.objects.map((o) => o.key));
      return { objects: found.objects.filter((o) => !o.key.startsWith(PAGES_PREFIX)).map(objectView), ...(found.nextToken ? { nextToken: found.nextToken } : {}), scanned: found.scanned };
    },
    'objects:preview': async ({ account, bucket, key }) => {
      known.key(account, bucket, key);
      await requireTested(ferry, account, 'Quick look');
      return preview((await connection(account)).storage, bucket, key);
    },
  } satisfies Pick<Handlers, 'buckets:list' | 'buckets:create' | 'buckets:delete' | 'objects:list' | 'objects:delete' | 'objects:move' | 'objects:createFolder' | 'objects:search' | 'objects:preview'>;
}
