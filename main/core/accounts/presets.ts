/**
 * Provider presets: the defaults that make each S3-compatible service work without the user
 * knowing its quirks. Non-AWS providers get checksum mode 'when-required' because since
 * @aws-sdk/client-s3 3.729 the SDK sends CRC32 trailers by default, which many of them reject
 * or store as garbage.
 */
export const PROVIDERS = ['aws', 'storj', 'minio', 'r2', 'b2', 'wasabi', 'ceph', 'other'] as const;
export type Provider = (typeof PROVIDERS)[number];

export type ChecksumMode = 'when-supported' | 'when-required';

export interface Preset {
  label: string;
  /** Endpoint template; `{region}` is filled in. Undefined means the SDK's own (AWS). */
  endpoint?: string;
  /** What to tell a user who must supply the endpoint themselves. */
  endpointHelp?: string;
  region: string;
  pathStyle: boolean;
  checksums: ChecksumMode;
  /** Preferred multipart part size in bytes, if the provider has one. */
  partSize?: number;
}

const MiB = 1024 * 1024;

export const PRESETS: Record<Provider, Preset> = {
  aws: { label: 'Amazon S3', region: 'us-east-1', pathStyle: false, checksums: 'when-supported' },
  storj: {
    label: 'Storj DCS (S3 gateway)',
    endpoint: 'https://gateway.storjshare.io',
    region: 'us-1',
    pathStyle: true,
    checksums: 'when-required',
    partSize: 64 * MiB,
  },
  minio: {
    label: 'MinIO',
    endpointHelp: 'your MinIO server, for example http://localhost:9000',
    region: 'us-east-1',
    pathStyle: true,
    checksums: 'when-required',
  },
  r2: {
    label: 'Cloudflare R2',
    endpointHelp: 'https://<ACCOUNT_ID>.r2.cloudflarestorage.com, from the R2 page of the Cloudflare dashboard',
    region: 'auto',
    pathStyle: false,
    checksums: 'when-required',
  },
  b2: {
    label: 'Backblaze B2',
    endpoint: 'https://s3.{region}.backblazeb2.com',
    region: 'us-west-004',
    pathStyle: false,
    checksums: 'when-required',
  },
  wasabi: {
    label: 'Wasabi',
    endpoint: 'https://s3.{region}.wasabisys.com',
    region: 'us-east-1',
    pathStyle: false,
    checksums: 'when-required',
  },
  ceph: {
    label: 'Ceph (RADOS Gateway)',
    endpointHelp: 'your RADOS Gateway, for example http://rgw.example.com:7480',
    region: 'us-east-1',
    pathStyle: true,
    checksums: 'when-required',
  },
  other: {
    label: 'Other S3-compatible service',
    endpointHelp: "the service's S3 endpoint URL",
    region: 'us-east-1',
    pathStyle: true,
    checksums: 'when-required',
  },
};

export function isProvider(value: string): value is Provider {
  return (PROVIDERS as readonly string[]).includes(value);
}

/** The endpoint a preset implies for a region, or undefined when the user must give one (or AWS picks it). */
export function presetEndpoint(provider: Provider, region: string): string | undefined {
  return PRESETS[provider].endpoint?.replace('{region}', region);
}
