/**
 * The one contract between main, preload and renderer. Requests are zod schemas, so main
 * validates every payload at runtime against the same definition the types come from; responses
 * and events are plain data types. A channel added or changed here that one side does not
 * follow fails the type-check.
 */
import { z } from 'zod';
import { PROVIDERS, type Provider } from '../main/core/accounts/presets';
import type { PreviewView } from '../main/core/s3/preview-view';
import type { TransferView } from '../main/core/transfers/transfer-view';
import { MIN_PASSPHRASE, PASSPHRASE_RULE } from './shared';

const name = z.string().min(1).max(64);
/** What can name an existing bucket (legacy names allow upper case and underscores); never '/', ':' or '@'. */
const bucket = z
  .string()
  .min(3, 'Bucket names need at least 3 characters.')
  .max(255, 'Bucket names have at most 255 characters.')
  .regex(/^[A-Za-z0-9._-]+$/, 'Bucket names have only letters, digits, dots, hyphens and underscores.');
const utf8Bytes = (s: string) => new TextEncoder().encode(s).length;
/** S3 keys are at most 1,024 bytes of UTF-8 (not characters). */
const key = z
  .string()
  .min(1)
  .refine((k) => utf8Bytes(k) <= 1024, 'Object names can be at most 1,024 bytes long.');
const prefix = z.string().refine((k) => utf8Bytes(k) <= 1024, 'Folder paths can be at most 1,024 bytes long.');
const id = z.string().uuid();
const none = z.undefined();
/** A link the window copies or opens. A private link carries its key and every file's signed link after '#', so it is long: 2 MiB is the longest address Chromium takes. */
const linkUrl = z.string().url().max(2 * 1024 * 1024, 'That link is too long to copy or open.');
/** A private link's ID in the history (private/shares.ts). */
const privateId = z.string().regex(/^[0-9a-f]{16}$/, 'That is not the ID of a private link.');
/** Counted in characters as the core counts them, not UTF-16 units. */
const passphrase = z
  .string()
  .max(1024, 'A passphrase can be at most 1,024 characters.')
  .refine((p) => [...p].length >= MIN_PASSPHRASE, PASSPHRASE_RULE);

