/**
 * The tray menu as a plain function of the app's state, so it is tested without Electron;
 * main/app/tray.ts turns it into an Electron Menu and runs the actions.
 */
import { basename } from 'node:path';
import { describeDuration } from '../core/links/expiry';
import { overallProgress, type TransferView } from '../core/transfers/transfer-view';
import type { UploadRecord } from '../core/transfers/upload-history';
import type { CaptureTool } from './capture';
import type { ClipboardItem } from './clipboard-share';
import type { UpdateTrayAction } from './updater';
import { safeText } from '../core/text';
import type { AppCore } from './handlers';
import type { Platform } from './platform';
import { forWindow } from './window-words';

export type TrayAction =
  | { type: 'copy-latest' }
  | { type: 'copy'; upload: UploadRecord }
  | { type: 'share-private' }
  | { type: 'share-clipboard' }
  | { type: 'upload-files' }
  | { type: 'capture' }
  | { type: 'pause-all' }
  | { type: 'resume-all' }
  | UpdateTrayAction
  | { type: 'show' }
  | { type: 'quit' };

/** What the tray menu shows besides the recent uploads. */
export interface TrayState {
  recent: UploadRecord[];
  /** Where Upload clipboard and Upload files… put them (Settings); unset: they ask for it. */
  destination?: { bucket: string; prefix?: string };
  /** The transfers not finished: moving (running or queued) and paused. */
  transfers?: { moving: number; paused: number };
  /** The screenshot tool "Capture an area and share" runs; unset: the item is not offered. */
  capture?: string;
  /** "Restart to update Ferry X", once a verified update is ready (updater.ts). */
  update?: TrayItem;
}

export interface TrayItem {
  label: string;
  enabled?: boolean;
  /** Shown as a tooltip or second line where the platform supports it. */
  sublabel?: string;
  action?: TrayAction;
  submenu?: TrayItem[];
  separator?: boolean;
}

export function buildTrayMenu(state: TrayState): TrayItem[] {
  const [latest] = state.recent;
  const where = state.destination ? `to ${safeText(state.destination.bucket)}/${safeText(state.destination.prefix ?? '')}` : 'Choose where in Settings first';
  const moving = state.transfers?.moving ?? 0;
  const paused = state.transfers?.paused ?? 0;
  return [
    { label: 'Upload clipboard', sublabel: `${where}: copied files, an image or text; the link is copied`, action: { type: 'share-clipboard' } },
    { label: 'Upload files…', sublabel: `${where}; the link is copied`, action: { type: 'upload-files' } },
    ...(state.capture ? [{ label: 'Capture an area and share', sublabel: `with ${safeText(state.capture)}, ${where}`, action: { type: 'capture' } } satisfies TrayItem] : []),
    { label: '', separator: true },
    latest
      ? { label: 'Copy share link', sublabel: `for ${safeText(latest.key)}`, action: { type: 'copy-latest' } }
      : { label: 'Copy share link', sublabel: 'Upload a file first: drop it on the Ferry window', enabled: false },
    {
      label: 'Recent uploads',
      enabled: state.recent.length > 0,
      submenu: state.recent.slice(0, 10).map((upload) => ({ label: shorten(upload.key), sublabel: `${safeText(upload.bucket)} · copy a fresh link`, action: { type: 'copy', upload } })),
    },
    // Into the bucket "Copy share link" uses: the latest upload's.
    latest
      ? { label: 'Share files privately…', sublabel: `encrypted here, into ${safeText(latest.bucket)}`, action: { type: 'share-private' } }
      : { label: 'Share files privately…', sublabel: 'Upload a file first: its bucket is where private links go', enabled: false },
    { label: '', separator: true },
    ...(moving
      ? [{ label: 'Pause all', sublabel: `${moving} transfer${moving === 1 ? '' : 's'} running or waiting`, action: { type: 'pause-all' } } satisfies TrayItem]
      : paused
        ? [{ label: 'Resume all', sublabel: `${paused} paused transfer${paused === 1 ? '' : 's'}`, action: { type: 'resume-all' } } satisfies TrayItem]
        : []),
    ...(state.update ? [state.update] : []),
    { label: 'Show Ferry', action: { type: 'show' } },
    { label: 'Quit Ferry', action: { type: 'quit' } },
  ];
}

