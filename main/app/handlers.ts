/**
 * The IPC handler table: every channel of the contract, implemented over the core. It imports
 * nothing from Electron, so the end-to-end tests run this same table in Node and wire the real
 * renderer to it; main/app/ipc.ts registers it with ipcMain behind the sender check.
 */
import QRCode from 'qrcode';
import type { Channel, Events, LinkView, Requests, Responses, TransferView } from '../../preload/contract';
import { requests } from '../../preload/contract';
import type { Result } from '../../preload/api';
import { accountFromInput, normaliseEndpoint } from '../core/accounts/accounts';
import { PRESETS, PROVIDERS } from '../core/accounts/presets';
import { FerryError, isFerryError } from '../core/errors';
import type { AccountSummary, Connection, Ferry } from '../core/ferry';
import { UploadHistory, type UploadRecord } from '../core/transfers/upload-history';
import { shareableKeys } from '../core/sharing/sharing';
import { expandDrop } from '../core/transfers/drop';
import { PathGrants } from './grants';
import { KnownNames } from './known-names';
import { forWindow } from './window-words';
import { TransferQueue } from '../core/transfers/queue';
import { PendingDownloads } from '../core/transfers/pending-downloads';
import type { SavedUpload } from '../core/transfers/state';
import { safeLines, safeText } from '../core/text';
import { createFolder, deleteBucket, deleteObjects, moveObjects, searchObjects } from '../core/s3/manage';
import type { ObjectInfo } from '../core/s3/storage';
import { preview } from '../core/s3/preview';
import { planDownload } from '../core/transfers/targets';

/** What the handlers need from the desktop, injected so tests can watch it. */
export interface Platform {
  copyText(text: string): void;
  notify(title: string, body: string): void;
  openExternal(url: string): void;
  /**
   * The system's open dialog, shown by main: the paths the user chose (none if cancelled).
   * 'destination' asks for the one folder downloads go to.
   */
  pickFiles(kind: 'files' | 'folder' | 'destination'): Promise<string[]>;
  /** Shows a file in the system's file manager. */
  revealFile?(path: string): void;
  /**
   * Asks the user in a dialog of main's own (which page script can neither see nor answer), for
   * the one decision that sends the keys somewhere: which server an account talks to. True: go on.
   */
  confirm(question: { message: string; detail: string; ok: string }): Promise<boolean>;
}

export type Emit = <E extends keyof Events>(event: E, payload: Events[E]) => void;

type Handlers = { [C in Channel]: (request: Requests[C]) => Promise<Responses[C]> };

export interface AppCore {
  handlers: Handlers;
  queue: TransferQueue;
  uploads: UploadHistory;
  /** Validates an untrusted payload and runs the channel's handler; never throws. */
  handle(channel: string, payload: unknown): Promise<Result<unknown>>;
  /** Signs a fresh link for a finished upload with the default expiry and copies it (the tray's action). */
  copyLinkFor(upload: UploadRecord): Promise<LinkView>;
  /** Latest finished uploads, newest first. */
  recentUploads(limit?: number): Promise<UploadRecord[]>;
  /** Checks open file requests for new files and notifies about them. */
  pollRequests(): Promise<void>;
  dispose(): void;
}

export interface AppCoreOptions {
  ferry: Ferry;
  dataDir: string;
  platform: Platform;
  emit: Emit;
  appInfo: { name: string; version: string; platform: string };
  /** How often queued progress is sent to the window. */
  batchMs?: number;
  /** Called when the recent uploads change (the tray rebuilds its menu). */
  onRecentChanged?: () => void;
  /** How often open file requests are checked for new files (0: never; tests call pollRequests). */
  requestPollMs?: number;
}

const isChannel = (c: string): c is Channel => Object.prototype.hasOwnProperty.call(requests, c);

