/**
 * Global shortcuts: a key press turned into an Electron accelerator (what prefs:set stores and
 * main registers), and an accelerator put in the words of the user's platform.
 */

export type Os = 'mac' | 'windows' | 'linux';

export function osOf(platform: string): Os {
  return platform === 'darwin' ? 'mac' : platform === 'win32' ? 'windows' : 'linux';
}

/** What a key press holds; a KeyboardEvent has these. */
export interface KeyPress {
  key: string;
  code: string;
  ctrlKey: boolean;
  altKey: boolean;
  shiftKey: boolean;
  metaKey: boolean;
}

const MODIFIER_KEYS = new Set(['Control', 'Shift', 'Alt', 'AltGraph', 'Meta', 'OS', 'Super', 'Hyper']);

/** Keys named by KeyboardEvent.key that Electron knows, and their accelerator names. */
const NAMED: Record<string, string> = {
  ' ': 'Space',
  ArrowUp: 'Up',
  ArrowDown: 'Down',
  ArrowLeft: 'Left',
  ArrowRight: 'Right',
  Home: 'Home',
  End: 'End',
  PageUp: 'PageUp',
  PageDown: 'PageDown',
  Insert: 'Insert',
  Enter: 'Enter',
  PrintScreen: 'PrintScreen',
};

/** Number pad keys by KeyboardEvent.code (the same whatever Num Lock says). */
const NUMPAD: Record<string, string> = { NumpadAdd: 'numadd', NumpadSubtract: 'numsub', NumpadMultiply: 'nummult', NumpadDivide: 'numdiv', NumpadDecimal: 'numdec' };

export function isModifierOnly(press: Pick<KeyPress, 'key'>): boolean {
  return MODIFIER_KEYS.has(press.key);
}

/** The key itself, as Electron names it; undefined for a key a global shortcut cannot use. */
function keyName(press: KeyPress): string | undefined {
  // The letter the layout puts there (an AZERTY A is A), unless a modifier made it another character.
  if (/^[a-z0-9]$/i.test(press.key)) return press.key.toUpperCase();
  const code = /^(?:Key([A-Z])|Digit([0-9])|Numpad([0-9]))$/.exec(press.code);
  if (code) return code[1] ?? code[2] ?? `num${code[3]}`;
  if (/^F([1-9]|1[0-9]|2[0-4])$/.test(press.key)) return press.key;
  return NUMPAD[press.code] ?? NAMED[press.key];
}

/**
 * The accelerator for a key press (CommandOrControl is ⌘ on a Mac and Ctrl elsewhere; Super is the
 * Windows/Super key), or an Error that says what to press instead.
 */
export function acceleratorOf(press: KeyPress, os: Os): string | Error {
  const key = keyName(press);
  if (!key) return new Error('That key cannot be part of a global shortcut. Use a letter, a digit, F1 to F24, Space, an arrow or a key such as Home or Page Up, with Ctrl, Alt or Super.');
  const mods = modifiersOf(press, os);
  // A letter alone (or with Shift) would be taken from every app: typing would share the clipboard.
  if (!/^F\d+$/.test(key) && !mods.some((m) => m !== 'Shift')) {
    const words = os === 'mac' ? '⌘, ⌃ or ⌥' : `Ctrl, Alt or ${os === 'windows' ? 'Windows' : 'Super'}`;
    return new Error(`Hold ${words} with ${wordsOf(key, os)}: a shortcut without one would fire while you type.`);
  }
  return [...mods, key].join('+');
}

const MAC_SYMBOLS: Record<string, string> = { Control: '⌃', Ctrl: '⌃', Alt: '⌥', Option: '⌥', AltGr: '⌥', Shift: '⇧', CommandOrControl: '⌘', CmdOrCtrl: '⌘', Command: '⌘', Cmd: '⌘', Super: '⌘', Meta: '⌘' };
const MAC_ORDER = ['⌃', '⌥', '⇧', '⌘'];

function wordsOf(key: string, os: Os): string {
  const num = /^num(\d)$/i.exec(key);
  if (num) return `Num ${num[1]}`;
  const pad: Record<string, string> = { numadd: 'Num +', numsub: 'Num −', nummult: 'Num *', numdiv: 'Num /', numdec: 'Num .' };
  if (pad[key.toLowerCase()]) return pad[key.toLowerCase()]!;
  if (os === 'mac') return ({ Up: '↑', Down: '↓', Left: '←', Right: '→', Enter: '↩', Return: '↩', Space: 'Space' } as Record<string, string>)[key] ?? key;
  return ({ PageUp: 'Page Up', PageDown: 'Page Down', PrintScreen: 'Print Screen', Return: 'Enter' } as Record<string, string>)[key] ?? key;
}

/** An accelerator as the platform writes shortcuts: ⇧⌘U on a Mac, Ctrl+Shift+U elsewhere. */
export function shortcutWords(accelerator: string, os: Os): string {
  const parts = accelerator.split('+').filter(Boolean);
  const key = parts.pop() ?? '';
  if (os === 'mac') {
    const symbols = [...new Set(parts.map((m) => MAC_SYMBOLS[m] ?? m))].sort((a, b) => MAC_ORDER.indexOf(a) - MAC_ORDER.indexOf(b));
    return `${symbols.join('')}${wordsOf(key, os)}`;
  }
  const name: Record<string, string> = { CommandOrControl: 'Ctrl', CmdOrCtrl: 'Ctrl', Control: 'Ctrl', Ctrl: 'Ctrl', Alt: 'Alt', AltGr: 'AltGr', Option: 'Alt', Shift: 'Shift', Super: os === 'windows' ? 'Windows' : 'Super', Meta: os === 'windows' ? 'Windows' : 'Super' };
  return [...parts.map((m) => name[m] ?? m), wordsOf(key, os)].join('+');
}

/** The modifiers held so far, in the platform's words, while a shortcut is being pressed ("Ctrl+Shift+…"). */
export function heldWords(press: KeyPress, os: Os): string {
  const mods = modifiersOf(press, os);
  return mods.length ? `${shortcutWords(`${mods.join('+')}+X`, os).slice(0, -1)}…` : '';
}

/** The modifiers of a press, as accelerator names, in one fixed order. */
function modifiersOf(press: KeyPress, os: Os): string[] {
  const mods: string[] = [];
  // ⌘ on a Mac and Ctrl elsewhere are the same shortcut to Electron; the Mac's ⌃ is another.
  if (os === 'mac') {
    if (press.metaKey) mods.push('CommandOrControl');
    if (press.ctrlKey) mods.push('Control');
  } else if (press.ctrlKey) mods.push('CommandOrControl');
  if (press.altKey) mods.push('Alt');
  if (press.shiftKey) mods.push('Shift');
  if (os !== 'mac' && press.metaKey) mods.push('Super');
  return mods;
}
