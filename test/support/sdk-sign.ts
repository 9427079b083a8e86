/** The AWS SDK's own SigV4 signer, configured as the S3 client configures it: the oracle Ferry's signer is compared with. */
import { HttpRequest } from '@smithy/core/protocols';
import { SignatureV4 } from '@smithy/signature-v4';
import { createHash, createHmac, type Hash, type Hmac } from 'node:crypto';
import type { SignableRequest } from '../../main/core/s3/request-signer';

const bytes = (d: string | ArrayBuffer | ArrayBufferView): string | Uint8Array => (typeof d === 'string' ? d : d instanceof ArrayBuffer ? new Uint8Array(d) : new Uint8Array(d.buffer, d.byteOffset, d.byteLength));

/** SHA-256 (or its HMAC, given a secret) as the SDK's signer asks for one. */
class NodeSha256 {
  private readonly h: Hash | Hmac;
  constructor(secret?: string | ArrayBuffer | ArrayBufferView) {
    this.h = secret === undefined ? createHash('sha256') : createHmac('sha256', bytes(secret));
  }
  update(data: string | ArrayBuffer | ArrayBufferView): void {
    this.h.update(bytes(data));
  }
  async digest(): Promise<Uint8Array> {
    return new Uint8Array(this.h.digest());
  }
}

/** The headers the SDK's signer gives a request (S3 paths are signed as sent: no double encoding). */
export async function sdkSign(req: SignableRequest, creds: { accessKeyId: string; secretAccessKey: string; sessionToken?: string }, region: string, at: Date) {
  const signer = new SignatureV4({ credentials: creds, region, service: 's3', sha256: NodeSha256, uriEscapePath: false, applyChecksum: false });
  const query: Record<string, string | string[]> = {};
  for (const [k, v] of req.query) query[k] = k in query ? [...([] as string[]).concat(query[k]!), v] : v;
  const http = new HttpRequest({ method: req.method, protocol: 'https:', hostname: req.host, path: req.path, query, headers: { ...req.headers, host: req.host, 'x-amz-content-sha256': req.payloadHash } });
  const signed = await signer.sign(http, { signingDate: at });
  return signed.headers;
}
