import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { AccountSchema } from '../../main/core/accounts/account-schema';
import { PROVIDERS } from '../../main/core/accounts/presets';
import { LinkRecordSchema } from '../../main/core/links/link-history';
import { CapabilitiesSchema } from '../../main/core/s3/capabilities-schema';
import { PreferencesSchema } from '../../main/core/settings/preferences-schema';
import { FileRequestSchema } from '../../main/core/sharing/request-history';
import { SavedUploadSchema } from '../../main/core/transfers/state';
import { UploadRecordSchema } from '../../main/core/transfers/upload-history';
import type { Shape } from '../../main/core/shape';

/**
 * The zod schemas Ferry read its files with until shape.ts replaced them (so that commands that
 * make no request start without loading zod): the oracle. Every file either accepts must be
 * read the same, and every file zod rejected must be rejected.
 */
const zCapabilities = z.object({
  checkedAt: z.string(),
  bucket: z.string(),
  multipart: z.boolean(),
  listParts: z.boolean(),
  listMultipartUploads: z.boolean(),
  abortMultipart: z.boolean(),
  verifiesContentMd5: z.boolean(),
  checksums: z.array(z.enum(['CRC32', 'CRC32C', 'CRC64NVME'])),
  pathStyleOnly: z.boolean(),
  region: z.string().optional(),
  clockSkewSeconds: z.number(),
  postPolicy: z.boolean(),
  postKeepsDisposition: z.boolean().optional(),
});
const zAccount = z.object({
  name: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/),
  provider: z.enum(PROVIDERS),
  endpoint: z.string().url().optional(),
  region: z.string().min(1).max(64),
  pathStyle: z.boolean(),
  checksums: z.enum(['when-supported', 'when-required']),
  partSize: z.number().int().positive().optional(),
  createdAt: z.string(),
  capabilities: zCapabilities.optional(),
  allowLinkLocal: z.literal(true).optional(),
  untested: z.literal(true).optional(),
});
const zPreferences = z.object({
  copyLinkOnUpload: z.boolean(),
  defaultExpirySeconds: z.number().int().min(1).max(604_800),
  notifications: z.boolean().optional(),
  theme: z.enum(['system', 'light', 'dark']).optional(),
  partSizeMiB: z.number().int().min(5).max(5120).optional(),
  uploadLimitMiBps: z.number().min(0.1).max(10_240).optional(),
  concurrency: z.number().int().min(1).max(64).optional(),
  lastLocation: z.object({ account: z.string(), bucket: z.string().optional(), prefix: z.string().optional() }).optional(),
});
const zLink = z.object({
  account: z.string(),
  endpoint: z.string(),
  bucket: z.string(),
  key: z.string(),
  createdAt: z.string(),
  expiresAt: z.string(),
  filename: z.string().optional(),
  expiresIn: z.number().int().optional(),
  share: z.object({ prefix: z.string(), title: z.string(), files: z.number().int().nonnegative() }).optional(),
});
const zRequest = z.object({
  account: z.string(),
  endpoint: z.string(),
  bucket: z.string(),
  prefix: z.string(),
  pageKey: z.string(),
  title: z.string(),
  note: z.string().optional(),
  maxBytes: z.number().int().positive(),
  accept: z.string().optional(),
  createdAt: z.string(),
  expiresAt: z.string(),
  keepsDisposition: z.boolean().optional(),
});
const zPart = z.object({ PartNumber: z.number().int().positive(), ETag: z.string(), md5: z.string().optional() });
const zSaved = z.object({
  account: z.string(),
  endpoint: z.string(),
  file: z.string(),
  bucket: z.string(),
  key: z.string(),
  uploadId: z.string().optional(),
  partSize: z.number().int().positive(),
  size: z.number().int().nonnegative(),
  mtimeMs: z.number(),
  parts: z.array(zPart),
  startedAt: z.string(),
  paused: z.boolean().optional(),
  unsure: z.array(z.object({ from: z.number(), to: z.number().optional() })).optional(),
  cancelled: z.boolean().optional(),
});
const zUpload = z.object({ account: z.string(), bucket: z.string(), key: z.string(), size: z.number(), finishedAt: z.string() });