export const requests = {
  'app:info': none,
  'presets:list': none,
  'accounts:list': none,
  'accounts:add': z.object({
    name,
    provider: z.enum(PROVIDERS),
    endpoint: z.string().max(2048).optional(),
    region: z.string().max(64).optional(),
    pathStyle: z.boolean().optional(),
    accessKeyId: z.string().min(1, 'Type the access key ID.').max(512),
    secretAccessKey: z.string().min(1, 'Type the secret access key.').max(512),
    /** Keep the account even if its connection test fails (the window asks first). */
    saveAnyway: z.boolean().optional(),
  }),
  'accounts:update': z.object({
    saveAnyway: z.boolean().optional(),
    name,
    endpoint: z.string().max(2048).optional(),
    region: z.string().min(1).max(64).optional(),
    pathStyle: z.boolean().optional(),
    accessKeyId: z.string().min(1).max(512).optional(),
    secretAccessKey: z.string().min(1).max(512).optional(),
  }),
  'accounts:remove': z.object({ name }),
  'accounts:test': z.object({ name }),
  'buckets:list': z.object({ account: name }),
  'buckets:create': z.object({ account: name, bucket }),
  'objects:list': z.object({ account: name, bucket, prefix, token: z.string().max(8192).optional() }),
  /** Deletes objects and folders (a name ending in "/" is a folder, deleted with all below it). */
  'objects:delete': z.object({ account: name, bucket, keys: z.array(key).min(1, 'Select something to delete.').max(10_000) }),
  /** Renames or moves an object or a folder within the bucket (copy, check, then delete). */
  'objects:move': z.object({ account: name, bucket, from: key, to: key }),
  'objects:createFolder': z.object({
    account: name,
    bucket,
    prefix,
    name: z.string().trim().min(1, 'Give the folder a name.').max(255, 'Folder names can be at most 255 characters.'),
  }),
  /** Objects whose name contains the query, anywhere at or below the prefix (a streamed server-side listing). */
  'objects:search': z.object({ account: name, bucket, prefix, query: z.string().trim().min(1, 'Type something to search for.').max(200), token: z.string().max(8192).optional() }),
  /** The first bytes of an image or text object, to preview in the window. */
  'objects:preview': z.object({ account: name, bucket, key }),
  /** Downloads objects and folders into a folder the user picks in the system's dialog (shown by main). */
  'downloads:add': z.object({ account: name, bucket, keys: z.array(key).min(1, 'Select something to download.').max(10_000) }),
  /** Shows a finished download in the system's file manager. */
  'downloads:reveal': z.object({ id }),
  /** Deletes a bucket: an empty one, or with everything in it when its name is typed again. */
  'buckets:delete': z.object({ account: name, bucket, withContents: z.boolean().optional(), typedName: z.string().max(255).optional() }),
  'uploads:add': z.object({
    account: name,
    bucket,
    prefix,
    paths: z.array(z.string().min(1).max(4096)).min(1).max(100_000),
    /** What to do when a file's key already holds an object: ask (fail with OBJECTS_EXIST), replace it, or skip the file. */
    onExisting: z.enum(['ask', 'replace', 'skip', 'keep-both']).optional(),
  }),
  /**
   * Paths the user handed over with a gesture: the preload resolves dropped or pasted File objects
   * to paths in its isolated world and grants them here. Not among the page's methods.
   */
  'files:grant': z.object({ paths: z.array(z.string().min(1).max(4096)).min(1).max(100_000) }),
  /** Opens the system's file dialog (in main); what the user chooses is granted and returned. */
  'files:pick': z.object({ kind: z.enum(['files', 'folder']) }),
  /** The queue's uploads and downloads alike: listed, paused, resumed, cancelled, retried, and the finished ones cleared. */
  'transfers:list': none,
  'transfers:pause': z.object({ id }),
  'transfers:resume': z.object({ id }),
  'transfers:cancel': z.object({ id }),
  'transfers:retry': z.object({ id }),
  'transfers:clear': none,
  'multipart:list': z.object({ account: name, bucket }),
  'multipart:abort': z.object({ account: name, bucket, key, uploadId: z.string().min(1).max(1024) }),
  'links:create': z.object({ account: name, bucket, key, expiresIn: z.number().int().min(1).max(604_800), filename: z.string().min(1).max(255).optional() }),
  'links:history': none,
  'links:check': none,
  'links:clear': none,
  /**
   * The same link as an earlier one of the history (named by its account, object and signing
   * time), signed again byte for byte; a private link with its key from the keychain.
   */
  'links:again': z.object({ account: name, bucket, key, createdAt: z.string().datetime() }),
  /**
   * A private link to objects already in the bucket: each is downloaded, encrypted on this
   * computer and uploaded again as ciphertext, with a decrypt page (main/core/private/shares.ts).
   */
  'links:createPrivate': z.object({
    account: name,
    bucket,
    keys: z.array(key).min(1, 'Select a file to share privately.').max(100, 'A private link holds at most 100 files.'),
    expiresIn: z.number().int().min(1).max(604_800),
    passphrase: passphrase.optional(),
  }),
  /** Ends a private link of the history now (after the user's yes in main's own dialog): its ciphertext and page are deleted. */
  'links:end': z.object({ id: privateId }),
  /** One link (a page listing them) for every file in a folder. */
  'links:createMany': z.object({ account: name, bucket, prefix, expiresIn: z.number().int().min(1).max(604_800), title: z.string().max(200).optional() }),
  /** A file request: a link through which others upload into a folder. */
  /** The folder is made from the title, with a random suffix: the window names no folder (see known-names.ts). */
  'requests:create': z.object({
    account: name,
    bucket,
    title: z.string().trim().min(1, 'Give the request a name.').max(200),
    expiresIn: z.number().int().min(1).max(604_800),
    maxBytes: z.number().int().min(1).max(5 * 1024 ** 3, 'Browser uploads can be at most 5 GiB per file.'),
    accept: z.string().max(100).optional(),
    note: z.string().max(2000).optional(),
    /** Senders' browsers encrypt each file, name included, to this account's key before it is sent. */
    private: z.boolean().optional(),
  }),
  'requests:list': none,
  /**
   * Downloads a file received through a private request into a folder the user picks (main's
   * dialog) and opens it there under its sender's name; a changed or plain file is refused.
   */
  'requests:download': z.object({ account: name, bucket, pageKey: key, key }),
  /** Ends a request early by deleting its page. */
  'requests:end': z.object({ account: name, bucket, pageKey: key }),
  'links:copy': z.object({ url: linkUrl }),
  'links:open': z.object({ url: linkUrl }),
  'prefs:get': none,
  'prefs:set': z.object({
    copyLinkOnUpload: z.boolean().optional(),
    defaultExpirySeconds: z.number().int().min(1, 'A link lasts at least 1 second.').max(604_800, 'A link lasts at most 7 days.').optional(),
    notifications: z.boolean().optional(),
    theme: z.enum(['system', 'light', 'dark']).optional(),
    partSizeMiB: z.number().int().min(5, 'Parts are at least 5 MiB.').max(5120, 'Parts are at most 5 GiB (5120 MiB).').nullable().optional(),
    concurrency: z.number().int().min(1, 'At least 1 part at a time.').max(64, 'At most 64 parts at a time.').nullable().optional(),
    uploadLimitMiBps: z.number().min(0.1, 'The limit is at least 0.1 MiB/s.').max(10_240, 'The limit is at most 10,240 MiB/s.').nullable().optional(),
    lastLocation: z.object({ account: name, bucket: bucket.optional(), prefix: prefix.optional() }).optional(),
    /** null: no destination (sharing from outside the window asks for one). */
    destination: z.object({ account: name, bucket, prefix: prefix.optional() }).nullable().optional(),
    /** null turns the global shortcut off. */
    shortcut: z.string().trim().min(1).max(60).regex(/^[A-Za-z0-9+]+$/, 'A shortcut is keys joined by +, such as CommandOrControl+Shift+U.').nullable().optional(),
    openAtLogin: z.boolean().optional(),
    checkForUpdates: z.boolean().optional(),
  }),
  /** What Ferry can do outside its window on this desktop (Settings shows it). */
  'desktop:state': none,
  /** Adds or removes Ferry's item in a file manager's menu (Linux). */
  'desktop:fileManager': z.object({ id: z.enum(['nautilus', 'nemo', 'dolphin']), on: z.boolean() }),
} as const;

