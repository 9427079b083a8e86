/**
 * A request the window sent that its schema refused, said in words: never zod's output, which
 * names types and operators.
 */

/** What each field of a request is, for people. */
const FIELD_WORDS: Record<string, string> = {
  account: 'account name',
  name: 'name',
  bucket: 'bucket name',
  key: 'object name',
  keys: 'object names',
  from: 'name',
  to: 'new name',
  prefix: 'folder',
  paths: 'files',
  endpoint: 'endpoint URL',
  region: 'region',
  accessKeyId: 'access key ID',
  secretAccessKey: 'secret access key',
  expiresIn: 'link lifetime',
  filename: 'download name',
  title: 'title',
  url: 'link',
  query: 'search',
};

type Issue = { code?: string; message?: string; path: PropertyKey[]; minimum?: unknown; maximum?: unknown };

/** The first problem of a refused request: our own schema messages are sentences for people; anything else names the field. */
export function describeInvalid(issue: Issue | undefined): string {
  return issue?.message && /^[A-Z].*\.$/.test(issue.message) ? issue.message : inWords(issue);
}

/** A validation problem our schemas did not word, in words: never schema output. */
function inWords(issue: Issue | undefined): string {
  const field = issue?.path.find((p): p is string => typeof p === 'string' && p in FIELD_WORDS);
  const what = field ? FIELD_WORDS[field]! : 'request';
  const The = `The ${what}`;
  switch (issue?.code) {
    case 'too_small':
      return issue.minimum === 1 || issue.minimum === 1n ? `${The} is missing. Fill it in and try again.` : `${The} is too short (at least ${String(issue.minimum)}).`;
    case 'too_big':
      return `${The} is too long (at most ${String(issue.maximum)}).`;
    case 'invalid_type':
      return `${The} is missing or not of the right kind.`;
    default:
      return `${The} is not valid. Check it and try again.`;
  }
}