const capabilities = { checkedAt: '2026-12-01T00:00:00Z', bucket: 'b', multipart: true, listParts: true, listMultipartUploads: false, abortMultipart: true, verifiesContentMd5: true, checksums: ['CRC32'], pathStyleOnly: false, region: 'us-east-1', clockSkewSeconds: -2, postPolicy: true };
const cases: Array<[string, Shape<unknown>, z.ZodType, Record<string, unknown>]> = [
  ['account', AccountSchema, zAccount, { name: 'work.s3', provider: 'ceph', endpoint: 'http://127.0.0.1:7480', region: 'us-east-1', pathStyle: true, checksums: 'when-required', partSize: 8388608, createdAt: '2026-12-01', capabilities, untested: true }],
  ['capabilities', CapabilitiesSchema, zCapabilities, capabilities],
  ['preferences', PreferencesSchema, zPreferences, { copyLinkOnUpload: true, defaultExpirySeconds: 3600, theme: 'dark', partSizeMiB: 16, concurrency: 4, lastLocation: { account: 'a', bucket: 'b', prefix: 'p/' } }],
  ['link', LinkRecordSchema, zLink, { account: 'a', endpoint: 'http://e', bucket: 'b', key: 'k', createdAt: 'c', expiresAt: 'e', filename: 'f', expiresIn: 60, share: { prefix: 'p/', title: 't', files: 2 } }],
  ['request', FileRequestSchema, zRequest, { account: 'a', endpoint: 'e', bucket: 'b', prefix: 'p/', pageKey: '.ferry/requests/x.html', title: 't', note: 'n', maxBytes: 1048576, accept: 'image/', createdAt: 'c', expiresAt: 'e', keepsDisposition: false }],
  ['saved upload', SavedUploadSchema, zSaved, { account: 'a', endpoint: 'e', file: '/f', bucket: 'b', key: 'k', uploadId: 'u', partSize: 5242880, size: 10, mtimeMs: 1.5, parts: [{ PartNumber: 1, ETag: '"x"', md5: 'm' }], startedAt: 's', paused: true, unsure: [{ from: 1, to: 2 }, { from: 3 }], cancelled: false }],
  ['upload record', UploadRecordSchema, zUpload, { account: 'a', bucket: 'b', key: 'k', size: 3, finishedAt: 'f' }],
];

/** Values every key is tried with: each kind, the edges of every bound, malformed names and URLs. */
const VALUES: unknown[] = [undefined, null, true, false, 0, -1, 1, 1.5, 4, 5, 64, 65, 5120, 5121, 604_800, 604_801, 2 ** 53, Number.MAX_VALUE, '', 'x', 'a'.repeat(64), 'a'.repeat(65), '-bad', 'ok_name.1', 'ceph', 'aws', 'when-required', 'dark', 'CRC32', 'CRC64', 'http://127.0.0.1:7480', 'https://gateway.storjshare.io/', 'not a url', 'http://', 'ftp://x', 'mailto:a@b', 'http://a b.example', [], [1], ['CRC32C'], [{ PartNumber: 0, ETag: 'x' }], [{ from: 'x' }], {}, { account: 'a' }, { prefix: 'p', title: 't', files: -1 }];

function agree(name: string, shape: Shape<unknown>, zod: z.ZodType, value: unknown): void {
  const ours = shape.read(value);
  const theirs = zod.safeParse(value);
  expect(ours.ok, `${name}: ${JSON.stringify(value)?.slice(0, 200)}`).toBe(theirs.success);
  if (ours.ok && theirs.success) expect(ours.value, name).toEqual(theirs.data);
}

describe('shape.ts reads what the zod schemas it replaced read, and refuses what they refused', () => {
  for (const [name, shape, zod, valid] of cases) {
    it(`${name}: the valid record, each key absent or of every other kind, unknown keys, non-objects`, () => {
      agree(name, shape, zod, valid);
      agree(name, shape, zod, { ...valid, unknownKey: 1 });
      for (const top of [null, [], 'x', 1, true]) agree(name, shape, zod, top);
      for (const key of Object.keys(valid)) {
        const { [key]: _dropped, ...without } = valid;
        agree(`${name} without ${key}`, shape, zod, without);
        for (const v of VALUES) agree(`${name}.${key}`, shape, zod, { ...valid, [key]: v });
        // One level down (capabilities in an account, parts, windows, share): each inner key too.
        const inner = valid[key];
        const first = Array.isArray(inner) ? inner[0] : inner;
        if (first && typeof first === 'object') {
          for (const k of Object.keys(first)) {
            for (const v of VALUES) {
              const changed = { ...first, [k]: v };
              agree(`${name}.${key}.${k}`, shape, zod, { ...valid, [key]: Array.isArray(inner) ? [changed, ...inner.slice(1)] : changed });
            }
          }
        }
      }
    });
  }
});
