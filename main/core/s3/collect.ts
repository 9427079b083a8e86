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
