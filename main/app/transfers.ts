/**
 * The window's transfer queue and what goes with it: progress sent to the window in batches,
 * what happens when a transfer ends (the upload history, a link copied, the notifications), and
 * the transfers an earlier run left, brought back at start.
 */
import { dirname, sep } from 'node:path';
import type { TransferView } from '../../preload/contract';
import type { Connection, Ferry } from '../core/ferry';
import { PendingDownloads } from '../core/transfers/pending-downloads';
import { TransferQueue } from '../core/transfers/queue';
import type { SavedUpload } from '../core/transfers/state';
import { UploadHistory, type UploadRecord } from '../core/transfers/upload-history';
import type { KnownNames } from './known-names';
import type { DropNotices } from './notifications';
import type { Emit } from './platform';
import type { SessionLinks } from './session-links';
import { forWindow, leafOf } from './window-words';

export interface WindowTransfers {
  queue: TransferQueue;
  /** Finished uploads: the tray's recent uploads. */
  uploads: UploadHistory;
  /** Settles once the transfers an earlier run left are back in the queue, paused. */
  restored: Promise<unknown>;
  /** Sends what has not been sent yet and stops batching (the app is quitting). */
  dispose(): void;
}

export function setupTransfers(deps: {
  ferry: Ferry;
  dataDir: string;
  connection(account: string): Promise<Connection>;
  known: KnownNames;
  drops: DropNotices;
  links: SessionLinks;
  emit: Emit;
  notify(title: string, body: string): void;
  /** How often queued progress is sent to the window. */
  batchMs?: number;
  /** Called when the recent uploads change (the tray rebuilds its menu). */
  onRecentChanged?: () => void;
}): WindowTransfers {
  const { ferry, connection, known, drops, emit } = deps;

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
  const uploads = new UploadHistory(deps.dataDir);

  const pendingDownloads = new PendingDownloads(deps.dataDir);
  const queue = new TransferQueue({
    connection,
    pendingDownloads,
    // Eight small files or two large ones at a time to start, up to four times as many while
    // that moves more (a long round trip), as the CLI's folders do (adaptive.ts).
    adaptUpTo: 8,
    tuning: async () => {
      const p = await ferry.preferences.get();
      return { ...(p.partSizeMiB ? { partSize: p.partSizeMiB * 1024 * 1024 } : {}), ...(p.concurrency ? { concurrency: p.concurrency } : {}) };
    },
    onChange: (view) => {
      // What is uploaded or downloaded is a name the window may act on next (Copy link, Share).
      known.learnKeys(view.account, view.bucket, [view.key]);
      pending.set(view.id, view.error ? { ...view, error: forWindow(view.error) } : view);
      timer ??= setTimeout(flush, deps.batchMs ?? 150);
    },
    onFinished: (view) => {
      // Bookkeeping first and synchronously: the last of a drop to end announces the drop.
      const ended = drops.ended(view);
      void (async () => {
        let copied = false;
        if (view.status === 'done' && view.direction === 'upload') {
          const record: UploadRecord = { account: view.account, bucket: view.bucket, key: view.key, size: view.size, finishedAt: new Date(ferry.clock.now()).toISOString() };
          await uploads.add(record);
          deps.onRecentChanged?.();
          // A link is copied for a file uploaded on its own; a drop of many has many links.
          if (ended.alone && !ended.own && (await ferry.preferences.get()).copyLinkOnUpload) {
            const l = await deps.links.copyFor(record);
            copied = true;
            // Said in the window too, not only in a notification that may be switched off.
            emit('notice', { message: `${leafOf(view.key)} is uploaded and its share link is on the clipboard (it works until ${new Date(l.expiresAt).toLocaleString()}).` });
          }
        }
        ended.announce(copied);
      })().catch((err: unknown) => deps.notify('Ferry', err instanceof Error ? err.message : String(err)));
    },
  });

  // Uploads and downloads an earlier run left unfinished (crash, kill, quit or pause) come back
  // paused. What a cancel or a lost Create left on the server is cleaned up, out of sight.
  const tidy = (left: SavedUpload[]) => {
    for (const s of left) void connection(s.account).then((c) => c.abandon(s.file, s.bucket, s.key)).catch(() => {});
  };
  const restored = Promise.all([
    Promise.all([ferry.uploadStates.list(), ferry.privateLinks.tempFile('x').then(dirname, () => undefined)])
      .then(([all, sealedDir]) => {
        // A private link's ciphertext cut short by a crash or quit: its link was never made (and
        // its key is gone), so it is aborted on the server, never brought back to the queue.
        const sealed = (s: SavedUpload) => sealedDir !== undefined && s.file.startsWith(sealedDir + sep);
        tidy(all.filter(sealed));
        const saved = all.filter((s) => !sealed(s));
        // A paused upload may have no upload on the server yet (paused before its first part): it comes back paused too.
        tidy(saved.filter((s) => (!s.uploadId && !s.paused) || s.cancelled));
        return queue.restore(saved.filter((s) => (s.uploadId || s.paused) && !s.cancelled));
      })
      .catch(() => []),
    pendingDownloads.list().then((saved) => queue.restoreDownloads(saved)).catch(() => []),
  ]);

  return {
    queue,
    uploads,
    restored,
    dispose() {
      if (timer) clearTimeout(timer);
      flush();
    },
  };
}
