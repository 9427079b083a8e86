/**
 * Updates, decided by main/core/updates and carried out by electron-updater: at start and daily
 * (unless Settings turned it off) the feed's signed manifest is checked; only a verified newer
 * version is downloaded, and only a download that matches the signed manifest byte for byte is
 * offered, as "Restart to update" in one notification and the tray. Nothing installs on quit or
 * by itself. No Electron import here, so the wiring is tested in Node with a stand-in updater;
 * main/app/updater-electron.ts builds the real one.
 */
import { sameRelease, verifyDownload, type UpdateDecision } from '../core/updates/feed';
import type { UpdateManifest } from '../core/updates/manifest';

export type UpdateState =
  /** This copy does not update itself (a deb install, a checkout, no key or feed in this build). */
  | { kind: 'off'; reason: string }
  | { kind: 'idle' }
  | { kind: 'checking' }
  | { kind: 'up-to-date'; latest: string }
  | { kind: 'downloading'; version: string }
  | { kind: 'ready'; version: string }
  | { kind: 'offline'; reason: string }
  | { kind: 'refused'; reason: string };

/** The part of electron-updater's AppUpdater used here. */
export interface UpdaterLike {
  autoDownload: boolean;
  autoInstallOnAppQuit: boolean;
  allowDowngrade: boolean;
  checkForUpdates(): Promise<{ isUpdateAvailable: boolean; updateInfo: { version: string; files: readonly { url: string; sha512: string }[] } } | null>;
  downloadUpdate(): Promise<unknown>;
  quitAndInstall(isSilent?: boolean, isForceRunAfter?: boolean): void;
  on(event: 'update-downloaded', listener: (event: { version: string; downloadedFile: string }) => void): unknown;
  on(event: 'error', listener: (error: Error) => void): unknown;
}

export interface UpdaterDeps {
  updater: UpdaterLike;
  /** The core's signed-feed check, bound to this copy's feed, version, platform and key. */
  check(): Promise<UpdateDecision>;
  /** The preference: checks run unless it is false. A failure to read it skips that check. */
  enabled(): Promise<boolean>;
  notify(title: string, body: string): void;
  /** After every change of state (the tray rebuilds its menu). */
  onChange?(state: UpdateState): void;
  log?(message: string): void;
  /** Timers, replaceable in tests. */
  schedule?(run: () => void, ms: number): () => void;
}

export interface UpdaterControl {
  state(): UpdateState;
  /** Installs the verified download and starts the new version: only when state() is ready. */
  restart(): void;
  /** Looks now, whatever the preference says (the user asked). */
  checkNow(): Promise<UpdateDecision>;
  stop(): void;
}

export const FIRST_CHECK_MS = 10_000;
export const CHECK_EVERY_MS = 24 * 3600_000;
export const OFFLINE_RETRY_MS = 3600_000;

