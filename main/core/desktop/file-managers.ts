import { constants } from 'node:fs';
import { access, stat } from 'node:fs/promises';
import { delimiter, isAbsolute, join } from 'node:path';
import { desktopFile, escapeDesktopString, execValue } from './desktop-entry';
import { dataHome, ferryCommand, type DesktopPlaces } from './launcher';
import { ownedState, refusal, removeOwned, writeOwned, type OwnedFile } from './owned-file';

/**
 * "Share with Ferry" in the file managers' context menus, installed from Settings: each runs
 * `ferry-app --upload FILE…` (the AppImage file inside one) with the selected files.
 *
 * - Nautilus (GNOME Files): an executable script in $XDG_DATA_HOME/nautilus/scripts, shown under
 *   Scripts. Nautilus runs it in the folder it shows, with the selected files as arguments
 *   relative to that folder (nautilus-files-view.c, run_script); the script makes each absolute
 *   and passes it on as one argument, so a name with spaces, quotes, `$(…)`, a newline or a
 *   leading dash stays one file. NAUTILUS_SCRIPT_SELECTED_FILE_PATHS is not used: it separates
 *   paths with newlines, which a file name may hold.
 * - Nemo (Cinnamon): $XDG_DATA_HOME/nemo/actions/ferry-share.nemo_action, Exec with %F (Nemo
 *   escapes each path it puts there, then splits the line as a shell would).
 * - Dolphin (KDE): a service menu, $XDG_DATA_HOME/kio/servicemenus/ferry-share.desktop (KF6, and
 *   KF5 from 5.85), and the same file in kservices5/ServiceMenus for older KF5. KIO lists both
 *   folders but keeps one file per name, so the item shows once. KF6 runs a service menu from the
 *   user's folder only if the file is executable.
 */

export type FileManagerId = 'nautilus' | 'nemo' | 'dolphin';

export interface FileManagerItem {
  id: FileManagerId;
  label: string;
  /** The file manager looks installed: its program is on PATH, or its data folder exists. */
  present: boolean;
  /** Ferry's item is in its menu (Ferry's file is there). */
  installed: boolean;
}

export interface FileManagerItems {
  list(): Promise<FileManagerItem[]>;
  /** Installs (again, if Ferry moved) or removes the item; idempotent. A FerryError says what stood in the way; nothing is half done. */
  set(id: FileManagerId, on: boolean): Promise<void>;
}

export const FILE_MANAGER_IDS: readonly FileManagerId[] = ['nautilus', 'nemo', 'dolphin'];
const LABELS: Record<FileManagerId, string> = { nautilus: 'Files (Nautilus)', nemo: 'Nemo', dolphin: 'Dolphin' };
const WHAT: Record<FileManagerId, string> = { nautilus: 'the Nautilus script', nemo: 'the Nemo action', dolphin: 'the Dolphin menu item' };
const MENU_LABEL = 'Share with Ferry';
/** A theme icon every icon theme has (freedesktop icon naming): Ferry's own is installed only by the deb. */
const ICON = 'document-send';

export function fileManagerMarker(id: FileManagerId): string {
  return id === 'nautilus' ? '# X-Ferry-FileManager=nautilus' : `X-Ferry-FileManager=${id}`;
}

/** A string as one word of a POSIX shell script, in single quotes (nothing inside is special but the quote itself). */
export function shellQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/** The script; `command` is ferryCommand's (the launcher, and what it always takes). */
export function nautilusScript(command: string[]): string {
  return [
    '#!/bin/sh',
    `# ${MENU_LABEL}: uploads the selected files with Ferry and copies a link.`,
    '# Written by Ferry (Settings); Ferry removes it when you turn the Nautilus item off.',
    fileManagerMarker('nautilus'),
    '#',
    '# Nautilus runs this in the folder it shows, the selected files as arguments relative to it:',
    '# each is made absolute, so that a file named like an option is still a file.',
    'for f do',
    '  case $f in',
    '    /*) ;;',
    '    *) f=$PWD/$f ;;',
    '  esac',
    '  set -- "$@" "$f"',
    '  shift',
    'done',
    '# In a remote folder (sftp://, smb://) Nautilus gives no arguments, only the selection as',
    '# URIs, one per line (a URI holds no line break): passed on, so Ferry says they are not files here.',
    'if [ $# -eq 0 ] && [ -n "${NAUTILUS_SCRIPT_SELECTED_URIS:-}" ]; then',
    "  IFS='",
    "'",
    '  set -f',
    '  set -- $NAUTILUS_SCRIPT_SELECTED_URIS',
    'fi',
    `exec ${command.map(shellQuote).join(' ')} --upload "$@"`,
    '',
  ].join('\n');
}

export function nemoAction(command: string[]): string {
  return desktopFile(
    [
      {
        name: 'Nemo Action',
        entries: [
          ['Name', MENU_LABEL],
          ['Comment', 'Upload the selection with Ferry and copy a link'],
          ['Exec', execValue([...command, '--upload'], ['%F'])],
          ['Icon-Name', ICON],
          ['Selection', 'notnone'],
          ['Extensions', 'any;'],
          ['X-Ferry-FileManager', 'nemo'],
        ],
      },
    ],
    'Written by Ferry (Settings); Ferry removes it when you turn the Nemo item off.',
  );
}

