/**
 * Uploads and downloads the window asks for while their endpoint cannot be reached (issue 20,
 * "Works offline"): listed at once, as waiting for the network (TransferQueue.hold), and started
 * by themselves when the endpoint answers again (NetworkWatch in core/transfers/offline.ts).
 *
 * Uploads: which names are taken could not be asked, so each is stored only where nothing is
 * unless the user chose Replace. With Keep both (and for files shared from outside the window) a
 * name found taken then moves the upload to the next free numbered one (NewTransfer.keepBoth);
 * otherwise it ends the upload with words that say how to replace it (window-words.ts).
 *
 * Downloads: nothing is planned, made or written while the server cannot be reached. Each name
 * selected waits as one row; when the server answers it is planned exactly as an online download
 * is (its size and free file name learnt then), and a folder's row becomes its first file, with
 * the others listed after it.
 */
import { join } from 'node:path';
import type { TransferView } from '../../preload/contract';
import { FerryError } from '../core/errors';
import type { Connection } from '../core/ferry';
import { NetworkWatch, unreachable, type NetworkWatchOptions } from '../core/transfers/offline';
import type { NewTransfer, TransferQueue } from '../core/transfers/queue';
import { downloadName, foldsCase, planDownload, type SkippedObject } from '../core/transfers/targets';
import type { DropEnd, DropNotices } from './notifications';
import type { Emit } from './platform';
import { leafOf } from './window-words';

/** One row held for the network, and how it becomes the transfers it stands for. */
interface Waiting {
  id: string;
  key: string;
  plan(): Promise<[NewTransfer, ...NewTransfer[]]>;
}

/** Where held transfers go: one account and bucket. */
interface Place {
  account: string;
  bucket: string;
}

/** The notice for objects a download plan skipped (the handler says it too, for online downloads). */
export function notDownloaded(skipped: SkippedObject[]): string {
  return `${skipped.length} object${skipped.length === 1 ? ' was' : 's were'} not downloaded: ${skipped.slice(0, 3).map((x) => `${leafOf(x.key)} (${x.reason})`).join('; ')}${skipped.length > 3 ? '; …' : ''}. The rest are downloading.`;
}

