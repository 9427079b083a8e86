/**
 * Whether this copy of Ferry can update itself, and from which feed. Only the packaged forms
 * electron-updater replaces in place do: the AppImage, the macOS app (from the zip), the NSIS
 * install. A deb (or rpm) install is the package manager's to update, a run from a checkout is
 * the developer's. The feed is the one electron-builder wrote into resources/app-update.yml
 * from electron-builder.yml's `publish`, the same file electron-updater reads.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { JSON_SCHEMA, load } from 'js-yaml';
import { publicKeyFrom } from './manifest';

export type UpdateTarget = { ok: true; feedUrl: string } | { ok: false; reason: string };

export async function updateTarget(where: { isPackaged: boolean; platform: NodeJS.Platform; env: NodeJS.ProcessEnv; resourcesPath: string; publicKey: string }): Promise<UpdateTarget> {
  const off = (reason: string): UpdateTarget => ({ ok: false, reason });
  if (!where.isPackaged) return off('Ferry runs from a checkout: it updates with git pull, not by itself');
  if (where.platform === 'linux') {
    if (!where.env.APPIMAGE) {
      const kind = (await readFile(join(where.resourcesPath, 'package-type'), 'utf8').catch(() => '')).trim();
      return off(kind ? `Ferry was installed from a ${kind} package: the system's package manager updates it` : 'Only the AppImage of Ferry updates itself on Linux');
    }
  } else if (where.platform === 'win32') {
    if (where.env.PORTABLE_EXECUTABLE_DIR) return off('The portable Ferry does not update itself: download the new one');
  } else if (where.platform !== 'darwin') {
    return off(`Ferry does not update itself on ${where.platform}`);
  }
  const key = publicKeyFrom(where.publicKey);
  if (typeof key === 'string') return off(key);
  let text: string;
  try {
    text = await readFile(join(where.resourcesPath, 'app-update.yml'), 'utf8');
  } catch {
    return off('This build of Ferry has no update feed (no publish in electron-builder.yml)');
  }
  let config: unknown;
  try {
    config = load(text, { schema: JSON_SCHEMA, json: false });
  } catch {
    config = undefined;
  }
  const { provider, url } = (typeof config === 'object' && config !== null ? config : {}) as { provider?: unknown; url?: unknown };
  if (provider !== 'generic' || typeof url !== 'string') return off("This build's app-update.yml names no generic feed URL (electron-builder.yml's publish: provider generic, url)");
  let host: string;
  try {
    host = new URL(url).hostname;
  } catch {
    return off(`This build's update feed URL is not a URL: ${url.slice(0, 200)}`);
  }
  // The placeholder electron-builder.yml ships with (.invalid never resolves, RFC 2606).
  if (host === 'invalid' || host.endsWith('.invalid')) return off('This build has the placeholder update feed (electron-builder.yml publish url): it does not look for updates');
  return { ok: true, feedUrl: url };
}
