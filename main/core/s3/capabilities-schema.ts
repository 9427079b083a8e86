/**
 * What "Test connection" learned about a server, as settings.json stores it. Apart from the
 * probes (capabilities.ts) so reading settings loads no S3 SDK.
 */
import { z } from 'zod';

export const CapabilitiesSchema = z.object({
  checkedAt: z.string(),
  /** The bucket the probes ran in. */
  bucket: z.string(),
  multipart: z.boolean(),
  listParts: z.boolean(),
  listMultipartUploads: z.boolean(),
  abortMultipart: z.boolean(),
  /** The server refuses a body whose Content-MD5 does not match. */
  verifiesContentMd5: z.boolean(),
  /** Flexible checksums the server accepts when right and refuses when wrong. */
  checksums: z.array(z.enum(['CRC32', 'CRC32C', 'CRC64NVME'])),
  /** Virtual-hosted requests (bucket.host) do not reach this server: path-style only. */
  pathStyleOnly: z.boolean(),
  /** The region the server names for the bucket, when it names one. */
  region: z.string().optional(),
  /** Server clock minus this computer's, in whole seconds (SigV4 allows 15 minutes). */
  clockSkewSeconds: z.number(),
  /** Browser-form uploads (POST with a signed policy) work. */
  postPolicy: z.boolean(),
  /** Such an upload keeps the Content-Disposition its form sets (Ceph drops it); unknown before this was tested. */
  postKeepsDisposition: z.boolean().optional(),
});
export type Capabilities = z.infer<typeof CapabilitiesSchema>;
