/**
 * One account as settings.json stores it (never its keys). Apart from accounts.ts so the
 * settings file's schema (settings/settings-file.ts) can hold it without an import cycle.
 */
import { CapabilitiesSchema } from '../s3/capabilities-schema';
import { PROVIDERS } from './presets';
import { bool, lit, num, obj, oneOf, opt, str, type Infer } from '../shape';

export const ACCOUNT_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

export const AccountSchema = obj({
  name: str({ regex: ACCOUNT_NAME }),
  provider: oneOf(PROVIDERS),
  endpoint: opt(str({ url: true })),
  region: str({ min: 1, max: 64 }),
  pathStyle: bool(),
  checksums: oneOf(['when-supported', 'when-required']),
  partSize: opt(num({ int: true, positive: true })),
  createdAt: str(),
  /** What the server supports, as the last "Test connection" found. */
  capabilities: opt(CapabilitiesSchema),
  /** The user explicitly allowed a link-local endpoint (CLI's --allow-link-local-endpoint). */
  allowLinkLocal: opt(lit(true)),
  /** Saved although its connection test failed ("Save anyway"): browsable, but what it answers is never shown as a page or opened. Cleared by a passing test. */
  untested: opt(lit(true)),
});
export type Account = Infer<typeof AccountSchema>;
