/**
 * Pure helpers the window shares with main (no zod, no Node): expiry parsing, so the window checks
 * a custom duration exactly as main and the CLI do.
 */
export { describeDuration, MAX_EXPIRY_SECONDS, parseExpiry } from '../main/core/links/expiry';
/** The rule for new bucket names, worded once for the hint and the errors. */
export { BUCKET_NAME_RULE } from '../main/core/s3/bucket-rule';
/** Control and bidi characters in names shown as escapes, exactly as the CLI prints them. */
export { safeText } from '../main/core/text';
/** Overall progress of the work still to do, counted as the CLI counts it. */
export { OverallMeter, overallProgress } from '../main/core/transfers/transfer-view';
/** The private links' passphrase rule, one definition for the core and the window. */
export { MIN_PASSPHRASE, PASSPHRASE_RULE } from '../main/core/private/limits';
