/**
 * A whole listing held in memory, bounded (MAX_COLLECTED). Loads no S3 SDK (Storage is only a
 * type here), so modules on the CLI's SDK-free start-up path (sharing.ts, via ferry.ts) can use it.
 */
import { MAX_COLLECTED } from './names';
import type { ObjectInfo, Storage } from './storage';

/** Every object at or below a key prefix (a folder's marker object included), in listing order. */
export async function objectsUnder(storage: Storage, bucket: string, prefix: string, signal?: AbortSignal, limit = MAX_COLLECTED): Promise<ObjectInfo[]> {
  const out: ObjectInfo[] = [];
  for await (const page of storage.listObjects(bucket, prefix, { recursive: true, limit, ...(signal ? { signal } : {}) })) out.push(...page.objects);
  return out;
}

/**
 * Which of these keys already hold an object (the window's drop, the CLI's --no-clobber). A few
 * are checked one by one; many against a listing of their common folder, so 10,000 files cost a
 * few requests.
 */
export async function existingKeys(storage: Storage, bucket: string, keys: string[], signal?: AbortSignal): Promise<Set<string>> {
  const found = new Set<string>();
  if (keys.length <= 32) {
    const answers = await Promise.all(keys.map(async (k) => ((await storage.exists(bucket, k, signal)) ? k : undefined)));
    for (const k of answers) if (k) found.add(k);
    return found;
  }
  let prefix = keys[0] ?? '';
  for (const k of keys) while (!k.startsWith(prefix)) prefix = prefix.slice(0, -1);
  const wanted = new Set(keys);
  for await (const page of storage.listObjects(bucket, prefix, { recursive: true, limit: MAX_COLLECTED, ...(signal ? { signal } : {}) })) {
    for (const o of page.objects) if (wanted.has(o.key)) found.add(o.key);
  }
  return found;
}

/** Whether anything is stored below this prefix taken as a folder (one short listing). */
export async function isFolder(storage: Storage, bucket: string, key: string, signal?: AbortSignal): Promise<boolean> {
  const prefix = key && !key.endsWith('/') ? `${key}/` : key;
  // The first page that holds anything answers it: nothing more is asked for.
  for await (const page of storage.listObjects(bucket, prefix, { recursive: true, ...(signal ? { signal } : {}) })) if (page.objects.length) return true;
  return false;
}