export class WaitingTransfers {
  private readonly watch: NetworkWatch;
  /** Plans one at a time, so each sees the files the one before gave out (queue.downloadTargets). */
  private planning: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly deps: {
      queue: TransferQueue;
      connection(account: string): Promise<Connection>;
      drops: DropNotices;
      emit: Emit;
      watch?: NetworkWatchOptions;
    },
  ) {
    this.watch = new NetworkWatch(deps.watch);
  }

  /**
   * Files whose upload must wait for `endpoint`: stored where nothing is ('if-absent'), numbered
   * beside what turns out to be there ('keep-both', see NewTransfer.keepBoth), or replacing it.
   */
  uploads(to: Place & { prefix: string; endpoint: string }, files: Array<{ key: string; file: string; size: number }>, taken: 'replace' | 'if-absent' | 'keep-both', onEnd?: DropEnd, onReleased?: () => void): TransferView[] {
    const guard = taken === 'keep-both' ? { keepBoth: true } : taken === 'if-absent' ? { ifAbsent: true } : {};
    const items: NewTransfer[] = files.map((f) => ({ account: to.account, bucket: to.bucket, key: f.key, file: f.file, size: f.size, ...guard }));
    const held = this.hold(to, items, (item) => async () => [item], onReleased);
    this.deps.drops.track(held, { direction: 'upload', bucket: to.bucket, prefix: to.prefix, ...(onEnd ? { onEnd } : {}) });
    const n = files.length;
    this.deps.emit('notice', {
      message: `${to.endpoint} cannot be reached now: ${n === 1 ? `${leafOf(files[0]!.key)} waits` : `the ${n} files wait`} for the network and upload${n === 1 ? 's' : ''} by ${n === 1 ? 'itself' : 'themselves'} when it is back.${taken === 'if-absent' ? ` Ferry could not check which names are taken, so no file already there is replaced.` : taken === 'keep-both' ? ` A name found taken then is kept beside, numbered: nothing there is replaced.` : ''}`,
    });
    return held;
  }

  /** Objects and folders (names ending in "/") whose download into `folder` must wait for `endpoint`. */
  downloads(from: Place & { endpoint: string }, keys: string[], folder: string): TransferView[] {
    const { queue, connection } = this.deps;
    // Asked once, when the first plan is made: the folder's file system does not change meanwhile.
    let folds: Promise<boolean> | undefined;
    const busy = (file: string, fold: (p: string) => string) => queue.downloadTargets().some((t) => fold(t) === fold(file));
    // The row shows where the download goes; its own file name is chosen only when it is planned.
    const items: NewTransfer[] = keys.map((key) => ({ account: from.account, bucket: from.bucket, key, file: join(folder, downloadName(key)), size: 0, direction: 'download' }));
    const held = this.hold(from, items, (item) => async () => {
      const conn = await connection(from.account);
      const { items: planned, skipped } = await planDownload(conn.storage, from.bucket, [item.key], folder, { busy, folds: await (folds ??= foldsCase(folder)) });
      if (skipped.length) this.deps.emit('notice', { message: notDownloaded(skipped) });
      const [first, ...rest] = planned.map((i): NewTransfer => ({ account: from.account, bucket: from.bucket, key: i.key, file: i.file, folder: i.folder, size: i.size, direction: 'download' }));
      if (!first) throw new FerryError('NO_SUCH_KEY', skipped.length ? `Nothing to download from ${leafOf(item.key.replace(/\/$/, ''))}: no object in it can be saved here (see the notice).` : `Nothing to download: the folder ${item.key} is empty now.`);
      return [first, ...rest];
    });
    this.deps.drops.track(held, { direction: 'download', folder, bucket: from.bucket, prefix: '' });
    const n = keys.length;
    this.deps.emit('notice', { message: `${from.endpoint} cannot be reached now: ${n === 1 ? `${leafOf(keys[0]!.replace(/\/$/, ''))} waits` : `the ${n} downloads wait`} for the network and start${n === 1 ? 's' : ''} by ${n === 1 ? 'itself' : 'themselves'} when it is back. Nothing is written to ${folder} until then.`,
    });
    return held;
  }

  /** Ends every wait (the app is quitting); what still waits stays listed, and goes with the app. */
  stop(): void {
    this.watch.stop();
  }

  /** Holds the rows, and releases them when the endpoint answers: each planned then, one at a time. */
  /** `onReleased`: once every row has left the wait (planned and queued, or failed). */
  private hold(at: Place, items: NewTransfer[], planOf: (item: NewTransfer) => Waiting['plan'], onReleased?: () => void): TransferView[] {
    const rows = new Map<string, Waiting>();
    // Retry of a row whose plan failed plans it again (waiting again if the network is gone).
    const held = this.deps.queue.hold(items, (id) => this.releaseLater(at, [rows.get(id)!], false));
    held.forEach((v, i) => rows.set(v.id, { id: v.id, key: v.key, plan: planOf(items[i]!) }));
    this.releaseLater(at, [...rows.values()], true, onReleased);
    return held;
  }

  /** Still held, not cancelled: queued, or paused (planned then too, and kept paused). */
  private waiting(id: string): boolean {
    const t = this.deps.queue.get(id);
    return t?.status === 'queued' || t?.status === 'paused';
  }

  /** Out of the caller's sight: a fault here (there should be none) is said, never left unhandled in main. */
  private releaseLater(at: Place, rows: Waiting[], waitFirst: boolean, onReleased?: () => void): void {
    this.release(at, rows, waitFirst, onReleased).catch((err: unknown) => this.deps.emit('notice', { message: `Transfers waiting for the network could not be started: ${err instanceof Error ? err.message : String(err)}` }));
  }

  private async release(at: Place, rows: Waiting[], waitFirst: boolean, onReleased?: () => void): Promise<void> {
    let left = rows;
    const back = () =>
      this.watch.back(
        at.account,
        // Any answer will do (a 404, a 403): the server is reachable again, and the transfers say what it said.
        async () => (await this.deps.connection(at.account)).storage.exists(at.bucket, left.find((r) => this.waiting(r.id))?.key ?? left[0]!.key),
        () => left.some((r) => this.waiting(r.id)),
      );
    if (waitFirst && !(await back())) return;
    for (;;) {
      left = await this.serially(() => this.plan(left));
      if (!left.length) return onReleased?.();
      if (!(await back())) return;
    }
  }

  /** Plans and releases the rows still held; returns those the network was lost again for. */
  private async plan(rows: Waiting[]): Promise<Waiting[]> {
    const { queue, drops } = this.deps;
    for (const [i, row] of rows.entries()) {
      if (!this.waiting(row.id)) continue;
      try {
        const planned = await row.plan();
        drops.join(row.id, queue.release(row.id, planned).slice(1));
      } catch (err) {
        if (unreachable(err)) return rows.slice(i);
        queue.release(row.id, err instanceof Error ? err : new Error(String(err)));
      }
    }
    return [];
  }

  private serially<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.planning.then(fn, fn);
    this.planning = run.catch(() => {});
    return run;
  }
}
