import type { Events } from '../../preload/contract';

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
}

/** Sends an event of the contract to the window. */
export type Emit = <E extends keyof Events>(event: E, payload: Events[E]) => void;