export function createAppCore(opts: AppCoreOptions): AppCore {
  const { ferry, emit } = opts;
  // Notifications can be turned off in Settings (the setting is kept here, so a notification is
  // shown or not at once); everything else the platform does stays as is.
  let notificationsOn = true;
  const learnPrefs = <T extends { notifications?: boolean }>(p: T): T => ((notificationsOn = p.notifications !== false), p);
  void ferry.preferences.get().then(learnPrefs, () => {});
  const platform: Platform = {
    ...opts.platform,
    // Names in notifications are shown as the window shows them: control and bidi characters visible.
    notify: (title, body) => {
      if (notificationsOn) opts.platform.notify(safeText(title), safeLines(body));
    },
  };
  const connections = new Map<string, Promise<Connection>>();
  const connection = (account: string): Promise<Connection> => {
    let c = connections.get(account);
    if (!c) {
      c = ferry.connect({ account }, { concurrency: 4 });
      connections.set(account, c);
      c.catch(() => connections.delete(account));
    }
    return c;
  };
  /** New work on the account gets a new connection; uploads running on the old one finish on it. */
  const forget = (account: string) => {
    const c = connections.get(account);
    connections.delete(account);
    void c?.then((conn) => conn.retire(), () => {});
  };

  // Progress from many transfers is coalesced: each batch carries only what changed since the last.
  const pending = new Map<string, TransferView>();
  let timer: NodeJS.Timeout | undefined;
  const flush = () => {
    timer = undefined;
    if (!pending.size) return;
    const batch = [...pending.values()];
    pending.clear();
    emit('transfers:changed', batch);
  };
  const uploads = new UploadHistory(opts.dataDir);
  const grants = new PathGrants();
  /** Names the window may use in requests to servers: only what main was shown or made (see known-names.ts). */
  const known = new KnownNames();
  // The window opens where it was last: that place was checked when it was saved.
  const seeded = ferry.preferences.get().then(
    (p) => {
      const at = p.lastLocation;
      if (at?.bucket) known.learnKeys(at.account, at.bucket, at.prefix ? [at.prefix] : []);
    },
    () => {},
  );

  /** Links Ferry signed in this session, and for which account: the only addresses the window may open in the browser. */
  const issued = new Map<string, string>();
  const remember = (account: string, url: string) => issued.set(new URL(url).toString(), account);
  const link = async (account: string, bucket: string, key: string, expiresIn: number, filename?: string): Promise<LinkView> => {
    const conn = await connection(account);
    const l = await conn.share({ bucket, key, expiresIn, ...(filename ? { filename } : {}) });
    remember(account, l.url);
    // The window's history shows it at once, whoever made it (window, tray, copy on upload).
    emit('links:changed', null);
    const qrSvg = await QRCode.toString(l.url, { type: 'svg', errorCorrectionLevel: 'M', margin: 1 });
    return { url: l.url, bucket: l.bucket, key: l.key, createdAt: l.createdAt, expiresAt: l.expiresAt, lifetimeSeconds: l.lifetimeSeconds, limitedBy: l.limitedBy, qrSvg };
  };

  const copyLinkFor = async (u: UploadRecord): Promise<LinkView> => {
    // The history remembers uploads, not deletions: never hand out a link to something gone.
    if (!(await (await connection(u.account)).storage.exists(u.bucket, u.key))) {
      throw new FerryError('NO_SUCH_KEY', `${u.key} is no longer in ${u.bucket} (it was deleted after it was uploaded), so there is no link to copy.`);
    }
    const prefs = await ferry.preferences.get();
    const l = await link(u.account, u.bucket, u.key, prefs.defaultExpirySeconds);
    platform.copyText(l.url);
    return l;
  };

  /** Transfers added together (one drop, paste, pick or download), announced together when the last one ends. */
  interface DropGroup {
    direction: 'upload' | 'download';
    /** Where downloads went. */
    folder?: string;
    bucket: string;
    prefix: string;
    size: number;
    left: number;
    done: string[];
    failed: string[];
  }
  const groups = new Map<string, DropGroup>();
  const leafOf = (key: string) => key.slice(key.lastIndexOf('/') + 1) || key;

  const pendingDownloads = new PendingDownloads(opts.dataDir);
  const queue = new TransferQueue({
    connection,
    pendingDownloads,
    tuning: async () => {
      const p = await ferry.preferences.get();
      return { ...(p.partSizeMiB ? { partSize: p.partSizeMiB * 1024 * 1024 } : {}), ...(p.concurrency ? { concurrency: p.concurrency } : {}) };
    },
    onChange: (view) => {
      // What is uploaded or downloaded is a name the window may act on next (Copy link, Share).
      known.learnKeys(view.account, view.bucket, [view.key]);
      pending.set(view.id, view.error ? { ...view, error: forWindow(view.error) } : view);
      timer ??= setTimeout(flush, opts.batchMs ?? 150);
    },
    onFinished: (view) => {
      // Bookkeeping first and synchronously: the last of a drop to end announces the drop.
      const group = groups.get(view.id);
      groups.delete(view.id);
      if (group) {
        if (view.status === 'done') group.done.push(view.key);
        else if (view.status === 'failed') group.failed.push(`${leafOf(view.key)}: ${forWindow(view.error ?? 'unknown error')}`);
        group.left--;
      }
      const last = group?.left === 0;
      void (async () => {
        let copied = false;
        if (view.status === 'done' && view.direction === 'upload') {
          const record: UploadRecord = { account: view.account, bucket: view.bucket, key: view.key, size: view.size, finishedAt: new Date(ferry.clock.now()).toISOString() };
          await uploads.add(record);
          opts.onRecentChanged?.();
          // A link is copied for a file uploaded on its own; a drop of many has many links.
          if ((!group || group.size === 1) && (await ferry.preferences.get()).copyLinkOnUpload) {
            const l = await copyLinkFor(record);
            copied = true;
            // Said in the window too, not only in a notification that may be switched off.
            emit('notice', { message: `${leafOf(view.key)} is uploaded and its share link is on the clipboard (it works until ${new Date(l.expiresAt).toLocaleString()}).` });
          }
        }
        if (!group) return announce({ direction: view.direction, bucket: view.bucket, prefix: '', size: 1, left: 0, done: view.status === 'done' ? [view.key] : [], failed: view.status === 'failed' ? [`${leafOf(view.key)}: ${forWindow(view.error ?? 'unknown error')}`] : [] }, copied);
        if (last) announce(group, copied);
      })().catch((err: unknown) => platform.notify('Ferry', err instanceof Error ? err.message : String(err)));
    },
  });

  /** One notification for a drop's finished files and one for its failures: never one per file. */
  function announce(g: DropGroup, copied: boolean): void {
    const where = `${g.bucket}/${g.prefix}`;
    if (g.direction === 'download') {
      const names = g.done.map(leafOf);
      if (names.length) platform.notify(names.length === 1 ? 'Download finished' : `${names.length} files downloaded`, `${names.length <= 3 ? names.join(', ') : `${names.slice(0, 2).join(', ')} and ${names.length - 2} more`} ${names.length === 1 ? 'is' : 'are'} in ${g.folder ?? 'your folder'}.`);
      if (g.failed.length) platform.notify(g.failed.length === 1 ? 'Download failed' : `${g.failed.length} downloads failed`, `${g.failed[0]}${g.failed.length > 1 ? ` (and ${g.failed.length - 1} more; see the transfer list)` : ''}`);
      return;
    }
    if (g.done.length) {
      const names = g.done.map(leafOf);
      const listed = names.length <= 3 ? names.join(', ') : `${names.slice(0, 2).join(', ')} and ${names.length - 2} more`;
      if (copied) platform.notify('Uploaded, link copied', `${listed} is uploaded to ${where}; its share link is on the clipboard.`);
      else platform.notify(names.length === 1 ? 'Upload finished' : `${names.length} files uploaded`, `${listed} ${names.length === 1 ? 'is' : 'are'} in ${where}.`);
    }
    if (g.failed.length) {
      platform.notify(g.failed.length === 1 ? 'Upload failed' : `${g.failed.length} uploads failed`, `${g.failed[0]}${g.failed.length > 1 ? ` (and ${g.failed.length - 1} more; see the upload list)` : ''}`);
    }
  }

  // Uploads and downloads an earlier run left unfinished (crash, kill, quit or pause) come back
  // paused. What a cancel or a lost Create left on the server is cleaned up, out of sight.
  const tidy = (left: SavedUpload[]) => {
    for (const s of left) void connection(s.account).then((c) => c.abandon(s.file, s.bucket, s.key)).catch(() => {});
  };
  const restored = Promise.all([
    ferry.uploadStates
      .list()
      .then((saved) => {
        tidy(saved.filter((s) => !s.uploadId || s.cancelled));
        return queue.restore(saved.filter((s) => s.uploadId && !s.cancelled));
      })
      .catch(() => []),
    pendingDownloads.list().then((saved) => queue.restoreDownloads(saved)).catch(() => []),
  ]);

  /** Main's own question before an account's keys go to a server: a page cannot choose where they go. */
  const confirmEndpoint = async (account: string, endpoint: string) => {
    const yes = await platform.confirm({
      message: `Connect “${safeText(account)}” to ${safeText(endpoint)}?`,
      detail: 'Ferry will send requests signed with this account’s keys to that address. Go on only if you typed it yourself.',
      ok: 'Connect',
    });
    if (!yes) throw new FerryError('CANCELLED', `Not saved: connecting “${account}” to ${endpoint} was not confirmed.`);
  };

  /** The connection test, as a report also when the test itself could not run. */
  const testReport = async (name: string) => {
    forget(name);
    try {
      const report = await ferry.testConnection({ account: name });
      return { ...report, checks: report.checks.map((c) => ({ ...c, detail: forWindow(c.detail) })) };
    } catch (err) {
      const detail = forWindow(err instanceof Error ? err.message : String(err));
      return { ok: false, account: name, endpoint: '', region: '', checks: [{ name: 'reachable' as const, ok: false, detail }] };
    }
  };

  const viewOf = (a: AccountSummary) => ({ name: a.name, provider: a.provider, ...(a.endpoint ? { endpoint: a.endpoint } : {}), region: a.region, pathStyle: a.pathStyle, isDefault: a.isDefault, ...(a.untested ? { untested: true } : {}) });
  const accountView = async (name: string) => viewOf((await ferry.listAccounts()).find((x) => x.name === name)!);
  /** An account saved without a passing test is browsable, but what its endpoint answers is never shown or opened. */
  const tested = async (account: string, what: string) => {
    if ((await ferry.accounts.get(account)).untested) {
      throw new FerryError('FORBIDDEN', `${what} is off for "${account}" until its connection test passes: it was saved without one, so what its endpoint answers may not be storage of yours. Open the account's settings and test it again.`);
    }
  };

  const handlers: Handlers = {
    'app:info': async () => opts.appInfo,
    'presets:list': async () =>
      PROVIDERS.map((id) => {
        const p = PRESETS[id];
        return { id, label: p.label, ...(p.endpoint ? { endpoint: p.endpoint } : {}), ...(p.endpointHelp ? { endpointHelp: p.endpointHelp } : {}), region: p.region, pathStyle: p.pathStyle };
      }),
    'accounts:list': async () => (await ferry.listAccounts()).map(viewOf),
    'accounts:add': async ({ saveAnyway, accessKeyId, secretAccessKey, ...input }) => {
      const where = accountFromInput(input, new Date()).endpoint ?? `Amazon S3 (${input.region || PRESETS.aws.region})`;
      await confirmEndpoint(input.name, where);
      await ferry.addAccount(input, { accessKeyId, secretAccessKey });
      const report = await testReport(input.name);
      // A failed test keeps nothing (unless the user said "Save anyway"): no half-set-up account.
      if (!report.ok && !saveAnyway) {
        const account = await accountView(input.name);
        await ferry.removeAccount(input.name);
        return { account, saved: false, report };
      }
      if (!report.ok) await ferry.accounts.setUntested(input.name, true);
      return { account: await accountView(input.name), saved: true, report };
    },
    'accounts:update': async ({ name, saveAnyway, accessKeyId, secretAccessKey, ...patch }) => {
      if (Boolean(accessKeyId) !== Boolean(secretAccessKey)) {
        throw new FerryError('BAD_CREDENTIALS', 'To change the keys, give both the access key ID and the secret access key.');
      }
      const before = await ferry.accounts.get(name);
      const moving = patch.endpoint !== undefined && (patch.endpoint ? normaliseEndpoint(patch.endpoint, { allowLinkLocal: before.allowLinkLocal ?? false }) : undefined) !== before.endpoint;
      // A move without the keys is refused by the core; with them, the user says yes first, and
      // what the old server listed says nothing about the new one.
      if (moving && accessKeyId && secretAccessKey) {
        await confirmEndpoint(name, patch.endpoint || 'Amazon S3');
        known.forgetAccount(name);
      }
      let report: Awaited<ReturnType<typeof testReport>> | undefined;
      const saved = await ferry.tryAccountChange(name, patch, accessKeyId && secretAccessKey ? { accessKeyId, secretAccessKey } : undefined, async () => {
        report = await testReport(name);
        return report.ok || Boolean(saveAnyway);
      });
      if (saved && !report!.ok) await ferry.accounts.setUntested(name, true);
      forget(name);
      return { account: await accountView(name), saved, report: report! };
    },
    'accounts:remove': async ({ name }) => {
      await ferry.removeAccount(name);
      known.forgetAccount(name);
      forget(name);
      return null;
    },
    'accounts:test': async ({ name }) => testReport(name),
    'buckets:list': async ({ account }) => {
      const buckets = await (await connection(account)).storage.listBuckets();
      known.learnBuckets(account, buckets.map((b) => b.name));
      return buckets;
    },
    'buckets:create': async ({ account, bucket }) => {
      await (await connection(account)).storage.createBucket(bucket);
      known.learnBuckets(account, [bucket]);
      return null;
    },
    'objects:list': async ({ account, bucket, prefix, token }) => {
      await seeded;
      known.folder(account, bucket, prefix);
      const listing = JSON.stringify(['list', account, bucket, prefix]);
      known.token(listing, token);
      const conn = await connection(account);
      const page = await conn.storage.listPage(bucket, prefix, token ? { token } : {});
      known.nextToken(listing, token, page.nextToken, conn.storage.endpoint);
      known.learnKeys(account, bucket, [...page.folders, ...page.objects.map((o) => o.key)]);
      return { folders: page.folders, objects: page.objects.map(objectView), ...(page.nextToken ? { nextToken: page.nextToken } : {}) };
    },
    'objects:delete': async ({ account, bucket, keys }) => {
      for (const k of keys) known.key(account, bucket, k);
      return { deleted: await deleteObjects((await connection(account)).storage, bucket, keys) };
    },
    'objects:move': async ({ account, bucket, from, to }) => {
      known.key(account, bucket, from);
      const moved = await moveObjects((await connection(account)).storage, bucket, from, to);
      known.learnKeys(account, bucket, [to, ...moved.map((m) => m.to)]);
      return { moved: moved.length };
    },
    'objects:createFolder': async ({ account, bucket, prefix, name }) => {
      known.folder(account, bucket, prefix);
      const made = await createFolder((await connection(account)).storage, bucket, prefix, name);
      known.learnKeys(account, bucket, [made]);
      return { prefix: made };
    },
    'objects:search': async ({ account, bucket, prefix, query, token }) => {
      known.folder(account, bucket, prefix);
      const listing = JSON.stringify(['search', account, bucket, prefix, query]);
      known.token(listing, token);
      const conn = await connection(account);
      const found = await searchObjects(conn.storage, bucket, prefix, query, token ? { token } : {});
      known.nextToken(listing, token, found.nextToken, conn.storage.endpoint);
      known.learnKeys(account, bucket, found.objects.map((o) => o.key));
      return { objects: found.objects.map(objectView), ...(found.nextToken ? { nextToken: found.nextToken } : {}), scanned: found.scanned };
    },
    'objects:preview': async ({ account, bucket, key }) => {
      known.key(account, bucket, key);
      await tested(account, 'Quick look');
      return preview((await connection(account)).storage, bucket, key);
    },
    'downloads:add': async ({ account, bucket, keys }) => {
      for (const k of keys) known.key(account, bucket, k);
      const [folder] = await platform.pickFiles('destination');
      if (!folder) return [];
      const conn = await connection(account);
      // Never a target another download of this window will write, compared as the folder's file system compares names.
      const { items, skipped } = await planDownload(conn.storage, bucket, keys, folder, { busy: (file, fold) => queue.downloadTargets().some((t) => fold(t) === fold(file)) });
      if (skipped.length) {
        emit('notice', {
          message: `${skipped.length} object${skipped.length === 1 ? ' was' : 's were'} not downloaded: ${skipped.slice(0, 3).map((x) => `${leafOf(x.key)} (${x.reason})`).join('; ')}${skipped.length > 3 ? '; …' : ''}. The rest are downloading.`,
        });
      }
      if (!items.length) throw new FerryError('NO_SUCH_KEY', skipped.length ? 'Nothing to download: no selected object can be saved here (see the notice).' : 'Nothing to download: the selected folders are empty.');
      const added = queue.add(items.map((i) => ({ account, bucket, key: i.key, file: i.file, folder: i.folder, size: i.size, direction: 'download' as const })));
      const group: DropGroup = { direction: 'download', folder, bucket, prefix: '', size: added.length, left: added.length, done: [], failed: [] };
      for (const t of added) groups.set(t.id, group);
      return added;
    },
    'downloads:reveal': async ({ id }) => {
      const t = queue.get(id);
      // Only a file Ferry downloaded in this session is shown: never a path the page names.
      if (!t || t.direction !== 'download' || t.status !== 'done') throw new FerryError('FILE_NOT_FOUND', 'That download is not finished (or no longer listed).');
      platform.revealFile?.(t.file);
      return null;
    },
    'buckets:delete': async ({ account, bucket, withContents, typedName }) => {
      known.bucket(account, bucket);
      if (withContents && typedName !== bucket) throw new FerryError('USAGE', `Type the bucket's name, ${bucket}, to delete it with everything in it.`);
      const out = await deleteBucket((await connection(account)).storage, bucket, { withContents: Boolean(withContents) });
      const p = await ferry.preferences.get();
      if (p.lastLocation?.account === account && p.lastLocation.bucket === bucket) await ferry.preferences.set({ lastLocation: { account } });
      return out;
    },
    'files:grant': async ({ paths }) => {
      await grants.grant(paths);
      return null;
    },
    'files:pick': async ({ kind }) => {
      const paths = await platform.pickFiles(kind);
      await grants.grant(paths);
      return paths;
    },
    'uploads:add': async ({ account, bucket, prefix, paths, onExisting = 'ask' }) => {
      await grants.check(paths);
      await ferry.accounts.get(account);
      known.newFolder(account, bucket, prefix);
      const outside: string[] = [];
      let files = await expandDrop(paths, prefix, ({ link, target }) => outside.push(`${link} → ${target}`));
      if (outside.length) {
        emit('notice', {
          message: `${outside.length} symbolic link${outside.length === 1 ? '' : 's'} in the dropped folder point${outside.length === 1 ? 's' : ''} outside it and ${outside.length === 1 ? 'was' : 'were'} not uploaded: ${outside.slice(0, 3).join(', ')}${outside.length > 3 ? ', …' : ''}. Drop the files they point to if you want them.`,
        });
      }
      if (!files.length) throw new FerryError('FILE_NOT_FOUND', 'Nothing to upload: the dropped folders contain no files.');
      if (onExisting !== 'replace') {
        const taken = await existingKeys(await connection(account), bucket, prefix, files.map((f) => f.key));
        if (taken.size && onExisting === 'ask') {
          const names = [...taken].slice(0, 5).map((k) => k.slice(k.lastIndexOf('/') + 1));
          throw new FerryError(
            'OBJECTS_EXIST',
            files.length === 1
              ? `${names[0]} already exists in ${bucket}/${prefix}.`
              : `${taken.size} of these ${files.length} files already ${taken.size === 1 ? 'exists' : 'exist'} in ${bucket}: ${names.join(', ')}${taken.size > 5 ? ', …' : ''}.`,
          );
        }
        files = files.filter((f) => !taken.has(f.key));
        if (!files.length) return [];
      }
      const added = queue.add(files.map((f) => ({ account, bucket, key: f.key, file: f.file, size: f.size })));
      const group: DropGroup = { direction: 'upload', bucket, prefix, size: added.length, left: added.length, done: [], failed: [] };
      for (const t of added) groups.set(t.id, group);
      return added;
    },
    'transfers:list': async () => {
      await restored;
      return queue.list().map((t) => (t.error ? { ...t, error: forWindow(t.error) } : t));
    },
    'transfers:pause': async ({ id }) => (queue.pause(id), null),
    'transfers:resume': async ({ id }) => (queue.resume(id), null),
    'transfers:cancel': async ({ id }) => (await queue.cancel(id), null),
    'transfers:retry': async ({ id }) => (queue.retry(id), null),
    'transfers:clear': async () => (queue.clearFinished(), null),
    'multipart:list': async ({ account, bucket }) => {
      known.bucket(account, bucket);
      const conn = await connection(account);
      const out = [];
      for (const u of await conn.storage.listMultipartUploads(bucket)) {
        known.learnUpload(account, bucket, u.key, u.uploadId);
        out.push({ ...u, ...(await conn.storage.multipartUsage(bucket, u.key, u.uploadId)) });
      }
      return out;
    },
    'multipart:abort': async ({ account, bucket, key, uploadId }) => {
      known.upload(account, bucket, key, uploadId);
      await (await connection(account)).storage.abortMultipartUpload(bucket, key, uploadId);
      return null;
    },
    'links:create': async ({ account, bucket, key, expiresIn, filename }) => {
      known.key(account, bucket, key);
      return link(account, bucket, key, expiresIn, filename);
    },
    'links:history': async () =>
      (await ferry.links.list(500)).map(({ endpoint: _e, ...r }) => {
        known.learnKeys(r.account, r.bucket, [r.key]);
        return r;
      }),
    'links:clear': async () => {
      await ferry.links.clear();
      emit('links:changed', null);
      return null;
    },
    'links:again': async ({ account, bucket, key, createdAt }) => {
      // Only a link of Ferry's own history, with what it recorded: never a bucket, key, signing
      // time or lifetime the page names.
      const conn = await connection(account);
      const record = (await ferry.links.list(500)).find((r) => r.account === account && r.bucket === bucket && r.key === key && r.createdAt === createdAt);
      if (!record) throw new FerryError('FORBIDDEN', 'That link is not in the link history. Make a new link instead.');
      if (record.endpoint !== conn.storage.endpoint) throw new FerryError('USAGE', `"${account}" connects elsewhere now (${conn.storage.endpoint}); that link was made for ${record.endpoint}. Make a new link instead.`);
      const l = await conn.presignAgain(record);
      remember(account, l.url);
      return { url: l.url };
    },
    'links:createMany': async ({ account, bucket, prefix, expiresIn, title }) => {
      known.folder(account, bucket, prefix);
      const conn = await connection(account);
      const keys = await shareableKeys(conn.storage, bucket, prefix);
      const link = await conn.shareMany({ bucket, keys, expiresIn, title: title || prefix.replace(/\/$/, '') || bucket });
      remember(account, link.url);
      return { url: link.url, expiresAt: link.expiresAt, files: link.files };
    },
    'requests:create': async ({ account, ...req }) => {
      known.bucket(account, req.bucket);
      const made = await (await connection(account)).requestFiles(req);
      remember(account, made.url);
      const { endpoint: _e, ...request } = made.request;
      return { url: made.url, request };
    },
    'requests:list': async () =>
      (await ferry.listRequests()).map(({ endpoint: _e, ...r }) => {
        known.learnKeys(r.account, r.bucket, [r.prefix, ...r.received.map((o) => o.key)]);
        return r;
      }),
    'requests:end': async ({ account, bucket, pageKey }) => {
      // Only a request of Ferry's own history: never a key the page names.
      if (!(await ferry.requests.list(1000)).some((r) => r.account === account && r.bucket === bucket && r.pageKey === pageKey)) {
        throw new FerryError('FORBIDDEN', 'That request is not in the list of requests made here.');
      }
      await (await connection(account)).endRequest({ bucket, pageKey });
      return null;
    },
    'links:copy': async ({ url }) => {
      platform.copyText(httpUrl(url));
      return null;
    },
    'links:open': async ({ url }) => {
      const u = new URL(url).toString();
      // Only a link Ferry made in this session opens, and not one to an account whose endpoint
      // never passed a test: anything else a page asks for could be a phishing page or a local
      // file handler.
      const account = issued.get(u);
      if (account === undefined) throw new FerryError('USAGE', 'Only share links Ferry made open in the browser.');
      await tested(account, 'Opening its links in the browser');
      platform.openExternal(u);
      return null;
    },
    'prefs:get': async () => learnPrefs(await ferry.preferences.get()),
    // null clears an advanced setting: Ferry chooses again.
    'prefs:set': async ({ partSizeMiB, concurrency, ...patch }) => {
      // Where the window opens next time must be a place it was shown.
      const at = patch.lastLocation;
      if (at?.bucket) known.folder(at.account, at.bucket, at.prefix ?? '');
      return learnPrefs(await ferry.preferences.set({
        ...patch,
        ...(partSizeMiB !== undefined ? { partSizeMiB: partSizeMiB ?? undefined } : {}),
        ...(concurrency !== undefined ? { concurrency: concurrency ?? undefined } : {}),
      }));
    },
  };

  // Files arriving through open requests are announced while Ferry runs: one notification per
  // request and poll. The first poll only learns what is already there.
  const seen = new Map<string, Set<string>>();
  const pollRequests = async () => {
    for (const r of await ferry.listRequests()) {
      const keys = new Set(r.received.map((o) => o.key));
      const before = seen.get(r.pageKey);
      seen.set(r.pageKey, keys);
      if (!before) continue;
      const fresh = [...keys].filter((k) => !before.has(k));
      if (fresh.length) {
        platform.notify(
          `${fresh.length} new file${fresh.length === 1 ? '' : 's'} for “${r.title}”`,
          `${fresh.slice(0, 3).map((k) => k.slice(k.lastIndexOf('/') + 1)).join(', ')}${fresh.length > 3 ? ', …' : ''} arrived in ${r.bucket}/${r.prefix}`,
        );
      }
    }
  };
  const pollTimer = opts.requestPollMs === 0 ? undefined : setInterval(() => void pollRequests().catch(() => {}), opts.requestPollMs ?? 60_000);
  pollTimer?.unref();

  return {
    handlers,
    queue,
    pollRequests,
    uploads,
    copyLinkFor,
    recentUploads: (limit = 10) => uploads.list(limit),
    async handle(channel, payload) {
      if (!isChannel(channel)) return { ok: false, error: { code: 'USAGE', message: `Unknown channel ${channel}` } };
      const parsed = requests[channel].safeParse(payload);
      if (!parsed.success) {
        // Our own schema messages are sentences for people; anything else names the field.
        const issue = parsed.error.issues[0];
        const text = issue?.message && /^[A-Z].*\.$/.test(issue.message) ? issue.message : inWords(issue);
        return { ok: false, error: { code: 'BAD_REQUEST', message: text } };
      }
      try {
        const handler = handlers[channel] as (r: unknown) => Promise<unknown>;
        return { ok: true, value: await handler(parsed.data) };
      } catch (err) {
        if (isFerryError(err)) return { ok: false, error: { code: err.code, message: forWindow(err.message) } };
        return { ok: false, error: { code: 'INTERNAL', message: `Something went wrong: ${err instanceof Error ? err.message : String(err)}` } };
      }
    },
    dispose() {
      if (timer) clearTimeout(timer);
      if (pollTimer) clearInterval(pollTimer);
      flush();
      for (const c of connections.values()) void c.then((conn) => conn.close(), () => {});
      connections.clear();
    },
  };
}