export function dolphinServiceMenu(command: string[]): string {
  return desktopFile(
    [
      {
        name: 'Desktop Entry',
        entries: [
          ['Type', 'Service'],
          // KF5 before 5.85 finds service menus by this service type; KF6 still reads it in kservices5.
          ['ServiceTypes', 'KonqPopupMenu/Plugin'],
          ['X-KDE-ServiceTypes', 'KonqPopupMenu/Plugin'],
          ['MimeType', 'all/allfiles;inode/directory;'],
          ['Actions', 'ferryShare;'],
          ['X-KDE-Priority', 'TopLevel'],
          ['X-Ferry-FileManager', 'dolphin'],
        ],
      },
      {
        name: 'Desktop Action ferryShare',
        entries: [
          ['Name', escapeDesktopString(MENU_LABEL)],
          ['Icon', ICON],
          ['Exec', execValue([...command, '--upload'], ['%F'])],
        ],
      },
    ],
    'Written by Ferry (Settings); Ferry removes it when you turn the Dolphin item off.',
  );
}

/** The files each item is made of, where they go. */
export function fileManagerFiles(places: DesktopPlaces, id: FileManagerId): OwnedFile[] {
  const data = dataHome(places);
  const marker = fileManagerMarker(id);
  const what = WHAT[id];
  switch (id) {
    case 'nautilus':
      return [{ path: join(data, 'nautilus', 'scripts', MENU_LABEL), content: nautilusScript(ferryCommand(places)), mode: 0o755, marker, what }];
    case 'nemo':
      return [{ path: join(data, 'nemo', 'actions', 'ferry-share.nemo_action'), content: nemoAction(ferryCommand(places)), mode: 0o644, marker, what }];
    case 'dolphin': {
      const content = dolphinServiceMenu(ferryCommand(places));
      return [
        { path: join(data, 'kio', 'servicemenus', 'ferry-share.desktop'), content, mode: 0o755, marker, what },
        { path: join(data, 'kservices5', 'ServiceMenus', 'ferry-share.desktop'), content, mode: 0o755, marker, what },
      ];
    }
  }
}

/** Paths only (for list and removal: no launcher needed, so a path Ferry cannot write never stops a removal). */
function fileManagerPaths(places: DesktopPlaces, id: FileManagerId): string[] {
  const data = dataHome(places);
  switch (id) {
    case 'nautilus':
      return [join(data, 'nautilus', 'scripts', MENU_LABEL)];
    case 'nemo':
      return [join(data, 'nemo', 'actions', 'ferry-share.nemo_action')];
    case 'dolphin':
      return [join(data, 'kio', 'servicemenus', 'ferry-share.desktop'), join(data, 'kservices5', 'ServiceMenus', 'ferry-share.desktop')];
  }
}

async function onPath(env: DesktopPlaces['env'], program: string): Promise<boolean> {
  for (const dir of (env.PATH ?? '').split(delimiter)) {
    if (!dir || !isAbsolute(dir)) continue;
    const file = join(dir, program);
    try {
      if ((await stat(file)).isFile()) {
        await access(file, constants.X_OK);
        return true;
      }
    } catch {
      // not here
    }
  }
  return false;
}

async function isFolder(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isDirectory();
  } catch {
    return false;
  }
}

export function fileManagerItems(places: DesktopPlaces): FileManagerItems {
  return {
    async list() {
      const data = dataHome(places);
      return Promise.all(
        FILE_MANAGER_IDS.map(async (id) => {
          const states = await Promise.all(fileManagerPaths(places, id).map((p) => ownedState(p, fileManagerMarker(id))));
          const present = (await onPath(places.env, id)) || (await isFolder(join(data, id)));
          return { id, label: LABELS[id], present, installed: states.some((s) => s.kind === 'ours') };
        }),
      );
    },
    async set(id, on) {
      if (!FILE_MANAGER_IDS.includes(id)) throw new Error(`unknown file manager ${String(id)}`);
      if (!on) {
        const files = fileManagerPaths(places, id).map((path) => ({ path, marker: fileManagerMarker(id), what: WHAT[id] }));
        // Every file is looked at before any is removed: a refusal leaves the item as it was.
        for (const f of files) {
          const refused = refusal(f, await ownedState(f.path, f.marker), 'remove');
          if (refused) throw refused;
        }
        for (const f of files) await removeOwned(f);
        return;
      }
      const files = fileManagerFiles(places, id);
      const before = await Promise.all(files.map((f) => ownedState(f.path, f.marker)));
      files.forEach((f, i) => {
        const refused = refusal(f, before[i]!, 'replace');
        if (refused) throw refused;
      });
      const written: OwnedFile[] = [];
      try {
        for (const f of files) {
          await writeOwned(f);
          written.push(f);
        }
      } catch (err) {
        // Put back the state before: remove the files this call added (ones that were there stay, rewritten or not).
        for (const [i, f] of files.entries()) if (written.includes(f) && before[i]!.kind === 'absent') await removeOwned(f).catch(() => {});
        throw err;
      }
    },
  };
}
