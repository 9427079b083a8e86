/**
 * Where Ferry may send signed requests. Two rules, each checked where it can be:
 *
 * - A region is a DNS name (labels of letters, digits and hyphens): it is part of host names
 *   (s3.REGION.amazonaws.com, the B2 and Wasabi presets) and of every signature's scope, so
 *   "evil.example/collect#" must never get as far as a URL.
 * - Link-local addresses and cloud metadata services answer only on the machine's own network
 *   and hand out its credentials: they are never an S3 endpoint by accident. They are judged by
 *   address, not spelling: an IP literal is parsed (every IPv6 form that carries an IPv4 address
 *   included), and a name is judged by what it resolves to, at every connection (see
 *   guardedLookup), so a name that resolves elsewhere later is caught too.
 */
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { isIP, type LookupFunction } from 'node:net';
import { FerryError } from '../errors';

const LABEL = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/;

/** Refuses a region that is not a DNS name (1 to 64 characters of dot-separated labels). */
export function checkRegion(region: string): void {
  if (region.length < 1 || region.length > 64 || !region.split('.').every((l) => LABEL.test(l))) {
    const shown = region.length > 40 ? `${region.slice(0, 40)}…` : region;
    throw new FerryError(
      'BAD_ENDPOINT',
      `"${shown}" is not a region: a region is a name such as us-east-1, eu-central-2 or auto (letters, digits and hyphens, in dot-separated parts). Check the account's region.`,
    );
  }
}

/** Names of metadata services (compared without trailing dots, ignoring case). */
const METADATA_NAMES = new Set(['metadata.google.internal', 'metadata', 'instance-data', 'instance-data.ec2.internal', 'metadata.azure.internal', 'metadata.platformequinix.com']);

function v4Forbidden(a: number, b: number, c: number, d: number): boolean {
  // 169.254.0.0/16: link-local, where AWS, GCP, Azure, Oracle, OpenStack and DigitalOcean serve
  // instance metadata; 100.100.100.200: Alibaba Cloud's metadata service.
  return (a === 169 && b === 254) || (a === 100 && b === 100 && c === 100 && d === 200);
}

/** The 16 bytes of an IPv6 address (isIP must have said 6), IPv4-in-IPv6 tails included. */
function v6Bytes(text: string): number[] {
  let s = text.toLowerCase().replace(/%.*$/, '');
  const tail = /(\d+\.\d+\.\d+\.\d+)$/.exec(s);
  if (tail) {
    const [a, b, c, d] = tail[1]!.split('.').map(Number) as [number, number, number, number];
    s = `${s.slice(0, -tail[1]!.length)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head, rest] = s.includes('::') ? s.split('::') : [s, undefined];
  const h = head ? head.split(':') : [];
  const t = rest !== undefined && rest ? rest.split(':') : [];
  const groups = rest === undefined ? h : [...h, ...Array<string>(8 - h.length - t.length).fill('0'), ...t];
  return groups.flatMap((g) => {
    const n = Number.parseInt(g || '0', 16);
    return [n >> 8, n & 0xff];
  });
}

/** Why an address must not be an endpoint, or undefined when it may be. */
export function forbiddenAddress(address: string): string | undefined {
  const ip = address.replace(/^\[|\]$/g, '');
  const kind = isIP(ip);
  if (kind === 4) {
    const [a, b, c, d] = ip.split('.').map(Number) as [number, number, number, number];
    return v4Forbidden(a, b, c, d) ? `${ip} is a link-local or cloud metadata address` : undefined;
  }
  if (kind !== 6) return undefined;
  const x = v6Bytes(ip);
  const zero = (from: number, to: number) => x.slice(from, to).every((v) => v === 0);
  if (x[0] === 0xfe && (x[1]! & 0xc0) === 0x80) return `${ip} is a link-local or cloud metadata address`;
  // AWS's IPv6 metadata address.
  if (x.join(',') === [0xfd, 0, 0x0e, 0xc2, ...Array<number>(10).fill(0), 0x02, 0x54].join(',')) return `${ip} is a link-local or cloud metadata address`;
  // IPv6 forms that carry an IPv4 address, each checked as that address: mapped (::ffff:a.b.c.d), translated (::ffff:0:a.b.c.d),
  // compatible (::a.b.c.d), NAT64 (64:ff9b::/96 and 64:ff9b:1::/48), 6to4 (2002:AABB:CCDD::/48).
  const embedded: Array<[number, number]> = [];
  if (zero(0, 10) && x[10] === 0xff && x[11] === 0xff) embedded.push([12, 16]);
  // SIIT's IPv4-translated form, ::ffff:0:a.b.c.d.
  if (zero(0, 8) && x[8] === 0xff && x[9] === 0xff && zero(10, 12)) embedded.push([12, 16]);
  if (zero(0, 12) && !zero(12, 14)) embedded.push([12, 16]);
  if (x[0] === 0 && x[1] === 0x64 && x[2] === 0xff && x[3] === 0x9b && (zero(4, 12) || (x[4] === 0 && x[5] === 1))) embedded.push([12, 16]);
  if (x[0] === 0x20 && x[1] === 0x02) embedded.push([2, 6]);
  for (const [from] of embedded) {
    const [a, b, c, d] = x.slice(from, from + 4) as [number, number, number, number];
    if (v4Forbidden(a, b, c, d)) return `${ip} carries ${a}.${b}.${c}.${d}, a link-local or cloud metadata address`;
  }
  return undefined;
}

/** Why a URL's host (as new URL() spells it) must not be an endpoint, judged without resolving it. */
export function forbiddenHost(hostname: string): string | undefined {
  const host = hostname.replace(/^\[|\]$/g, '').replace(/\.+$/, '').toLowerCase();
  if (METADATA_NAMES.has(host)) return `${host} is a link-local or cloud metadata address`;
  return forbiddenAddress(host);
}

export interface AddressCheck {
  /** The user explicitly allowed a link-local endpoint for this account (CLI only). */
  allowLinkLocal?: boolean;
  /** Name resolution, injectable for tests; the system's by default. */
  lookup?: typeof dnsLookup;
}

/** The error a refused host or address becomes, the same wherever it is found. */
export function forbiddenEndpoint(reason: string): FerryError {
  return new FerryError(
    'BAD_ENDPOINT',
    `${reason}, not an S3 service: sending keys there could expose them. If an S3 service really runs there, add the account with the CLI's --allow-link-local-endpoint.`,
  );
}

