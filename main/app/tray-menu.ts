/**
 * The tray menu as a plain function of the app's state, so it is tested without Electron;
 * main/app/tray.ts turns it into an Electron Menu and runs the actions.
 */
import { basename } from 'node:path';
import type { UploadRecord } from '../core/transfers/upload-history';
import { safeText } from '../core/text';
import type { AppCore } from './handlers';
import type { Platform } from './platform';
import { forWindow } from './window-words';

export type TrayAction = { type: 'copy-latest' } | { type: 'copy'; upload: UploadRecord } | { type: 'share-private' } | { type: 'show' } | { type: 'quit' };

export interface TrayItem {
  label: string;
  enabled?: boolean;
  /** Shown as a tooltip or second line where the platform supports it. */
  sublabel?: string;
  action?: TrayAction;
  submenu?: TrayItem[];
  separator?: boolean;
}

export function buildTrayMenu(state: { recent: UploadRecord[] }): TrayItem[] {
  const [latest] = state.recent;
  return [
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
    { label: 'Show Ferry', action: { type: 'show' } },
    { label: 'Quit Ferry', action: { type: 'quit' } },
  ];
}

function shorten(key: string): string {
  const name = safeText(key.split('/').pop() || key);
  return name.length > 48 ? `${name.slice(0, 22)}…${name.slice(-22)}` : name;
}

/** Carries out a tray action: the tray in Electron and the end-to-end tests both call this. */
export async function runTrayAction(action: TrayAction, ctx: { core: AppCore; platform: Platform; show(): void; quit(): void }): Promise<void> {
  try {
    if (action.type === 'show') return ctx.show();
    if (action.type === 'quit') return ctx.quit();
    if (action.type === 'share-private') return await sharePrivately(ctx);
    const upload = action.type === 'copy' ? action.upload : (await ctx.core.recentUploads(1))[0];
    if (!upload) return;
    const link = await ctx.core.copyLinkFor(upload);
    ctx.platform.notify('Share link copied', `${upload.key}, until ${new Date(link.expiresAt).toLocaleString()}`);
  } catch (err) {
    ctx.platform.notify('Could not make a link', err instanceof Error ? err.message : String(err));
  }
}

/** "Share files privately…": the files the user picks in main's dialog, encrypted here into one private link, copied. */
async function sharePrivately(ctx: { core: AppCore; platform: Platform }): Promise<void> {
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
