import { join } from 'node:path';
import { desktopFile, escapeDesktopString, execValue, parseDesktopFile } from './desktop-entry';
import { configHome, ferryCommand, type DesktopPlaces } from './launcher';
import { ownedState, removeOwned, writeOwned } from './owned-file';

/** The line that marks the autostart entry as Ferry's: a file without it is never replaced or removed. */
export const AUTOSTART_MARKER = 'X-Ferry-Autostart=true';
const [MARKER_KEY, MARKER_VALUE] = ['X-Ferry-Autostart', 'true'] as const;

export interface LoginItem {
  /** Whether Ferry starts at login: its entry is there and no one turned it off in it (Hidden, X-GNOME-Autostart-enabled=false). */
  state(): Promise<boolean>;
  /** Writes (again, if Ferry moved) or removes the entry. Idempotent; a FerryError says what stood in the way. */
  set(on: boolean): Promise<void>;
}

/** The path of the autostart entry: $XDG_CONFIG_HOME/autostart/ferry.desktop. */
export function autostartPath(places: Pick<DesktopPlaces, 'env' | 'home'>): string {
  return join(configHome(places), 'autostart', 'ferry.desktop');
}

/** The entry's text: starts this Ferry (the AppImage file inside one, see ferryCommand) with --hidden, in the tray. */
export function autostartEntry(places: Pick<DesktopPlaces, 'env' | 'execPath' | 'appImage'>): string {
  const command = ferryCommand(places);
  const launcher = command[0]!;
  return desktopFile(
    [
      {
        name: 'Desktop Entry',
        entries: [
          ['Type', 'Application'],
          ['Version', '1.5'],
          ['Name', 'Ferry'],
          ['Comment', 'Start Ferry in the tray when you log in'],
          ['Exec', execValue([...command, '--hidden'])],
          // A session skips the entry once the file is gone (an AppImage deleted, a package removed).
          ['TryExec', escapeDesktopString(launcher)],
          ['Icon', 'ferry-app'],
          ['Terminal', 'false'],
          ['X-GNOME-Autostart-enabled', 'true'],
          [MARKER_KEY, MARKER_VALUE],
        ],
      },
    ],
    'Written by Ferry (Settings, Start at login). Ferry removes it when you turn that off.',
  );
}

/**
 * Start at login on Linux, through the XDG autostart specification (GNOME, KDE, Xfce, Cinnamon
 * and the rest read $XDG_CONFIG_HOME/autostart). Every path is the caller's: nothing is read from
 * this process.
 */
export function linuxAutostart(places: DesktopPlaces): LoginItem {
  const path = autostartPath(places);
  const what = 'the autostart entry';
  return {
    async state() {
      const s = await ownedState(path, AUTOSTART_MARKER);
      if (s.kind !== 'ours') return false;
      try {
        const entry = parseDesktopFile(s.content).get('Desktop Entry');
        if (!entry) return false;
        return entry.get('Hidden') !== 'true' && entry.get('X-GNOME-Autostart-enabled') !== 'false';
      } catch {
        return false;
      }
    },
    async set(on) {
      if (on) await writeOwned({ path, content: autostartEntry(places), mode: 0o644, marker: AUTOSTART_MARKER, what });
      else await removeOwned({ path, marker: AUTOSTART_MARKER, what });
    },
  };
}
