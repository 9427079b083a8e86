/**
 * What "Test connection" learned about a server, as settings.json stores it. Apart from the
 * probes (capabilities.ts) so reading settings loads no S3 SDK.
 */
import { arr, bool, num, obj, oneOf, opt, str, type Infer } from '../shape';

export const CapabilitiesSchema = obj({
  checkedAt: str(),
  /** The bucket the probes ran in. */
  bucket: str(),
  multipart: bool(),
  listParts: bool(),
  listMultipartUploads: bool(),
  abortMultipart: bool(),
  /** The server refuses a body whose Content-MD5 does not match. */
  verifiesContentMd5: bool(),
  /** Flexible checksums the server accepts when right and refuses when wrong. */
  checksums: arr(oneOf(['CRC32', 'CRC32C', 'CRC64NVME'])),
  /** Virtual-hosted requests (bucket.host) do not reach this server: path-style only. */
  pathStyleOnly: bool(),
  /** The region the server names for the bucket, when it names one. */
  region: opt(str()),
  /** Server clock minus this computer's, in whole seconds (SigV4 allows 15 minutes). */
  clockSkewSeconds: num(),
  /**
   * A PUT with If-None-Match: * is refused where the key holds an object: a name another writer
   * takes while Ferry uploads is never replaced. Unknown before this was tested.
   */
  conditionalWrites: opt(bool()),
  /** Browser-form uploads (POST with a signed policy) work. */
  postPolicy: bool(),
  /** Such an upload keeps the Content-Disposition its form sets (Ceph drops it); unknown before this was tested. */
  postKeepsDisposition: opt(bool()),
});
export type Capabilities = Infer<typeof CapabilitiesSchema>;
