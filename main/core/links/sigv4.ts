import { createHash, createHmac } from 'node:crypto';
import { addressOf, canAddress, type AddressTarget } from '../s3/address';
import { checkKey } from '../s3/names';
import { uriEncode } from '../s3/uri';
import type { Credentials } from '../secrets/secrets';
import type { Profile } from '../s3/client';
import { checkRegion } from '../s3/hosts';
import { servedAs, type Served } from './served';

export interface PresignTarget extends AddressTarget {
  /** The SDK asks for response checksums (x-amz-checksum-mode) unless set to WHEN_REQUIRED. */
  checksumMode: boolean;
}

/** SigV4's timestamp (YYYYMMDDTHHMMSSZ) of a moment; its first 8 characters are the scope's date. */
export const amzDate = (at: Date) => at.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');

/** SigV4's order of names: by UTF-16 code unit, as the SDK sorts them (not by locale). */
export const byCodeUnit = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

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

/**
 * Presigned GET URLs by SigV4 query signing, computed directly: the signing key (four HMACs) is
 * derived once per day and region and reused, so a link costs one SHA-256 and one HMAC. The
 * output is the URL the AWS SDK's getSignedUrl produces for the same request (tests compare
 * them), at many times the rate.
 */
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
    return canAddress(target, bucket);
  }

  canSign(bucket: string): boolean {
    return FastPresigner.supports(this.target, bucket);
  }

  /** A GET link; `served` sets the response's type and disposition (see served.ts). */
  presignGet(bucket: string, key: string, expiresIn: number, signingDate: Date, served: Served = servedAs(key)): string {
    const { protocol, host, path } = addressOf(this.target, bucket, key);
    checkKey(key);
    const stamp = amzDate(signingDate);
    const date = stamp.slice(0, 8);
    const scope = `${date}/${this.target.region}/s3/aws4_request`;
    const params: Array<[string, string]> = [
      ['X-Amz-Algorithm', 'AWS4-HMAC-SHA256'],
      ['X-Amz-Content-Sha256', 'UNSIGNED-PAYLOAD'],
      ['X-Amz-Credential', `${this.credentials.accessKeyId}/${scope}`],
      ['X-Amz-Date', stamp],
      ['X-Amz-Expires', String(expiresIn)],
      ['X-Amz-SignedHeaders', 'host'],
      ['x-id', 'GetObject'],
    ];
    if (this.target.checksumMode) params.push(['x-amz-checksum-mode', 'ENABLED']);
    if (this.credentials.sessionToken) params.push(['X-Amz-Security-Token', this.credentials.sessionToken]);
    if (served.disposition) params.push(['response-content-disposition', served.disposition]);
    params.push(['response-content-type', served.contentType]);
    const encoded = params.map(([k, v]) => [uriEncode(k), uriEncode(v)] as [string, string]).sort(([a], [b]) => byCodeUnit(a, b));
    const query = encoded.map(([k, v]) => `${k}=${v}`).join('&');
    const canonical = `GET\n${path}\n${query}\nhost:${host}\n\nhost\nUNSIGNED-PAYLOAD`;
    const stringToSign = `AWS4-HMAC-SHA256\n${stamp}\n${scope}\n${createHash('sha256').update(canonical).digest('hex')}`;
    const signature = createHmac('sha256', this.keys.forDate(date)).update(stringToSign).digest('hex');
    encoded.push(['X-Amz-Signature', signature]);
    encoded.sort(([a], [b]) => byCodeUnit(a, b));
    return `${protocol}//${host}${path}?${encoded.map(([k, v]) => `${k}=${v}`).join('&')}`;
  }
}
