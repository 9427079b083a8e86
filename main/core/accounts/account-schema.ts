/**
 * One account as settings.json stores it (never its keys). Apart from accounts.ts so the
 * settings file's schema (settings/settings-file.ts) can hold it without an import cycle.
 */
import { z } from 'zod';
import { CapabilitiesSchema } from '../s3/capabilities-schema';
import { PROVIDERS } from './presets';

export const ACCOUNT_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

export const AccountSchema = z.object({
  name: z.string().regex(ACCOUNT_NAME),
  provider: z.enum(PROVIDERS),
  endpoint: z.string().url().optional(),
  region: z.string().min(1).max(64),
  pathStyle: z.boolean(),
  checksums: z.enum(['when-supported', 'when-required']),
  partSize: z.number().int().positive().optional(),
  createdAt: z.string(),
  /** What the server supports, as the last "Test connection" found. */
  capabilities: CapabilitiesSchema.optional(),
  /** The user explicitly allowed a link-local endpoint (CLI's --allow-link-local-endpoint). */
  allowLinkLocal: z.literal(true).optional(),
  /** Saved although its connection test failed ("Save anyway"): browsable, but what it answers is never shown as a page or opened. Cleared by a passing test. */
  untested: z.literal(true).optional(),
});
export type Account = z.infer<typeof AccountSchema>;
