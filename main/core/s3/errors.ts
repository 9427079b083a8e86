import { FerryError, systemCode } from '../errors';
import { bucketNameProblem } from './names';

/** What was being done, so the message can name it. */
export interface Operation {
  endpoint: string;
  /** The account whose keys signed the request (ENV_PROFILE_NAME for AWS_* variables), so refused keys can be said what to do about. */
  account?: string;
  bucket?: string;
  key?: string;
}

interface SdkError {
  name?: string;
  message?: string;
  Code?: string;
  $metadata?: { httpStatusCode?: number };
  $response?: { statusCode?: number; headers?: Record<string, string> };
}

/** The profile name of keys taken from AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, which are no account. */
export const ENV_PROFILE_NAME = 'environment';

/**
 * What to do about keys a server refuses: the command that gives the account new keys (the window
 * says it in its own words, window-words.ts); for keys from the environment, the variables.
 */
export function rightKeys(account: string | undefined): string {
  if (account === ENV_PROFILE_NAME) return 'Check AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY: this command took its keys from them.';
  return `Give the right keys with: ferry accounts update ${account ?? 'NAME'} --keys`;
}

/** rightKeys' advice in a message, for a command whose own words say what to do (accounts add: there is no account yet to update). */
export const RIGHT_KEYS_ADVICE = / ?Give the right keys with: ferry accounts update \S+ --keys/g;

const NETWORK_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'ECONNRESET', 'EHOSTUNREACH', 'ENETUNREACH', 'EPIPE', 'ECONNABORTED', 'CERT_HAS_EXPIRED']);

/**
 * Turns an SDK or network error into a FerryError that says what went wrong and what to do.
 * FerryErrors pass through unchanged.
 */
