import { isFerryError } from '../core/errors';
import type { Connection } from '../core/ferry';
import { usage } from './context';

/**
 * How the CLI names keys from what the user typed, in one place: a folder is a prefix ending in
 * '/', and a target that is a folder keeps the name of what goes into it.
 */

/** A prefix as a folder: '' stays the whole bucket; any other prefix ends in '/' (s3://b/photos is the folder s3://b/photos/). */
export function asFolder(prefix: string): string {
  return prefix && !prefix.endsWith('/') ? `${prefix}/` : prefix;
}

/** The key for something named `name` sent to `key`: a key that is empty or ends in '/' keeps the name. */
export function intoKey(key: string, name: string): string {
  return !key || key.endsWith('/') ? `${key}${name}` : key;
}

/**
 * Runs an action on one object; if there is no such object but there is a folder of that name,
 * the mistake is said as aws s3 says it: the folder needs --recursive (a usage mistake, exit 2).
 */
export async function oneObject<T>(c: Connection, bucket: string, key: string, doing: string, action: () => Promise<T>): Promise<T> {
  try {
    return await action();
  } catch (err) {
    if (!isFerryError(err, 'NO_SUCH_KEY')) throw err;
    const { isFolder } = await import('../core/s3/collect');
    if (await isFolder(c.storage, bucket, key).catch(() => false)) throw usage(`s3://${bucket}/${asFolder(key)} is a folder; ${doing} a folder and everything in it needs --recursive.`);
    throw err;
  }
}
