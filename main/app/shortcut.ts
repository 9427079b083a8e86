/**
 * The global shortcut for "Share clipboard", in plain Node: whether an accelerator is one a
 * global shortcut should be, and whether this desktop lets apps have global shortcuts at all.
 * main/app/desktop.ts registers it through Electron's globalShortcut.
 */
import { FerryError } from '../core/errors';

const MODIFIERS = new Set(['command', 'cmd', 'control', 'ctrl', 'commandorcontrol', 'cmdorctrl', 'alt', 'option', 'altgr', 'shift', 'super', 'meta']);
/** Modifiers that make a combination no typing produces (Shift alone would take a capital letter from every app). */
const STRONG = new Set(['command', 'cmd', 'control', 'ctrl', 'commandorcontrol', 'cmdorctrl', 'alt', 'option', 'altgr', 'super', 'meta']);
const NAMED = new Set([
  'plus', 'space', 'tab', 'capslock', 'numlock', 'scrolllock', 'backspace', 'delete', 'insert', 'return', 'enter', 'up', 'down', 'left', 'right',
  'home', 'end', 'pageup', 'pagedown', 'escape', 'esc', 'printscreen',
  'num0', 'num1', 'num2', 'num3', 'num4', 'num5', 'num6', 'num7', 'num8', 'num9', 'numdec', 'numadd', 'numsub', 'nummult', 'numdiv',
]);
/** Keys that type nothing, so they may be a shortcut on their own. */
const ALONE = /^(f(1[3-9]|2[0-4])|printscreen)$/;

/** Refuses what Electron would not register, or what would take a key the user types. Returns the accelerator as given. */
export function checkAccelerator(accelerator: string): string {
  const parts = accelerator.split('+');
  const key = parts.pop()!.toLowerCase();
  const mods = parts.map((p) => p.toLowerCase());
  const bad = (why: string) => new FerryError('USAGE', `“${accelerator}” cannot be Ferry’s shortcut: ${why}`);
  if (!key || mods.some((m) => !MODIFIERS.has(m))) throw bad('a shortcut is modifiers (Ctrl, Alt, Shift, Super, or Command on a Mac) and one key, joined by +, such as CommandOrControl+Shift+U.');
  if (new Set(mods).size !== mods.length) throw bad('a modifier is named twice.');
  if (!/^([a-z0-9]|f([1-9]|1[0-9]|2[0-4]))$/.test(key) && !NAMED.has(key)) throw bad(`“${key}” is not a key Ferry knows; use a letter, a digit, F1 to F24, or a named key such as Space.`);
  if (!mods.some((m) => STRONG.has(m)) && !ALONE.test(key)) throw bad('without Ctrl, Alt, Super or Command it would take that key from everything you type. Add one of them.');
  return accelerator;
}

export interface ShortcutSupport {
  works: boolean;
  /** Why not, in a sentence that says what to do instead. */
  why?: string;
}

/**
 * Wayland gives apps no global shortcuts of their own (only through the desktop portal, which
 * Electron does not use by default): the desktop's own keyboard settings bind a command instead.
 * X11, macOS and Windows let Ferry register one.
 */
export function shortcutSupport(platform: NodeJS.Platform, env: NodeJS.ProcessEnv): ShortcutSupport {
  if (platform !== 'linux') return { works: true };
  if (env.XDG_SESSION_TYPE === 'wayland' || (env.WAYLAND_DISPLAY && env.XDG_SESSION_TYPE !== 'x11')) {
    return {
      works: false,
      why: 'This desktop runs Wayland, which does not let apps set their own global shortcuts. Add a custom shortcut in your desktop’s keyboard settings that runs the command below.',
    };
  }
  if (!env.DISPLAY) return { works: false, why: 'There is no display session here, so no shortcut can be registered. Bind the command below in your desktop’s keyboard settings.' };
  return { works: true };
}

/** The command a desktop's own shortcut settings (or a script) runs to share the clipboard: this very app, as launched. */
export function shareClipboardCommand(launch: { execPath: string; appPath?: string; appImage?: string }): string {
  const q = (s: string) => (/^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`);
  // Inside an AppImage the executable is in a temporary mount: the AppImage file is what lasts.
  const exe = launch.appImage ?? launch.execPath;
  return [exe, ...(launch.appPath ? [launch.appPath] : []), '--share-clipboard'].map(q).join(' ');
}
