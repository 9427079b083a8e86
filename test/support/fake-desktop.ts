/**
 * A stand-in for the desktop Settings changes (main/app/platform.ts DesktopControl): it records
 * every call, keeps what a real desktop would (registered shortcut, autostart, menu items), and
 * can be told that a shortcut is taken by another app or that this is Wayland without the portal.
 */
import type { DesktopControl } from '../../main/app/platform';
import { FerryError } from '../../main/core/errors';
import type { DesktopState } from '../../preload/contract';

type FileManagerId = DesktopState['fileManagers'][number]['id'];

export interface FakeDesktop extends DesktopControl {
  /** Every call, in order: ['useShortcut', 'CommandOrControl+Shift+U'], ['setOpenAtLogin', true], … */
  calls: Array<[string, ...unknown[]]>;
  /** Accelerators another app holds: useShortcut refuses them as the real one does. */
  taken: Set<string>;
  /** Wayland without the global shortcuts portal: no shortcut works, the command is offered. */
  wayland: boolean;
  /** The screenshot tool found, if any. */
  capture: string | undefined;
  /** The shortcut registered now. */
  registered: string | undefined;
  openAtLogin: boolean;
  installed: Set<FileManagerId>;
  /** When set, setFileManager fails with this message (a folder it cannot write, say). */
  fileManagerFailure: string | undefined;
}

export const SHARE_CLIPBOARD_COMMAND = 'ferry-app --share-clipboard';

export function fakeDesktop(opts: { present?: FileManagerId[]; capture?: string } = {}): FakeDesktop {
  const present = new Set<FileManagerId>(opts.present ?? ['nautilus', 'dolphin']);
  const labels: Record<FileManagerId, string> = { nautilus: 'Files (Nautilus)', nemo: 'Nemo', dolphin: 'Dolphin' };
  const d: FakeDesktop = {
    calls: [],
    taken: new Set(),
    wayland: false,
    capture: opts.capture,
    registered: undefined,
    openAtLogin: false,
    installed: new Set(),
    fileManagerFailure: undefined,
    async state() {
      return {
        openAtLogin: { supported: true, on: d.openAtLogin, how: 'an entry in ~/.config/autostart' },
        shortcut: d.wayland
          ? { works: false, why: 'GNOME on Wayland lets no app take a global shortcut.', command: SHARE_CLIPBOARD_COMMAND, active: false }
          : { works: true, command: SHARE_CLIPBOARD_COMMAND, active: d.registered !== undefined },
        fileManagers: (['nautilus', 'nemo', 'dolphin'] as const).map((id) => ({ id, label: labels[id], present: present.has(id), installed: d.installed.has(id) })),
        ...(d.capture ? { capture: d.capture } : {}),
      };
    },
    async setOpenAtLogin(on) {
      d.calls.push(['setOpenAtLogin', on]);
      d.openAtLogin = on;
    },
    async useShortcut(accelerator) {
      d.calls.push(['useShortcut', accelerator]);
      if (accelerator && d.wayland) throw new FerryError('UNSUPPORTED', 'This desktop lets no app take a global shortcut.');
      if (accelerator && d.taken.has(accelerator)) throw new FerryError('USAGE', `${accelerator} is taken by another app. Choose another shortcut, or free it there first.`);
      d.registered = accelerator;
    },
    async setFileManager(id, on) {
      d.calls.push(['setFileManager', id, on]);
      if (!present.has(id)) throw new FerryError('UNSUPPORTED', `${labels[id]} is not installed.`);
      if (d.fileManagerFailure) throw new FerryError('FILE_UNREADABLE', d.fileManagerFailure);
      if (on) d.installed.add(id);
      else d.installed.delete(id);
    },
  };
  return d;
}
