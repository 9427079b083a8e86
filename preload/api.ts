/**
 * The window's API, built by the preload: one named method per channel of the contract. This
 * file has no runtime imports, so the sandboxed preload bundles nothing but this map.
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
  deleteObject: 'objects:delete',
  addUploads: 'uploads:add',
  listUploads: 'uploads:list',
  pauseUpload: 'uploads:pause',
  resumeUpload: 'uploads:resume',
  cancelUpload: 'uploads:cancel',
  retryUpload: 'uploads:retry',
  clearUploads: 'uploads:clear',
  listUnfinished: 'multipart:list',
  abortUnfinished: 'multipart:abort',
  createLink: 'links:create',
  linkHistory: 'links:history',
  copyLink: 'links:copy',
  openLink: 'links:open',
  getPrefs: 'prefs:get',
  setPrefs: 'prefs:set',
} as const satisfies Record<string, Channel>;

export const events = ['uploads:changed', 'notice'] as const satisfies ReadonlyArray<keyof Events>;

type Methods = typeof methods;
type Call<C extends Channel> = Requests[C] extends undefined ? () => Promise<Result<Responses[C]>> : (request: Requests[C]) => Promise<Result<Responses[C]>>;

export type FerryApi = { [M in keyof Methods]: Call<Methods[M]> } & {
  /** Subscribes to an event; returns the function that unsubscribes. */
  on<E extends keyof Events>(event: E, listener: (payload: Events[E]) => void): () => void;
  /** The path on disk of a file or folder dropped on the window. */
  pathForFile(file: File): string;
};
