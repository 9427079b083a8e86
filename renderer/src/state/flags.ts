/** Small view settings the window keeps for itself (not settings of Ferry's: those are in main's prefs). */
export function readFlag(name: string): boolean {
  try {
    return localStorage.getItem(`ferry.${name}`) === '1';
  } catch {
    return false;
  }
}

export function writeFlag(name: string, on: boolean): void {
  try {
    localStorage.setItem(`ferry.${name}`, on ? '1' : '0');
  } catch {
    // Storage unavailable (a private window in tests): the flag lasts this session only.
  }
}
