import type { DesktopState, Events } from '../../preload/contract';

/** What the handlers need from the desktop, injected so tests can watch it. */
export interface Platform {
  copyText(text: string): void;
  notify(title: string, body: string): void;
  openExternal(url: string): void;
  /**
   * The system's open dialog, shown by main: the paths the user chose (none if cancelled).
   * 'destination' asks for the one folder downloads go to.
   */
  pickFiles(kind: 'files' | 'folder' | 'destination'): Promise<string[]>;
  /** Shows a file in the system's file manager. */
  revealFile?(path: string): void;
  /**
   * Asks the user in a dialog of main's own (which page script can neither see nor answer), for
   * the one decision that sends the keys somewhere: which server an account talks to. True: go on.
   */
  confirm(question: { message: string; detail: string; ok: string }): Promise<boolean>;
  /** Ferry outside its window (main/app/desktop.ts); absent where there is no desktop (some tests). */
  desktop?: DesktopControl;
}

/** The parts of the desktop Settings changes: start at login, the global shortcut, file manager items. */
export interface DesktopControl {
  state(): Promise<DesktopState>;
  /** Throws a FerryError that says why when this desktop cannot, or the change could not be made. */
  setOpenAtLogin(on: boolean): Promise<void>;
  /** Registers the shortcut (undefined: none). Throws a FerryError when it is taken or not a shortcut, and the one before stays. */
  useShortcut(accelerator: string | undefined): Promise<void>;
  setFileManager(id: DesktopState['fileManagers'][number]['id'], on: boolean): Promise<void>;
}

/** Sends an event of the contract to the window. */
export type Emit = <E extends keyof Events>(event: E, payload: Events[E]) => void;
