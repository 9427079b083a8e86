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
