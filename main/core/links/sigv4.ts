import { createHash, createHmac } from 'node:crypto';
import { FerryError } from '../errors';
import { checkBucketReference, checkKey, isDnsCompatibleBucket } from '../s3/names';
import type { Credentials } from '../secrets/secrets';
import type { Profile } from '../s3/client';
import { checkRegion } from '../s3/hosts';
import { servedAs, type Served } from './served';

/** RFC 3986 encoding as SigV4 wants it: everything but A-Z a-z 0-9 - _ . ~ is %XX (upper case). */
export function uriEncode(value: string): string {
  return encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

const encodePath = (key: string) => key.split('/').map(uriEncode).join('/');

export interface PresignTarget {
  /** Endpoint URL, e.g. https://gateway.storjshare.io; undefined for AWS's own. */
  endpoint?: string;
  region: string;
  pathStyle: boolean;
  /** The SDK asks for response checksums (x-amz-checksum-mode) unless set to WHEN_REQUIRED. */
  checksumMode: boolean;
}

/**
 * Presigned GET URLs by SigV4 query signing, computed directly: the signing key (four HMACs) is
 * derived once per day and region and reused, so a link costs one SHA-256 and one HMAC. The
 * output is the URL the AWS SDK's getSignedUrl produces for the same request (tests compare
 * them), at many times the rate.
 */
/**
 * The SigV4 signing key of one secret, region and service, derived (four HMACs) once per day and
 * reused: by the presigner and by Ferry's own request signer (s3/request-signer.ts).
 */
export class SigningKeys {
  private cache: { scope: string; key: Buffer } | undefined;
  constructor(
    private readonly secretAccessKey: string,
    private readonly region: string,
    private readonly service = 's3',
  ) {}

  /** The key for a date (YYYYMMDD). */
  forDate(date: string): Buffer {
    const scope = `${date}/${this.region}/${this.service}`;
    if (this.cache?.scope !== scope) {
      const kDate = createHmac('sha256', `AWS4${this.secretAccessKey}`).update(date).digest();
      const kRegion = createHmac('sha256', kDate).update(this.region).digest();
      const kService = createHmac('sha256', kRegion).update(this.service).digest();
      this.cache = { scope, key: createHmac('sha256', kService).update('aws4_request').digest() };
    }
    return this.cache.key;
  }
}

export class FastPresigner {
  private readonly keys: SigningKeys;

  constructor(
    private readonly target: PresignTarget,
    private readonly credentials: Credentials,
  ) {
    // The region is part of AWS's host name and of every signature: a DNS name, or nothing is signed.
    checkRegion(target.region);
    this.keys = new SigningKeys(credentials.secretAccessKey, target.region);
  }

  /** The signer for a resolved profile (its endpoint, region, addressing and checksum mode). */
  static forProfile(profile: Pick<Profile, 'endpoint' | 'region' | 'pathStyle' | 'checksums' | 'credentials'>): FastPresigner {
    return new FastPresigner(
      { ...(profile.endpoint ? { endpoint: profile.endpoint } : {}), region: profile.region, pathStyle: profile.pathStyle, checksumMode: profile.checksums === 'when-supported' },
      profile.credentials,
    );
  }

  /** Whether this signer builds the same URL the SDK would; exotic cases are left to the SDK. */
  static supports(target: PresignTarget, bucket: string): boolean {
    // AWS's own endpoints pick path or virtual-hosted style per bucket name; dotted names differ.
    // A name that cannot be a host label goes in the path, as the SDK does.
    return !(target.endpoint === undefined && bucket.includes('.')) && (target.pathStyle || isDnsCompatibleBucket(bucket));
  }

  canSign(bucket: string): boolean {
    return FastPresigner.supports(this.target, bucket);
  }

  /** A GET link; `served` sets the response's type and disposition (see served.ts). */
  presignGet(bucket: string, key: string, expiresIn: number, signingDate: Date, served: Served = servedAs(key)): string {
    // A bucket name is never trusted to build a host: "evil.example/" would change where the link points.
    checkBucketReference(bucket);
    checkKey(key);
    if (!FastPresigner.supports(this.target, bucket)) throw new FerryError('BAD_BUCKET_NAME', `"${bucket}" cannot be signed as part of a host name; use path-style addressing.`);
    const base = this.target.endpoint ? new URL(this.target.endpoint) : new URL(`https://s3.${this.target.region}.amazonaws.com`);
    const basePath = base.pathname.replace(/\/+$/, '');
    let host = base.host;
    let path: string;
    if (this.target.pathStyle) {
      path = `${basePath}/${uriEncode(bucket)}/${encodePath(key)}`;
    } else {
      host = `${bucket}.${base.host}`;
      path = `${basePath}/${encodePath(key)}`;
    }
    const amzDate = signingDate.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
    const date = amzDate.slice(0, 8);
    const scope = `${date}/${this.target.region}/s3/aws4_request`;
    const params: Array<[string, string]> = [
      ['X-Amz-Algorithm', 'AWS4-HMAC-SHA256'],
      ['X-Amz-Content-Sha256', 'UNSIGNED-PAYLOAD'],
      ['X-Amz-Credential', `${this.credentials.accessKeyId}/${scope}`],
      ['X-Amz-Date', amzDate],
      ['X-Amz-Expires', String(expiresIn)],
      ['X-Amz-SignedHeaders', 'host'],
      ['x-id', 'GetObject'],
    ];
    if (this.target.checksumMode) params.push(['x-amz-checksum-mode', 'ENABLED']);
    if (this.credentials.sessionToken) params.push(['X-Amz-Security-Token', this.credentials.sessionToken]);
    if (served.disposition) params.push(['response-content-disposition', served.disposition]);
    params.push(['response-content-type', served.contentType]);
    const encoded = params.map(([k, v]) => [uriEncode(k), uriEncode(v)] as [string, string]).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    const query = encoded.map(([k, v]) => `${k}=${v}`).join('&');
    const canonical = `GET\n${path}\n${query}\nhost:${host}\n\nhost\nUNSIGNED-PAYLOAD`;
    const stringToSign = `AWS4-HMAC-SHA256\n${amzDate}\n${scope}\n${createHash('sha256').update(canonical).digest('hex')}`;
    const signature = createHmac('sha256', this.keys.forDate(date)).update(stringToSign).digest('hex');
    encoded.push(['X-Amz-Signature', signature]);
    encoded.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `${base.protocol}//${host}${path}?${encoded.map(([k, v]) => `${k}=${v}`).join('&')}`;
  }
}