export function setupUpdater(deps: UpdaterDeps): UpdaterControl {
  const { updater } = deps;
  const log = deps.log ?? (() => {});
  const schedule =
    deps.schedule ??
    ((run, ms) => {
      const t = setTimeout(run, ms);
      t.unref?.();
      return () => clearTimeout(t);
    });
  // Never download without the signature check, never install on quit: the user chooses when.
  updater.autoDownload = false;
  updater.autoInstallOnAppQuit = false;
  updater.allowDowngrade = false;

  let state: UpdateState = { kind: 'idle' };
  let pending: { manifest: UpdateManifest; decision: Extract<UpdateDecision, { kind: 'newer' }> } | undefined;
  let running: Promise<UpdateDecision> | undefined;
  let cancelTimer: (() => void) | undefined;
  let stopped = false;

  const set = (next: UpdateState) => {
    state = next;
    if (next.kind === 'offline' || next.kind === 'refused') log(`Updates: ${next.reason}`);
    deps.onChange?.(next);
  };

  updater.on('error', (err) => log(`Updates: electron-updater: ${err.message.split('\n')[0]}`));
  // electron-updater says so before downloadUpdate() resolves; run() waits for the verification.
  let verifying: Promise<void> | undefined;
  updater.on('update-downloaded', (event) => void (verifying = downloaded(event)));

  async function downloaded(event: { version: string; downloadedFile: string }): Promise<void> {
    const release = pending;
    if (!release || state.kind !== 'downloading' || event.version !== release.manifest.version) return;
    const wrong = await verifyDownload(event.downloadedFile, release.manifest);
    if (wrong) {
      pending = undefined;
      return set({ kind: 'refused', reason: wrong });
    }
    // Said once: a ready update stays ready (no more checks) until the user restarts.
    set({ kind: 'ready', version: release.manifest.version });
    deps.notify(`Ferry ${release.manifest.version} is ready`, 'Choose "Restart to update" in Ferry\'s tray menu when it suits you. Nothing changes until then.');
  }

  async function run(): Promise<UpdateDecision> {
    if ((state.kind === 'downloading' || state.kind === 'ready') && pending) return pending.decision;
    set({ kind: 'checking' });
    let decision: UpdateDecision;
    try {
      decision = await deps.check();
    } catch (err) {
      decision = { kind: 'refused', reason: `The update check failed: ${(err as Error).message}` };
    }
    if (decision.kind === 'up-to-date') set({ kind: 'up-to-date', latest: decision.latest });
    if (decision.kind === 'offline' || decision.kind === 'refused') set({ kind: decision.kind, reason: decision.reason });
    if (decision.kind !== 'newer') return decision;

    // electron-updater reads the feed again itself: it must be the release that was verified.
    let found: Awaited<ReturnType<UpdaterLike['checkForUpdates']>>;
    try {
      found = await updater.checkForUpdates();
    } catch (err) {
      set({ kind: 'offline', reason: `electron-updater could not read the feed: ${(err as Error).message.split('\n')[0]}` });
      return decision;
    }
    if (!found) {
      set({ kind: 'off', reason: 'electron-updater is not active in this copy of Ferry' });
      return decision;
    }
    if (!found.isUpdateAvailable) {
      // Its own rules (a staged rollout, a minimum OS version) held the update back.
      set({ kind: 'up-to-date', latest: found.updateInfo.version });
      return decision;
    }
    if (!sameRelease(found.updateInfo, decision.manifest)) {
      const reason = `The update feed changed between two reads (${decision.version}, then ${found.updateInfo.version}); Ferry downloads only the release whose signature it checked, and looks again later`;
      set({ kind: 'refused', reason });
      return { kind: 'refused', reason };
    }
    pending = { manifest: decision.manifest, decision };
    set({ kind: 'downloading', version: decision.version });
    try {
      verifying = undefined;
      await updater.downloadUpdate();
      await verifying;
    } catch (err) {
      pending = undefined;
      set({ kind: 'offline', reason: `The download of Ferry ${decision.version} failed: ${(err as Error).message.split('\n')[0]}` });
      return decision;
    }
    if (state.kind === 'downloading') {
      pending = undefined;
      set({ kind: 'offline', reason: `The download of Ferry ${decision.version} ended without a file` });
    }
    return decision;
  }

  const checkNow = (): Promise<UpdateDecision> => (running ??= run().finally(() => (running = undefined)));

  const tick = async () => {
    cancelTimer = undefined;
    if (stopped) return;
    const on = await deps.enabled().catch(() => false);
    if (on) await checkNow();
    if (stopped || state.kind === 'ready') return;
    cancelTimer = schedule(() => void tick(), on && state.kind === 'offline' ? OFFLINE_RETRY_MS : CHECK_EVERY_MS);
  };
  cancelTimer = schedule(() => void tick(), FIRST_CHECK_MS);

  return {
    state: () => state,
    restart: () => {
      if (state.kind === 'ready') updater.quitAndInstall(true, true);
    },
    checkNow,
    stop: () => {
      stopped = true;
      cancelTimer?.();
    },
  };
}

/** A copy of Ferry that does not update itself: the same control, always off, saying why. */
export function offUpdater(reason: string): UpdaterControl {
  const state: UpdateState = { kind: 'off', reason };
  return { state: () => state, restart: () => {}, checkNow: async () => ({ kind: 'refused', reason }), stop: () => {} };
}

export type UpdateTrayAction = { type: 'restart-to-update' };

/** The tray's item for updates (shaped like tray-menu.ts's TrayItem): only once a verified update is ready. */
export function updateTrayItem(state: UpdateState): { label: string; sublabel: string; action: UpdateTrayAction } | undefined {
  if (state.kind !== 'ready') return undefined;
  return { label: `Restart to update Ferry ${state.version}`, sublabel: 'Ferry quits, installs it and starts again', action: { type: 'restart-to-update' } };
}
