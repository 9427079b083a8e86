/**
 * SigV4 header signing for the requests Ferry sends itself (issue 21's lean request path): the
 * Authorization header the AWS SDK's signer (@smithy/signature-v4, as the S3 client configures
 * it: no double encoding of the path) computes for the same request, byte for byte
 * (test/unit/request-signer.test.ts compares them), from the signing key the presigner caches.
 */
import { createHash, createHmac } from 'node:crypto';
import { amzDate, byCodeUnit, SigningKeys } from '../links/sigv4';
import { uriEncode } from './uri';
import type { Credentials } from '../secrets/secrets';

/** One request as it will go on the wire. */
export interface SignableRequest {
  method: string;
  /** Host, with the port when it is not the scheme's default, as the Host header carries it. */
  host: string;
  /** The path as sent, already encoded (S3 signs it as is). */
  path: string;
  /** Query parameters, not encoded; a key may come more than once. */
  query: Array<[string, string]>;
  /** Headers to send and sign (any case); the signer adds its own. */
  headers: Record<string, string>;
  /** The body's SHA-256 in hex, or UNSIGNED-PAYLOAD (the body then carries Content-MD5, which the server checks). */
  payloadHash: string;
}

/** Headers never signed (the SDK's list): a proxy or the HTTP layer may change them on the way. */
const UNSIGNED = new Set(['authorization', 'cache-control', 'connection', 'expect', 'from', 'keep-alive', 'max-forwards', 'pragma', 'referer', 'te', 'trailer', 'transfer-encoding', 'upgrade', 'user-agent', 'x-amzn-trace-id']);

export class RequestSigner {
  private readonly keys: SigningKeys;

  constructor(
    private readonly credentials: Credentials,
    private readonly region: string,
    private readonly service = 's3',
  ) {
    this.keys = new SigningKeys(credentials.secretAccessKey, region, service);
  }

  /** The headers to send: the request's own, Host, and the signer's (x-amz-date, x-amz-content-sha256, the session token, Authorization). */
  sign(req: SignableRequest, at: Date): Record<string, string> {
    const stamp = amzDate(at);
    const date = stamp.slice(0, 8);
    const headers: Record<string, string> = { ...req.headers, host: req.host, 'x-amz-date': stamp, 'x-amz-content-sha256': req.payloadHash };
    if (this.credentials.sessionToken) headers['x-amz-security-token'] = this.credentials.sessionToken;
    const canonical = new Map<string, string>();
    for (const name of Object.keys(headers).sort()) {
      const lower = name.toLowerCase();
      if (UNSIGNED.has(lower) || lower.startsWith('proxy-') || lower.startsWith('sec-')) continue;
      canonical.set(lower, headers[name]!.replace(/[\r\n]/g, ' ').replace(/[ \t]+/g, ' ').replace(/^ | $/g, ''));
    }
    const names = [...canonical.keys()].sort(byCodeUnit);
    // Query: encoded keys in order; a key given more than once, its pairs in order.
    const grouped = new Map<string, string[]>();
    for (const [k, v] of req.query) {
      const key = uriEncode(k);
      if (key.toLowerCase() === 'x-amz-signature') continue;
      grouped.set(key, [...(grouped.get(key) ?? []), `${key}=${uriEncode(v)}`]);
    }
    const query = [...grouped.keys()]
      .sort(byCodeUnit)
      .map((k) => grouped.get(k)!.sort().join('&'))
      .join('&');
    const request = `${req.method}\n${req.path}\n${query}\n${names.map((n) => `${n}:${canonical.get(n)}`).join('\n')}\n\n${names.join(';')}\n${req.payloadHash}`;
    const scope = `${date}/${this.region}/${this.service}/aws4_request`;
    const toSign = `AWS4-HMAC-SHA256\n${stamp}\n${scope}\n${createHash('sha256').update(request).digest('hex')}`;
    const signature = createHmac('sha256', this.keys.forDate(date)).update(toSign).digest('hex');
    return { ...headers, authorization: `AWS4-HMAC-SHA256 Credential=${this.credentials.accessKeyId}/${scope}, SignedHeaders=${names.join(';')}, Signature=${signature}` };
  }
}