/**
 * Which of these keys already hold an object. A few are checked one by one; many are checked
 * against a listing of the destination folder, so a drop of 10,000 files costs a few requests.
 */
async function existingKeys(conn: Connection, bucket: string, prefix: string, keys: string[]): Promise<Set<string>> {
  const found = new Set<string>();
  if (keys.length <= 32) {
    const answers = await Promise.all(keys.map(async (k) => ((await conn.storage.exists(bucket, k)) ? k : undefined)));
    for (const k of answers) if (k) found.add(k);
    return found;
  }
  const wanted = new Set(keys);
  for await (const page of conn.storage.listObjects(bucket, prefix, { recursive: true })) {
    for (const o of page.objects) if (wanted.has(o.key)) found.add(o.key);
  }
  return found;
}

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

/** A validation problem our schemas did not word, in words: never schema output. */
function inWords(issue: { code?: string; path: PropertyKey[]; minimum?: unknown; maximum?: unknown } | undefined): string {
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

const objectView = (o: ObjectInfo) => ({ key: o.key, size: o.size, ...(o.lastModified ? { lastModified: o.lastModified } : {}) });

function httpUrl(url: string): string {
  const u = new URL(url);
  if (u.protocol !== 'https:' && u.protocol !== 'http:') throw new FerryError('USAGE', 'Only http and https links can be copied.');
  return u.toString();
}
