/**
 * Every failure a user can cause or meet is a FerryError: a stable code for programs and tests,
 * and a message that says what happened and what to do, in one line, with no secret in it.
 */
export type FerryErrorCode =
  | 'ACCOUNT_EXISTS'
  | 'ACCESS_DENIED'
  | 'BAD_ACCOUNT'
  | 'BAD_CREDENTIALS'
  | 'BAD_ENDPOINT'
  | 'BAD_EXPIRY'
  | 'BAD_S3_URL'
  | 'BAD_BUCKET_NAME'
  | 'BUCKET_EXISTS'
  | 'BUCKET_NOT_EMPTY'
  | 'CANCELLED'
  | 'CLOCK_SKEW'
  | 'ENDPOINT_UNREACHABLE'
  | 'EXPIRY_OUT_OF_RANGE'
  | 'FILE_NOT_FOUND'
  | 'FILE_TOO_LARGE'
  | 'FILE_UNREADABLE'
  /** The local disk (or quota) has no room for what is being written. */
  | 'DISK_FULL'
  | 'DATA_FOLDER_UNWRITABLE'
  /** A desktop-integration file (autostart entry, file-manager item) Ferry will not or cannot write or remove. */
  | 'DESKTOP_INTEGRATION'
  | 'FILE_CHANGED'
  | 'FORBIDDEN'
  | 'KEYCHAIN_LOCKED'
  | 'KEYCHAIN_UNAVAILABLE'
  | 'NO_CREDENTIALS'
  | 'NO_SUCH_BUCKET'
  | 'NO_SUCH_KEY'
  | 'NO_SUCH_UPLOAD'
  | 'NOT_A_FILE'
  | 'NOT_S3'
  | 'OBJECTS_EXIST'
  | 'PAUSED'
  | 'PRIVATE_PASSPHRASE'
  | 'PRIVATE_TAMPERED'
  | 'SETTINGS_LOCKED'
  | 'SIGNATURE_MISMATCH'
  | 'SETTINGS_UNREADABLE'
  | 'S3_ERROR'
  | 'UNKNOWN_ACCOUNT'
  | 'UNSUPPORTED'
  | 'UPLOAD_IN_PROGRESS'
  /** Another writer replaced (or deleted) the object just after Ferry wrote it; theirs was kept. */
  | 'REPLACED'
  /** A listing too large (or endless) to hold in memory. */
  | 'TOO_MANY'
  | 'USAGE';

export class FerryError extends Error {
  override readonly name = 'FerryError';
  constructor(
    readonly code: FerryErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export function isFerryError(err: unknown, code?: FerryErrorCode): err is FerryError {
  return err instanceof FerryError && (code === undefined || err.code === code);
}

/** The Node.js system error code (ENOENT, ECONNREFUSED, …) of an error or of any error in its cause chain. */
export function systemCode(err: unknown): string | undefined {
  for (let e: unknown = err, depth = 0; e && depth < 6; depth++) {
    const code = (e as { code?: unknown }).code;
    // A FerryError's own code (ENDPOINT_UNREACHABLE, EXPIRY_OUT_OF_RANGE…) is not a system error code.
    if (typeof code === 'string' && /^E[A-Z_]+$/.test(code) && !(e instanceof FerryError)) return code;
    e = (e as { cause?: unknown }).cause ?? (e as { errors?: unknown[] }).errors?.[0];
  }
  return undefined;
}
