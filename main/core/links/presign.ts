import type { S3Client } from '@aws-sdk/client-s3';
import type { Clock } from '../clock';
import { FerryError } from '../errors';
import { checkBucketReference, checkKey } from '../s3/names';
import type { Credentials } from '../secrets/secrets';
import { checkExpiry } from './expiry';
import { servedAs } from './served';
import type { FastPresigner } from './sigv4';

export interface PresignRequest {
  bucket: string;
  key: string;
  expiresIn: number;
  /** Name the browser saves the download as. */
  filename?: string;
  /** A page Ferry wrote itself (a file request, a many-files page): the one kind of HTML a link shows. Never set from a window's or a user's request. */
  page?: boolean;
}

export interface ShareLink {
  url: string;
  bucket: string;
  key: string;
  createdAt: string;
  /** When the link stops working: the asked expiry, or earlier when the credentials expire first. */
  expiresAt: string;
  /** The link's real lifetime in seconds. */
  lifetimeSeconds: number;
  /** Why the lifetime is what it is. */
  limitedBy: 'expiry' | 'credentials';
  /** Signed with temporary credentials: the link dies with them even where their expiry is unknown. */
  temporaryCredentials: boolean;
}

export { contentDisposition } from './served';

/** The SDK's signer, loaded only for the links the FastPresigner leaves to it. */
async function sdkPresign(client: S3Client, input: { Bucket: string; Key: string; ResponseContentType: string; ResponseContentDisposition?: string }, expiresIn: number, signingDate: Date): Promise<string> {
  const [{ GetObjectCommand }, { getSignedUrl }] = await Promise.all([import('@aws-sdk/client-s3'), import('@aws-sdk/s3-request-presigner')]);
  return getSignedUrl(client, new GetObjectCommand(input), { expiresIn, signingDate });
}

/**
 * Signs a GET link. With a FastPresigner (one per connection, its signing key cached per day) the
 * URL is computed directly; otherwise, or for cases it leaves to the SDK, getSignedUrl signs it.
 * Every link names how the browser gets the object (see served.ts): no link Ferry makes shows
 * active content inline, whatever the server stored.
 */
export async function presignGet(client: () => S3Client | Promise<S3Client>, credentials: Credentials, req: PresignRequest, clock: Clock, fast?: FastPresigner): Promise<ShareLink> {
  checkExpiry(req.expiresIn);
  checkBucketReference(req.bucket);
  checkKey(req.key);
  const now = clock.now();
  const signingDate = new Date(Math.floor(now / 1000) * 1000);
  const served = servedAs(req.key, { ...(req.filename ? { filename: req.filename } : {}), ...(req.page ? { page: true } : {}) });
  const url =
    fast && fast.canSign(req.bucket)
      ? fast.presignGet(req.bucket, req.key, req.expiresIn, signingDate, served)
      : await sdkPresign(await client(), { Bucket: req.bucket, Key: req.key, ResponseContentType: served.contentType, ...(served.disposition ? { ResponseContentDisposition: served.disposition } : {}) }, req.expiresIn, signingDate);
  if (credentials.expiration && credentials.expiration.getTime() <= signingDate.getTime()) {
    throw new FerryError('BAD_CREDENTIALS', `The temporary credentials expired at ${credentials.expiration.toISOString()}, so a link signed with them would not work at all. Get fresh credentials and sign again.`);
  }
  let expiresAtMs = signingDate.getTime() + req.expiresIn * 1000;
  let limitedBy: ShareLink['limitedBy'] = 'expiry';
  if (credentials.expiration && credentials.expiration.getTime() < expiresAtMs) {
    expiresAtMs = Math.max(credentials.expiration.getTime(), signingDate.getTime());
    limitedBy = 'credentials';
  }
  return {
    url,
    bucket: req.bucket,
    key: req.key,
    createdAt: signingDate.toISOString(),
    expiresAt: new Date(expiresAtMs).toISOString(),
    lifetimeSeconds: Math.round((expiresAtMs - signingDate.getTime()) / 1000),
    limitedBy,
    temporaryCredentials: Boolean(credentials.sessionToken),
  };
}
