/**
 * Where a request for a bucket and key goes: scheme, host and encoded path, as the AWS SDK forms
 * them (test/unit/wire-requests.test.ts and the presigner's tests compare). Shared by the
 * presigner (links/sigv4.ts) and the requests Ferry sends itself (wire.ts). Names the SDK would
 * not put in a host (dotted, upper-case, an IP endpoint) go in the path, as it falls back; only
 * a name it would try and fail to put there ("xn--…") is left to the SDK, which says why.
 */
import { FerryError } from '../errors';
import { uriEncode } from './uri';
import { checkBucketReference } from './names';

export interface AddressTarget {
  /** Endpoint URL, e.g. https://gateway.storjshare.io; undefined for AWS's own. */
  endpoint?: string;
  region: string;
  pathStyle: boolean;
}

export interface Address {
  /** 'http:' or 'https:'. */
  protocol: string;
  /** Host as the Host header carries it (with the port when it is not the scheme's default). */
  host: string;
  hostname: string;
  port: number;
  /** The path as sent and signed, encoded. */
  path: string;
}

/** Each segment of a key encoded as SigV4 wants, the slashes kept. */
export const encodeKeyPath = (key: string) => key.split('/').map(uriEncode).join('/');

/** A bucket name the SDK puts in the host (its isVirtualHostableS3Bucket without subdomains): one lowercase DNS label of 3 to 63. */
const HOST_LABEL = /^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$/;
/** An endpoint host the SDK takes for an IP address (its isIpAddress): never given a bucket label. */
const IP_HOST = /^(?:\d{1,3}\.){3}\d{1,3}$|^\[.*\]$/;

function virtualHosted(target: AddressTarget, bucket: string, base: URL): boolean {
  return !target.pathStyle && HOST_LABEL.test(bucket) && !IP_HOST.test(base.hostname);
}

/**
 * Whether `bucket` is placed here exactly as the SDK places it: always, but for a punycode-like
 * label ("xn--…") that the SDK would try to put in a host and fail to (the SDK then says why).
 */
export function canAddress(target: AddressTarget, bucket: string): boolean {
  return target.pathStyle || !bucket.startsWith('xn--');
}

/**
 * The address of an object (or, with key undefined, of the bucket itself: its path ends in '/').
 * Virtual-hosted where the SDK would put the bucket in the host (a lowercase DNS label, an
 * endpoint that is a name), in the path otherwise (dotted and uppercase names, IP endpoints),
 * as the SDK falls back. A bucket name is never trusted to build a host beyond that label.
 */
export function addressOf(target: AddressTarget, bucket: string, key: string | undefined): Address {
  checkBucketReference(bucket);
  if (!canAddress(target, bucket)) throw new FerryError('BAD_BUCKET_NAME', `"${bucket}" cannot be part of a host name; use path-style addressing.`);
  const base = target.endpoint ? new URL(target.endpoint) : new URL(`https://s3.${target.region}.amazonaws.com`);
  const basePath = base.pathname.replace(/\/+$/, '');
  const rest = key === undefined ? '' : encodeKeyPath(key);
  const virtual = virtualHosted(target, bucket, base);
  const port = base.port ? Number(base.port) : base.protocol === 'https:' ? 443 : 80;
  return {
    protocol: base.protocol,
    host: virtual ? `${bucket}.${base.host}` : base.host,
    hostname: virtual ? `${bucket}.${base.hostname}` : base.hostname,
    port,
    path: virtual ? `${basePath}/${rest}` : `${basePath}/${uriEncode(bucket)}/${rest}`,
  };
}