/**
 * Refuses an endpoint whose host is forbidden as written (an IP literal never goes through a
 * lookup, so it is judged here; names are judged at every connection by guardedLookup).
 */
export function checkEndpointHost(profile: { endpoint?: string; allowLinkLocal?: boolean }): void {
  const forbidden = profile.endpoint && !profile.allowLinkLocal ? forbiddenHost(new URL(profile.endpoint).hostname) : undefined;
  if (forbidden) throw forbiddenEndpoint(forbidden);
}

/**
 * A `lookup` for sockets (http.Agent, net.connect) that refuses to connect to a forbidden address,
 * whatever name led there: every connection resolves afresh, so a name that later resolves to the
 * metadata service is refused then. (IP literals do not go through lookup; normaliseEndpoint and
 * createS3Client judge those.)
 */
export function guardedLookup(check: AddressCheck = {}): LookupFunction {
  const resolve = check.lookup ?? dnsLookup;
  return ((hostname: string, options: { all?: boolean; family?: number }, callback: (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void) => {
    resolve(hostname, { ...options, all: true }, (err, addresses) => {
      if (err) return callback(err, '', 0);
      const list = addresses as LookupAddress[];
      const bad = check.allowLinkLocal ? undefined : list.map((a) => forbiddenAddress(a.address)).find(Boolean);
      if (bad) return callback(Object.assign(forbiddenEndpoint(`${hostname} resolves to ${bad}`), { errno: -1, syscall: 'connect' }) as unknown as NodeJS.ErrnoException, '', 0);
      if (options.all) return callback(null, list);
      const first = list[0];
      if (!first) return callback(Object.assign(new Error(`${hostname} has no address`), { code: 'ENOTFOUND' }), '', 0);
      callback(null, first.address, first.family);
    });
  }) as LookupFunction;
}

/**
 * Resolves an endpoint's host once and refuses it when any address is forbidden: the clear error
 * at the moment an account is added or changed. A name that does not resolve now (offline) is not
 * refused here; guardedLookup judges it at the first connection.
 */
export async function checkEndpointAddresses(endpoint: string, check: AddressCheck = {}): Promise<void> {
  if (check.allowLinkLocal) return;
  const { hostname } = new URL(endpoint);
  const host = hostname.replace(/^\[|\]$/g, '');
  const reason = forbiddenHost(host);
  if (reason) throw forbiddenEndpoint(reason);
  if (isIP(host)) return;
  const resolve = check.lookup ?? dnsLookup;
  const addresses = await new Promise<LookupAddress[]>((done) => resolve(host, { all: true }, (err, list) => done(err ? [] : (list as LookupAddress[]))));
  const bad = addresses.map((a) => forbiddenAddress(a.address)).find(Boolean);
  if (bad) throw forbiddenEndpoint(`${host} resolves to ${bad}`);
}
