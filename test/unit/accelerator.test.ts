import { describe, expect, it } from 'vitest';
import { acceleratorOf, heldWords, shortcutWords, type KeyPress } from '../../renderer/src/accelerator';

const press = (key: string, code: string, mods: Partial<Pick<KeyPress, 'ctrlKey' | 'altKey' | 'shiftKey' | 'metaKey'>> = {}): KeyPress => ({ key, code, ctrlKey: false, altKey: false, shiftKey: false, metaKey: false, ...mods });

/** Settings' shortcut field: a key press becomes the accelerator main registers, shown as the platform writes it. */
describe('global shortcut keys', () => {
  it('⌘ on a Mac and Ctrl elsewhere are CommandOrControl; the Mac writes ⇧⌘U, Linux Ctrl+Shift+U', () => {
    expect(acceleratorOf(press('U', 'KeyU', { metaKey: true, shiftKey: true }), 'mac')).toBe('CommandOrControl+Shift+U');
    expect(acceleratorOf(press('U', 'KeyU', { ctrlKey: true, shiftKey: true }), 'linux')).toBe('CommandOrControl+Shift+U');
    expect(shortcutWords('CommandOrControl+Shift+U', 'mac')).toBe('⇧⌘U');
    expect(shortcutWords('CommandOrControl+Shift+U', 'linux')).toBe('Ctrl+Shift+U');
    // The Mac's own Control key is another modifier, written first.
    expect(acceleratorOf(press('k', 'KeyK', { metaKey: true, ctrlKey: true, altKey: true }), 'mac')).toBe('CommandOrControl+Control+Alt+K');
    expect(shortcutWords('CommandOrControl+Control+Alt+K', 'mac')).toBe('⌃⌥⌘K');
  });

  it('the Windows/Super key is Super, written Windows on Windows and Super on Linux', () => {
    expect(acceleratorOf(press('s', 'KeyS', { metaKey: true, altKey: true }), 'windows')).toBe('Alt+Super+S');
    expect(shortcutWords('Alt+Super+S', 'windows')).toBe('Alt+Windows+S');
    expect(shortcutWords('Alt+Super+S', 'linux')).toBe('Alt+Super+S');
  });

  it('the letter is the layout’s (AZERTY A), and a letter a Mac’s ⌥ turned into a symbol is its key', () => {
    expect(acceleratorOf(press('a', 'KeyQ', { ctrlKey: true }), 'linux')).toBe('CommandOrControl+A');
    expect(acceleratorOf(press('ø', 'KeyO', { altKey: true, metaKey: true }), 'mac')).toBe('CommandOrControl+Alt+O');
  });

  it('named keys, the number pad and F keys; an F key may stand alone', () => {
    expect(acceleratorOf(press(' ', 'Space', { ctrlKey: true }), 'linux')).toBe('CommandOrControl+Space');
    expect(acceleratorOf(press('PageDown', 'PageDown', { altKey: true }), 'linux')).toBe('Alt+PageDown');
    expect(shortcutWords('Alt+PageDown', 'linux')).toBe('Alt+Page Down');
    expect(acceleratorOf(press('7', 'Numpad7', { ctrlKey: true }), 'linux')).toBe('CommandOrControl+7');
    expect(acceleratorOf(press('Home', 'Numpad7', { ctrlKey: true }), 'linux')).toBe('CommandOrControl+num7');
    expect(shortcutWords('CommandOrControl+num7', 'linux')).toBe('Ctrl+Num 7');
    expect(acceleratorOf(press('F13', 'F13'), 'linux')).toBe('F13');
  });

  it('refuses in words what would fire while typing, and keys Electron has no name for here', () => {
    expect(acceleratorOf(press('U', 'KeyU', { shiftKey: true }), 'linux')).toEqual(new Error('Hold Ctrl, Alt or Super with U: a shortcut without one would fire while you type.'));
    expect(acceleratorOf(press('u', 'KeyU'), 'mac')).toEqual(new Error('Hold ⌘, ⌃ or ⌥ with U: a shortcut without one would fire while you type.'));
    expect(acceleratorOf(press('ü', 'BracketLeft', { ctrlKey: true }), 'linux')).toBeInstanceOf(Error);
    // A key with a name only in punctuation (which prefs:set refuses) is refused here, in words, before main is asked.
    expect(acceleratorOf(press('=', 'Equal', { ctrlKey: true }), 'linux')).toBeInstanceOf(Error);
  });

  it('shows the modifiers held while the keys are being pressed', () => {
    expect(heldWords(press('Shift', 'ShiftLeft', { ctrlKey: true, shiftKey: true }), 'linux')).toBe('Ctrl+Shift+…');
    expect(heldWords(press('Meta', 'MetaLeft', { metaKey: true }), 'mac')).toBe('⌘…');
    expect(heldWords(press('Shift', 'ShiftLeft'), 'linux')).toBe('');
  });
});