export type Channel = keyof typeof requests;
export type Requests = { [C in Channel]: z.infer<(typeof requests)[C]> };

export interface PresetView {
  id: Provider;
  label: string;
  endpoint?: string;
  endpointHelp?: string;
  region: string;
  pathStyle: boolean;
}

export interface AccountView {
  name: string;
  provider: Provider;
  endpoint?: string;
  region: string;
  pathStyle: boolean;
  isDefault: boolean;
  /** Saved without a passing connection test ("Save anyway"): browsable, but no quick look and no opening its links. */
  untested?: boolean;
}

export interface CheckView {
  name: string;
  ok: boolean;
  detail: string;
}

export interface ConnectionReportView {
  ok: boolean;
  account: string;
  endpoint: string;
  region: string;
  checks: CheckView[];
  buckets?: string[];
  /** What the server supports, in words (multipart, resume, abort, checksums, addressing, clock, POST uploads). */
  abilities?: CheckView[];
}

export interface SaveResultView {
  account: AccountView;
  saved: boolean;
  report: ConnectionReportView;
}

export interface BucketView {
  name: string;
  createdAt?: string;
}

export interface ObjectView {
  key: string;
  size: number;
  lastModified?: string;
}

export interface ObjectPageView {
  folders: string[];
  objects: ObjectView[];
  nextToken?: string;
}

/** Uploads and downloads as the queue reports them: one definition, in the core. */
export type { Overall, TransferStatus, TransferView } from '../main/core/transfers/transfer-view';

/** A multipart upload left unfinished on the server (billed until aborted). */
export interface UnfinishedUploadView {
  key: string;
  uploadId: string;
  initiated?: string;
  parts: number;
  bytes: number;
}

export interface LinkView {
  url: string;
  bucket: string;
  key: string;
  createdAt: string;
  expiresAt: string;
  lifetimeSeconds: number;
  limitedBy: 'expiry' | 'credentials';
  /** The link as a QR code, an SVG document. */
  qrSvg: string;
}

/** What a quick look shows of an object: one definition, in the core. */
export type { PreviewView } from '../main/core/s3/preview-view';

export interface FileRequestView {
  account: string;
  bucket: string;
  prefix: string;
  pageKey: string;
  title: string;
  note?: string;
  maxBytes: number;
  accept?: string;
  createdAt: string;
  expiresAt: string;
  /** Whether the server keeps the "download" marking of files sent (unknown for older requests). */
  keepsDisposition?: boolean;
  /** Files are encrypted in the sender's browser; only this computer's keychain opens them. */
  private?: boolean;
}

export interface RequestStatusView extends FileRequestView {
  state: 'open' | 'expired' | 'ended';
  /** For a private request, each file's name as its sender gave it (decrypted), or why it cannot be opened. */
  received: Array<{ key: string; size: number; lastModified?: string; name?: string; problem?: string }>;
}

export interface LinkRecordView {
  account: string;
  bucket: string;
  key: string;
  createdAt: string;
  expiresAt: string;
  filename?: string;
  expiresIn?: number;
  /** A one-link share: `key` is its page; `prefix` the folder it shares, with how many files. */
  share?: { prefix: string; title: string; files: number };
  /** A private link: `key` is its decrypt page. Its key is in the keychain, never here. */
  private?: { id: string; files: number; title: string; passphrase: boolean };
  /** When a private link was ended (End link now). */
  ended?: string;
}