/** Pause all: every running or queued transfer; Resume all: every paused one. Each as its own Pause or Resume in the window would. */
function pauseOrResumeAll(core: AppCore, pause: boolean): void {
  for (const t of core.queue.list()) {
    if (pause && (t.status === 'running' || t.status === 'queued')) core.queue.pause(t.id);
    else if (!pause && t.status === 'paused') core.queue.resume(t.id);
  }
}

/** The tray's tooltip (and the menu bar title on macOS) while transfers run: how many, how far, how long. */
export function trayProgress(views: TransferView[]): { tooltip: string; title: string } {
  const o = overallProgress(views);
  if (!o.running && !o.counted) return { tooltip: 'Ferry', title: '' };
  const percent = o.size ? Math.floor((o.done / o.size) * 100) : 0;
  const left = o.etaSeconds !== undefined && o.running ? `, ${describeDuration(Math.max(1, Math.round(o.etaSeconds)))} left` : '';
  const ups = views.filter((v) => v.direction === 'upload' && (v.status === 'running' || v.status === 'queued')).length;
  const downs = views.filter((v) => v.direction === 'download' && (v.status === 'running' || v.status === 'queued')).length;
  const what = [ups ? `uploading ${ups} file${ups === 1 ? '' : 's'}` : '', downs ? `downloading ${downs} file${downs === 1 ? '' : 's'}` : ''].filter(Boolean).join(', ');
  if (!what) return { tooltip: `Ferry: ${o.counted} transfer${o.counted === 1 ? '' : 's'} paused`, title: '' };
  return { tooltip: `Ferry: ${what}, ${percent}%${left}`, title: `${percent}%` };
}

function shorten(key: string): string {
  const name = safeText(key.split('/').pop() || key);
  return name.length > 48 ? `${name.slice(0, 22)}…${name.slice(-22)}` : name;
}

/** What the tray's actions reach besides the core: the desktop's pieces the tray in Electron gives (tests give stand-ins). */
export interface TrayContext {
  core: AppCore;
  platform: Platform;
  show(): void;
  quit(): void;
  /** What is on the clipboard now (clipboard-share.ts). */
  clipboard?(): Promise<ClipboardItem>;
  /** The screenshot tool, where one was found (capture.ts). */
  captureTool?: CaptureTool;
  restartToUpdate?(): void;
}

/** Carries out a tray action: the tray in Electron and the end-to-end tests both call this. */
export async function runTrayAction(action: TrayAction, ctx: TrayContext): Promise<void> {
  try {
    if (action.type === 'show') return ctx.show();
    if (action.type === 'quit') return ctx.quit();
    if (action.type === 'share-private') return await sharePrivately(ctx);
    if (action.type === 'restart-to-update') return ctx.restartToUpdate?.();
    if (action.type === 'share-clipboard') return void (await ctx.core.outside.shareClipboard(ctx.clipboard ? await ctx.clipboard() : { kind: 'empty' }));
    if (action.type === 'capture') return void (ctx.captureTool && (await ctx.core.outside.shareCapture(ctx.captureTool)));
    if (action.type === 'upload-files') {
      const files = await ctx.platform.pickFiles('files');
      if (files.length) await ctx.core.outside.share(files);
      return;
    }
    if (action.type === 'pause-all' || action.type === 'resume-all') return pauseOrResumeAll(ctx.core, action.type === 'pause-all');
    const upload = action.type === 'copy' ? action.upload : (await ctx.core.recentUploads(1))[0];
    if (!upload) return;
    const link = await ctx.core.copyLinkFor(upload);
    ctx.platform.notify('Share link copied', `${upload.key}, until ${new Date(link.expiresAt).toLocaleString()}`);
  } catch (err) {
    ctx.platform.notify('Could not make a link', err instanceof Error ? err.message : String(err));
  }
}

/** "Share files privately…": the files the user picks in main's dialog, encrypted here into one private link, copied. */
async function sharePrivately(ctx: Pick<TrayContext, 'core' | 'platform'>): Promise<void> {
  try {
    const files = await ctx.platform.pickFiles('files');
    if (!files.length) return;
    const link = await ctx.core.sharePrivately(files);
    const what = files.length === 1 ? safeText(basename(files[0]!)) : `${files.length} files`;
    ctx.platform.notify('Private link copied', `${what}, encrypted here into ${safeText(link.bucket)}, until ${new Date(link.expiresAt).toLocaleString()}. End it sooner in Ferry's Links.`);
  } catch (err) {
    ctx.platform.notify('Could not make a private link', forWindow(err instanceof Error ? err.message : String(err)));
  }
}
