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
/**
 * The shortest passphrase of a private link, as the core's MIN_PASSPHRASE (main/core/private/
 * shares.ts, which is Node code the window cannot import); a test checks they agree.
 */
export const MIN_PASSPHRASE = 8;
/** What is said of a passphrase too short, in the window and by main alike. */
export const PASSPHRASE_RULE = `A passphrase needs at least ${MIN_PASSPHRASE} characters: anyone with the link can try guesses offline.`;
