import type { S3Client } from '@aws-sdk/client-s3';
import type { Clock } from '../clock';
import { checkBucketReference, checkKey } from '../s3/names';
import type { Credentials } from '../secrets/secrets';
import { checkExpiry } from './expiry';
import type { FastPresigner } from './sigv4';

export interface PresignRequest {
  bucket: string;
  key: string;
  expiresIn: number;
  /** Name the browser saves the download as. */
  filename?: string;
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

/**
 * `attachment; filename="ascii"; filename*=UTF-8''percent-encoded` (RFC 6266 with RFC 5987), so
 * every browser saves the download under the given name, non-ASCII names included.
 */
export function contentDisposition(filename: string): string {
  const clean = filename.replace(/[\r\n"\\/]/g, '_');
  const ascii = clean.normalize('NFKD').replace(/[^\x20-\x7e]/g, '_');
  const encoded = encodeURIComponent(clean).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  return ascii === clean ? `attachment; filename="${ascii}"` : `attachment; filename="${ascii}"; filename*=UTF-8''${encoded}`;
}

/** The SDK's signer, loaded only for the links the FastPresigner leaves to it. */
async function sdkPresign(client: S3Client, input: { Bucket: string; Key: string; ResponseContentDisposition?: string }, expiresIn: number, signingDate: Date): Promise<string> {
  const [{ GetObjectCommand }, { getSignedUrl }] = await Promise.all([import('@aws-sdk/client-s3'), import('@aws-sdk/s3-request-presigner')]);
  return getSignedUrl(client, new GetObjectCommand(input), { expiresIn, signingDate });
}

/**
 * Signs a GET link. With a FastPresigner (one per connection, its signing key cached per day) the
 * URL is computed directly; otherwise, or for cases it leaves to the SDK, getSignedUrl signs it.
 */
export async function presignGet(client: () => S3Client | Promise<S3Client>, credentials: Credentials, req: PresignRequest, clock: Clock, fast?: FastPresigner): Promise<ShareLink> {
  checkExpiry(req.expiresIn);
  checkBucketReference(req.bucket);
  checkKey(req.key);
  const now = clock.now();
  const signingDate = new Date(Math.floor(now / 1000) * 1000);
  const disposition = req.filename ? contentDisposition(req.filename) : undefined;
  const url =
    fast && fast.canSign(req.bucket)
      ? fast.presignGet(req.bucket, req.key, req.expiresIn, signingDate, disposition)
      : await sdkPresign(await client(), { Bucket: req.bucket, Key: req.key, ...(disposition ? { ResponseContentDisposition: disposition } : {}) }, req.expiresIn, signingDate);
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
