/**
 * The CLI's version and help text, apart from everything else: `ferry --version` and
 * `ferry --help` print these without loading the S3 SDK, zod or the keychain.
 */
import { PROVIDERS } from '../core/accounts/presets';

export const VERSION = '0.1.0';

export const HELP = `ferry: upload files to S3-compatible storage and share expiring links

Usage: ferry [options] <command> [arguments]

Commands
  ls [s3://bucket[/prefix]]        list buckets, or a bucket's folders and objects (--recursive: all keys)
  mb s3://bucket                   create a bucket
  cp FILE s3://bucket[/key]        upload a file (a key ending in / keeps the file's name)
  cp DIR s3://bucket[/prefix] --recursive   upload a folder's files under the prefix
  cp s3://bucket/key [FILE|DIR]    download an object (in parallel ranges; an interrupted download continues)
  cp s3://bucket/prefix/ DIR --recursive   download a folder's objects into DIR
  mv s3://bucket/key s3://bucket/newkey    rename or move (copied on the server, checked, then deleted)
  mv s3://bucket/dir/ s3://bucket/new/ --recursive   move a folder
  rm s3://bucket/key               delete an object
  rm s3://bucket/prefix/ --recursive   delete a folder and everything in it
  rb s3://bucket [--force]         delete a bucket (--force: with everything in it)
  presign s3://bucket/key          print a share link (--expires-in, default 3600 seconds)
  share FILE s3://bucket[/key]     upload, then print a share link
  share FILE… s3://bucket/prefix/ --one-link   upload several files and share them as one link (a page listing them)
  share s3://bucket/folder/ --one-link         share every file in a folder as one link
  request s3://bucket/incoming/name/ --max-size 2GiB [--accept image/*] [--note TEXT]   a link others upload files through
  requests                         file requests made here: open or expired, with the files received
  links                            the share links issued so far, with their expiry
  uploads ls s3://bucket[/prefix]  unfinished multipart uploads (billed until aborted): age, parts, size
  uploads abort s3://bucket[/prefix] [--older-than 1d] [--upload-id ID]   abort them
  accounts add NAME                add an account; keys are read from a prompt or stdin and kept in the keychain
  accounts list | remove NAME | test [NAME] | default NAME

Options (before or after the command)
  --account NAME        use this account (default: FERRY_ACCOUNT, AWS_* variables, then the default account)
  --endpoint-url URL    S3 endpoint to use instead of the account's
  --region REGION       region to sign requests for
  --expires-in TIME     link lifetime: seconds or 90s, 15m, 1h, 7d (1 second to 7 days)
  --filename NAME       file name the browser saves a shared download as
  --one-link            with share: one link (a page) for many files
  --max-size SIZE       with request: the largest file a sender may upload (at most 5 GiB)
  --accept TYPE         with request: only files of this type, e.g. image/* or application/pdf
  --note TEXT           with request: a note shown to the sender
  --title TEXT          with request and share --one-link: the page's title
  --provider NAME       with accounts add: ${PROVIDERS.join(', ')}
  --access-key-id ID    with accounts add (the secret is never taken as an option)
  --path-style | --virtual-hosted   with accounts add: addressing style
  --allow-link-local-endpoint   with accounts add: accept a link-local endpoint (169.254.x.x, fe80::)
  --part-size SIZE      multipart part size, e.g. 64MiB (default: the provider's, else chosen per file)
  --concurrency N       parts in flight at once (default: chosen per file size; --debug shows it)
  --recursive           with ls: every key under the prefix; with cp: a whole folder
  --json                machine-readable output
  --no-progress         no progress bar even on a terminal
  --no-resume           with cp/share: start an interrupted upload afresh instead of continuing it
  --no-clobber          with cp/share: do not replace an object that already exists
  --debug               show stack traces and the upload plan
  -h, --help            this help
  --version             Ferry's version

Credentials for scripts: AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN, AWS_ENDPOINT_URL, AWS_REGION.
`;


/** The help, as ferry --help and ferry COMMAND --help print it. */
export async function help(): Promise<string> {
  return HELP;
}