/** A private link just made. */
export interface PrivateLinkView {
  /** The link, its key after '#': what the user sends. */
  url: string;
  id: string;
  expiresAt: string;
  files: number;
  passphrase: boolean;
  /** False when the keychain could not keep the key: the link works, but cannot be copied again later. */
  kept: boolean;
}

export interface Prefs {
  copyLinkOnUpload: boolean;
  defaultExpirySeconds: number;
  notifications?: boolean;
  theme?: 'system' | 'light' | 'dark';
  partSizeMiB?: number;
  concurrency?: number;
  /** Every upload of the window together, in MiB per second; unset for no limit. */
  uploadLimitMiBps?: number;
  lastLocation?: { account: string; bucket?: string; prefix?: string };
  /** Where files shared from outside the window go (file manager, dock, shortcut, tray). */
  destination?: { account: string; bucket: string; prefix?: string };
  /** The global shortcut for "Share clipboard"; unset: off. */
  shortcut?: string;
  openAtLogin?: boolean;
  /** Unset means on. */
  checkForUpdates?: boolean;
}

/** What Ferry can do outside its window here, for Settings. */
export interface DesktopState {
  /** Start at login: whether this desktop has a way, and in a few words what it is. */
  openAtLogin: { supported: boolean; on: boolean; how: string };
  /**
   * The global shortcut for "Share clipboard". works: false where this desktop gives apps no
   * global shortcuts (Wayland): why says so, and command is what the desktop's own shortcut
   * settings can run instead. active: the saved shortcut is registered now.
   */
  shortcut: { works: boolean; why?: string; command: string; active: boolean };
  /** File managers Ferry can add "Share with Ferry" to (Linux; empty elsewhere). */
  fileManagers: Array<{ id: 'nautilus' | 'nemo' | 'dolphin'; label: string; present: boolean; installed: boolean }>;
  /** The screenshot tool the tray's "Capture an area and share" runs; unset where there is none. */
  capture?: string;
}

export interface Responses {
  'app:info': { name: string; version: string; platform: string };
  'presets:list': PresetView[];
  'accounts:list': AccountView[];
  /** Saved only when its connection test passed, or when saveAnyway was asked for. */
  'accounts:add': SaveResultView;
  'accounts:update': SaveResultView;
  'accounts:remove': null;
  'accounts:test': ConnectionReportView;
  'buckets:list': BucketView[];
  'buckets:create': null;
  'objects:list': ObjectPageView;
  'objects:delete': { deleted: number };
  'objects:move': { moved: number };
  'objects:createFolder': { prefix: string };
  'objects:search': { objects: ObjectView[]; nextToken?: string; scanned: number };
  'objects:preview': PreviewView;
  'downloads:add': TransferView[];
  'downloads:reveal': null;
  'buckets:delete': { objects: number };
  'uploads:add': TransferView[];
  'files:grant': null;
  'files:pick': string[];
  'transfers:list': TransferView[];
  'transfers:pause': null;
  'transfers:resume': null;
  'transfers:cancel': null;
  'transfers:retry': null;
  'transfers:clear': null;
  'multipart:list': UnfinishedUploadView[];
  'multipart:abort': null;
  'links:create': LinkView;
  /** Working links of the history whose file (or one-link page) is not there any more: renamed, moved or deleted. */
  'links:check': Array<Pick<LinkRecordView, 'account' | 'bucket' | 'key' | 'createdAt'>>;
  'links:history': LinkRecordView[];
  'links:clear': null;
  'links:again': { url: string };
  'links:createMany': { url: string; expiresAt: string; files: number };
  'links:createPrivate': PrivateLinkView;
  /** Ended, or cancelled in main's dialog (the error CANCELLED). */
  'links:end': null;
  'requests:create': { url: string; request: FileRequestView };
  'requests:list': RequestStatusView[];
  /** Null when no folder was chosen. */
  'requests:download': { name: string } | null;
  'requests:end': null;
  'links:copy': null;
  'links:open': null;
  'prefs:get': Prefs;
  'prefs:set': Prefs;
  'desktop:state': DesktopState;
  'desktop:fileManager': DesktopState;
}

/** Events main sends to the window. */
export interface Events {
  /** Transfers that changed since the last batch (sent at most a few times a second). */
  'transfers:changed': TransferView[];
  /** Something the window should tell the user about (for example a link copied from the tray). */
  'notice': { message: string };
  /** A link was made (in the window, by the tray or on upload): the history has changed. */
  'links:changed': null;
}

