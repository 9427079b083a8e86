import { safeLines } from '../core/text';

/**
 * The core's messages name CLI commands where a user can act ("create it with: ferry mb …").
 * In the window the same action is a button; this says so instead. One place, used for every
 * error the window shows (handler errors and failed uploads alike).
 */
const REWRITES: Array<[RegExp, string]> = [
  [/Check the name, or create it with: ferry mb s3:\/\/\S+/, 'Check the name, or make it with “+ New bucket” in the sidebar.'],
  [/Check the name \(ferry ls lists your buckets\)\./, 'Check the name: the sidebar lists your buckets.'],
  [/Check the key with: ferry ls s3:\/\/\S+/, 'Refresh the list to see what is there now.'],
  [/run ferry uploads abort s3:\/\/\S+ --upload-id \S+/, 'remove them under “Unfinished uploads” beside the bucket’s files'],
  [/remove them with: ferry uploads abort s3:\/\/\S+ --upload-id \S+/, 'remove them under “Unfinished uploads” beside the bucket’s files'],
  [/Give the right keys with: ferry accounts update \S+ --keys/, 'Type the right keys in the account’s settings and save again.'],
  [/give its keys again with: ferry accounts update \S+ --keys/, 'type its keys again in the account’s settings.'],
  [/Give its keys again with: ferry accounts update \S+ --keys/, 'Type its keys again in the account’s settings.'],
  [/change that account with: ferry accounts update \S+ --keys \(or --endpoint-url, --region\)/, 'change that account in its settings.'],
  [/Add one with: ferry accounts add[^.]*(\.|$)/, 'Add one with “+ Add account”.'],
  [/add the account with the CLI's --allow-link-local-endpoint/, 'add the account with the ferry command and its --allow-link-local-endpoint option'],
  // The window stores only where nothing is when it could not ask which names were taken (offline: waiting-transfers.ts).
  [
    /s3:\/\/(.+?) already exists; not replaced \(--no-clobber\)\./,
    '$1 already exists, so it was not replaced: the server could not be asked which names were taken when this upload was added, so Ferry uploads it only where nothing is. To replace it, upload the file again and choose “Replace them”.',
  ],
];

export function forWindow(message: string): string {
  let out = message;
  for (const [pattern, replacement] of REWRITES) out = out.replace(pattern, replacement);
  // A key or a server's words inside a message cannot disguise themselves or the message.
  return safeLines(out);
}

/** An object's name as messages give it: the last segment of its key. */
export const leafOf = (key: string): string => key.slice(key.lastIndexOf('/') + 1) || key;
