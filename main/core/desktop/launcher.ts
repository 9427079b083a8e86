import { isAbsolute, join, relative } from 'node:path';

/** What the desktop files are computed from; every path is given, nothing is read from this process. */
export interface DesktopPlaces {
  /** The environment to read XDG_CONFIG_HOME, XDG_DATA_HOME, APPIMAGE, APPDIR and PATH from. */
  env: Record<string, string | undefined>;
  /** The user's home folder. */
  home: string;
  /** The running Ferry executable (Electron's process.execPath). */
  execPath: string;
  /** The AppImage file Ferry runs from, when the caller knows it better than env.APPIMAGE. */
  appImage?: string;
}

/**
 * The file a desktop entry should run to start this Ferry. Inside an AppImage the executable is
 * in a temporary mount (/tmp/.mount_FerryXXXX) that is gone after Ferry quits, so the AppImage file
 * itself (APPIMAGE) is run instead. APPIMAGE is believed only when this executable is inside APPDIR,
 * the mount the AppImage runtime set with it: a Ferry started from another AppImage's terminal
 * inherits that AppImage's variables.
 */
export function ferryLauncher(places: Pick<DesktopPlaces, 'env' | 'execPath' | 'appImage'>): string {
  const { env, execPath } = places;
  if (places.appImage) return places.appImage;
  if (env.APPIMAGE && isAbsolute(env.APPIMAGE) && env.APPDIR && isAbsolute(env.APPDIR)) {
    const rel = relative(env.APPDIR, execPath);
    if (rel && !rel.startsWith('..') && !isAbsolute(rel)) return env.APPIMAGE;
  }
  return execPath;
}

/**
 * The command a desktop entry, script or menu item runs to start this Ferry: the launcher, and
 * for an AppImage `--no-sandbox`. An AppImage's Chromium sandbox helper cannot be setuid root in
 * its read-only mount, so on a system without unprivileged user namespaces (Ubuntu 24.04's
 * AppArmor default) it would not start at all: electron-builder's own entry for it runs
 * `AppRun --no-sandbox`, and Ferry's items do the same. A deb installs the helper setuid and
 * keeps the sandbox.
 */
export function ferryCommand(places: Pick<DesktopPlaces, 'env' | 'execPath' | 'appImage'>): string[] {
  const launcher = ferryLauncher(places);
  return launcher === places.execPath ? [launcher] : [launcher, '--no-sandbox'];
}

/** An XDG base directory: the variable when it is an absolute path (the specification says to ignore a relative one), else the default under home. */
function xdgDir(env: DesktopPlaces['env'], name: 'XDG_CONFIG_HOME' | 'XDG_DATA_HOME', home: string, fallback: string[]): string {
  const v = env[name];
  return v && isAbsolute(v) ? v : join(home, ...fallback);
}

export function configHome(places: Pick<DesktopPlaces, 'env' | 'home'>): string {
  return xdgDir(places.env, 'XDG_CONFIG_HOME', places.home, ['.config']);
}

export function dataHome(places: Pick<DesktopPlaces, 'env' | 'home'>): string {
  return xdgDir(places.env, 'XDG_DATA_HOME', places.home, ['.local', 'share']);
}