export function toFerryError(err: unknown, op: Operation): FerryError {
  if (err instanceof FerryError) return err;
  const e = (err ?? {}) as SdkError & Error;
  const name = e.name ?? '';
  const code = e.Code ?? name;
  const status = e.$metadata?.httpStatusCode ?? e.$response?.statusCode;
  const where = op.endpoint;
  const bucket = op.bucket ? `"${op.bucket}"` : 'the bucket';

  if (name === 'AbortError' || code === 'RequestAbortedError') {
    return new FerryError('CANCELLED', 'Cancelled.', { cause: err });
  }
  const sys = systemCode(err);
  if (sys && (NETWORK_CODES.has(sys) || name === 'TimeoutError')) {
    return new FerryError('ENDPOINT_UNREACHABLE', `Cannot reach ${where} (${sys}). Check the endpoint URL and your network connection, then try again.`, { cause: err });
  }
  if (name === 'ResponseTooLarge') {
    return new FerryError('S3_ERROR', `${where} sent an answer no S3 server sends (far too large, or nested far too deep), so Ferry stopped reading it. Check the endpoint URL; if it is right, the server is faulty.`, { cause: err });
  }
  if (name === 'TimeoutError') {
    return new FerryError('ENDPOINT_UNREACHABLE', `${where} did not answer in time. Check the endpoint URL and your network connection, then try again.`, { cause: err });
  }
  switch (code) {
    case 'InvalidAccessKeyId':
      return new FerryError('BAD_CREDENTIALS', `${where} does not know this access key ID. ${rightKeys(op.account)}`, { cause: err });
    case 'SignatureDoesNotMatch':
      return new FerryError('BAD_CREDENTIALS', `${where} rejected the request signature: the secret access key is wrong for this access key ID. ${rightKeys(op.account)}`, { cause: err });
    case 'ExpiredToken':
    case 'TokenRefreshRequired':
      return new FerryError('BAD_CREDENTIALS', 'The session token has expired. Get fresh temporary credentials and try again.', { cause: err });
    case 'RequestTimeTooSkewed':
      return new FerryError('CLOCK_SKEW', `${where} says this computer's clock is too far from its own. Set your clock automatically (network time) and try again.`, { cause: err });
    case 'NoSuchBucket':
      {
        // A name no new bucket may have (an old one's, or a typo) is not offered to ferry mb, which would refuse it.
        const problem = op.bucket ? bucketNameProblem(op.bucket) : undefined;
        if (problem) return new FerryError('NO_SUCH_BUCKET', `The bucket ${bucket} does not exist at ${where}, and no bucket can be made by that name: ${problem}. Check the name (ferry ls lists your buckets).`, { cause: err });
        return new FerryError('NO_SUCH_BUCKET', `The bucket ${bucket} does not exist at ${where}. Check the name, or create it with: ferry mb s3://${op.bucket ?? 'BUCKET'}`, { cause: err });
      }
    case 'NoSuchKey':
      return new FerryError('NO_SUCH_KEY', `There is no object s3://${op.bucket}/${op.key ?? ''}. Check the key with: ferry ls s3://${op.bucket}/`, { cause: err });
    case 'BucketAlreadyOwnedByYou':
      return new FerryError('BUCKET_EXISTS', `You already own the bucket ${bucket}.`, { cause: err });
    case 'BucketAlreadyExists':
      return new FerryError('BUCKET_EXISTS', `The bucket name ${bucket} is taken by someone else. Bucket names are shared by all users of the service; choose another.`, { cause: err });
    case 'BucketNotEmpty':
      return new FerryError('BUCKET_NOT_EMPTY', `The bucket ${bucket} is not empty.`, { cause: err });
    case 'InvalidBucketName':
      return new FerryError('BAD_BUCKET_NAME', `${where} does not accept ${bucket} as a bucket name.`, { cause: err });
    case 'NoSuchUpload':
      return new FerryError('S3_ERROR', `${where} no longer has this unfinished upload of s3://${op.bucket}/${op.key ?? ''} (it was aborted, perhaps by another tool or a lifecycle rule). Upload the file again.`, { cause: err });
    case 'AccessDenied':
    case 'AllAccessDisabled':
      return new FerryError('ACCESS_DENIED', `${where} denied access${op.bucket ? ` to ${bucket}` : ''}. The keys work but lack permission for this; check the key's permissions or policy.`, { cause: err });
  }
  // HEAD responses carry no error body, so only the status says what happened.
  if (status === 404 && name === 'NotFound') {
    return op.key
      ? new FerryError('NO_SUCH_KEY', `There is no object s3://${op.bucket}/${op.key}.`, { cause: err })
      : new FerryError('NO_SUCH_BUCKET', `The bucket ${bucket} does not exist at ${where}.`, { cause: err });
  }
  if (status === 403) {
    return new FerryError('ACCESS_DENIED', `${where} refused the request (403 Forbidden). Check the account's keys and their permissions.`, { cause: err });
  }
  // A response that is not S3 XML: a web page, a proxy, a different service.
  if (isNotS3(e, status)) {
    return new FerryError('NOT_S3', `${where} answered, but not like an S3 service${status ? ` (HTTP ${status})` : ''}. Check the endpoint URL: it should be the service's S3 API address.`, { cause: err });
  }
  const detail = e.message && e.message !== 'UnknownError' ? e.message : `HTTP ${status ?? '?'}`;
  return new FerryError('S3_ERROR', `${where} reported an error: ${code && code !== 'Error' ? `${code}: ` : ''}${detail}`, { cause: err });
}

function isNotS3(e: SdkError & Error, status: number | undefined): boolean {
  const msg = e.message ?? '';
  if (/Deserialization error|char '.*' is not expected|Unexpected (token|end)|Invalid character|non-whitespace before first tag|Expected closing tag/i.test(msg)) return true;
  if (e.name === 'NotS3Response' || e.name === 'UnknownError' || e.name === 'Unknown') return true;
  return status !== undefined && status >= 300 && status < 400;
}
