/**
 * cp --recursive, both ways: a folder's files go through the window's transfer queue (several
 * small files at once, large ones in parallel parts), with the user's --part-size and
 * --concurrency, one progress bar for all of them, and Ctrl-C cancelling every upload or pausing
 * every download (see throughQueue). One file's failure does not stop the others; the caller
 * hears each outcome.
 */
import type { LimitTrace } from '../core/transfers/adaptive';
import { laneLine } from './lanes';
import type { Connection } from '../core/ferry';
import type { DownloadResult } from '../core/transfers/download';
import type { NewTransfer } from '../core/transfers/queue';
import { OverallMeter, type TransferView } from '../core/transfers/transfer-view';
import type { UploadResult } from '../core/transfers/upload';
import type { Context } from './context';

export interface QueuedOutcome {
  /** A transfer finished: what it made. */
  done(view: TransferView, result: UploadResult | DownloadResult | undefined): void;
  /** A transfer failed or was cancelled (its view holds the error). */
  failed(view: TransferView): void;
}

/**
 * Sends the transfers through one queue on this connection and resolves when every one has
 * ended. Ctrl-C cancels them (uploads: their parts are aborted) or pauses them (downloads: what
 * arrived stays for the same command to continue), as `onInterrupt` says.
 */
export async function throughQueue(ctx: Context, c: Connection, how: { onInterrupt: 'cancel' | 'pause' }, items: Array<Omit<NewTransfer, 'account'>>, on: QueuedOutcome): Promise<void> {
  if (!items.length) return;
  const { TransferQueue } = await import('../core/transfers/queue');
  const bar = ctx.progress();
  const total = items.reduce((n, f) => n + f.size, 0);
  const views = new Map<string, TransferView>();
  const partSize = ctx.partSize();
  const concurrency = ctx.concurrencyOption();
  const tuning = { ...(partSize !== undefined ? { partSize } : {}), ...(concurrency ? { concurrency } : {}) };
  let drawTimer: ReturnType<typeof setTimeout> | undefined;
  const meter = new OverallMeter();
  const waiting = ctx.waiting(bar, c.storage.endpoint, items[0]!.direction ?? 'upload');
  const draw = () => {
    drawTimer = undefined;
    waiting([...views.values()].some((r) => r.status === 'running' && r.waiting));
    if (!bar) return;
    // The window's accounting (transfer-view.ts), counting this command's finished files too.
    const o = meter.update(views.values(), Date.now(), { countFinished: true });
    // Failed files are not progress and leave the total; files not seen yet are still in it.
    const gone = [...views.values()].reduce((n, v) => n + (v.status === 'failed' || v.status === 'cancelled' ? v.size : 0), 0);
    bar.update({ bytesDone: o.done, totalBytes: total - gone, bytesPerSecond: o.bytesPerSecond, done: false, ...(o.etaSeconds !== undefined ? { etaSeconds: o.etaSeconds } : {}) });
  };
  let room: (() => LimitTrace) | undefined;
  try {
    await new Promise<void>((resolveAll) => {
      const ended = new Set<string>();
      const end = (id: string) => {
        ended.add(id);
        if (ended.size === items.length) resolveAll();
      };
      const queue = new TransferQueue({
        connection: async () => c,
        // Sixteen small files, or four large ones, at a time to start; up to four times as many
        // while that moves more (a long round trip), measured as files finish.
        maxActive: 4,
        adaptUpTo: 16,
        tuning: async () => tuning,
        onChange: (t) => {
          // Paused by Ctrl-C: this one has ended for this run.
          if (t.status === 'paused' && ctx.io.signal?.aborted) end(t.id);
          views.set(t.id, t);
          // The sum runs over every file: once per BAR_MS, not once per change (10,000 small
          // files make 30,000 changes, and summing each time cost seconds of the upload's CPU).
          if (!drawTimer) drawTimer = setTimeout(draw, BAR_MS);
        },
        onFinished: (t, result) => {
          bar?.clear();
          if (t.status === 'done') on.done(t, result);
          else on.failed(t);
          end(t.id);
        },
      });
      const interrupt = () => {
        for (const t of queue.list()) {
          if (how.onInterrupt === 'cancel') void queue.cancel(t.id).catch(() => {});
          else if (t.status === 'queued' || t.status === 'running') queue.pause(t.id);
        }
      };
      room = () => queue.roomTrace();
      ctx.io.signal?.addEventListener('abort', interrupt, { once: true });
      queue.add(items.map((item) => ({ ...item, account: c.profile.name })));
      // Ctrl-C while the folder was still being read: nothing goes on.
      if (ctx.io.signal?.aborted) interrupt();
    });
  } finally {
    clearTimeout(drawTimer);
    bar?.clear();
    // In the queue's units: a small file takes 1, a large one 4 (its parts adapt on their own).
    if (ctx.o.debug && room) ctx.say(laneLine('files', room()).replace(' in flight:', ' in flight (a large file counts 4):'));
  }
}

/** How often the bar of a folder's transfers is summed and drawn. */
const BAR_MS = 100;
