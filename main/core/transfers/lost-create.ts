/**
 * What Ferry says and waits for about an empty upload a lost CreateMultipartUpload may have
 * started (the sweep is in endings.ts). No imports: the CLI's messages use it without loading
 * the S3 SDK.
 */

/**
 * How long an empty upload found in a lost Create's window must have existed before the sweep
 * removes it. Another writer's upload of the same key, started in the same seconds, is empty too
 * until its first part arrives; one still empty after this long is taken for the lost Create's.
 * Until then it stays (an empty upload stores nothing and costs nothing) and a later run, or the
 * window's next start, looks again.
 */
export const LOST_CREATE_QUIET_MS = 15 * 60_000;

/**
 * How an empty upload a lost Create may have started goes: it stores nothing, and a later run
 * removes it once it has stayed empty for the quiet time (or the user, by its ID).
 */
export function emptyUploadGoes(req: { bucket: string; key: string }, quietMs: number): string {
  const minutes = Math.max(1, Math.round(quietMs / 60_000));
  const where = `s3://${req.bucket}/${req.key}`;
  return `It stores nothing; Ferry removes it the next time it uploads this file after it has stayed empty for ${minutes} minute${minutes === 1 ? '' : 's'} (until then it cannot tell it from another writer's upload that just began). To remove it sooner, find it with ferry uploads ls ${where} and, if it is not someone else's, run ferry uploads abort ${where} --upload-id ID.`;
}

/** Says that an empty upload a lost Create started is left for now, and how it goes. */
export function youngLeftover(req: { bucket: string; key: string }, quietMs: number): string {
  return `The server may also hold an empty upload of s3://${req.bucket}/${req.key} started by a request whose answer was lost. ${emptyUploadGoes(req, quietMs)}`;
}
