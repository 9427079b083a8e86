/**
 * The window's API, built by the preload: one named method per channel of the contract, and
 * addFiles. This file has no runtime imports, so the sandboxed preload bundles nothing but this.
 */
import type { Channel, Events, Requests, Responses } from './contract';

/** What crosses the IPC boundary for a call: the value, or an error a user can read. */
export type Result<T> = { ok: true; value: T } | { ok: false; error: { code: string; message: string } };

export const methods = {
  appInfo: 'app:info',
  listPresets: 'presets:list',
  listAccounts: 'accounts:list',
  addAccount: 'accounts:add',
  updateAccount: 'accounts:update',
  removeAccount: 'accounts:remove',
  testAccount: 'accounts:test',
  listBuckets: 'buckets:list',
  createBucket: 'buckets:create',
  listObjects: 'objects:list',
  deleteObjects: 'objects:delete',
  moveObject: 'objects:move',
  createFolder: 'objects:createFolder',
  searchObjects: 'objects:search',
  previewObject: 'objects:preview',
  download: 'downloads:add',
  revealDownload: 'downloads:reveal',
  deleteBucket: 'buckets:delete',
  clearLinkHistory: 'links:clear',
  addUploads: 'uploads:add',
  pickFiles: 'files:pick',
  listTransfers: 'transfers:list',
  pauseTransfer: 'transfers:pause',
  resumeTransfer: 'transfers:resume',
  cancelTransfer: 'transfers:cancel',
  retryTransfer: 'transfers:retry',
  clearTransfers: 'transfers:clear',
  listUnfinished: 'multipart:list',
  abortUnfinished: 'multipart:abort',
  createLink: 'links:create',
  linkHistory: 'links:history',
  checkLinks: 'links:check',
  linkAgain: 'links:again',
  shareFolder: 'links:createMany',
  createPrivateLink: 'links:createPrivate',
  endLink: 'links:end',
  requestFiles: 'requests:create',
  listRequests: 'requests:list',
  endRequest: 'requests:end',
  downloadReceived: 'requests:download',
  copyLink: 'links:copy',
  openLink: 'links:open',
  getPrefs: 'prefs:get',
  setPrefs: 'prefs:set',
  desktopState: 'desktop:state',
  setFileManagerItem: 'desktop:fileManager',
} as const satisfies Record<string, Channel>;

export const events = ['transfers:changed', 'notice', 'links:changed'] as const satisfies ReadonlyArray<keyof Events>;

/**
 * The channel only the preload calls: it grants the paths of File objects the user dropped or
 * pasted, resolved inside the isolated world where page script cannot reach.
 */
export const GRANT_CHANNEL = 'files:grant' satisfies Channel;

/** What addFiles asks for: where to upload; the files themselves come as File objects. */
export type AddFilesRequest = Omit<Requests['uploads:add'], 'paths'>;

/**
 * The preload's addFiles, shared with the test harness's stand-in so both take the same route:
 * resolve each File to its path (an empty path is a File the page made up, not one the user
 * dropped), grant those paths, then add the uploads.
 */
export async function addFilesVia(
  invoke: (channel: Channel, request: unknown) => Promise<Result<unknown>>,
  pathOf: (file: File) => string,
  request: AddFilesRequest,
  files: File[],
): Promise<Result<Responses['uploads:add']>> {
  const paths = files.map(pathOf).filter(Boolean);
  if (!paths.length) return { ok: false, error: { code: 'FILE_NOT_FOUND', message: 'Nothing to upload: drop or paste files and folders from your computer.' } };
  const granted = await invoke(GRANT_CHANNEL, { paths });
  if (!granted.ok) return granted;
  return (await invoke('uploads:add', { ...request, paths })) as Result<Responses['uploads:add']>;
}

type Methods = typeof methods;
type Call<C extends Channel> = Requests[C] extends undefined ? () => Promise<Result<Responses[C]>> : (request: Requests[C]) => Promise<Result<Responses[C]>>;

export type FerryApi = { [M in keyof Methods]: Call<Methods[M]> } & {
  /** Subscribes to an event; returns the function that unsubscribes. */
  on<E extends keyof Events>(event: E, listener: (payload: Events[E]) => void): () => void;
  /** Uploads files and folders the user dropped or pasted (File objects; their paths never pass through the page). */
  addFiles(request: AddFilesRequest, files: File[]): Promise<Result<Responses['uploads:add']>>;
};
