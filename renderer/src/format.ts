import { safeText } from '../../preload/shared';
const UNITS = ['B', 'KB', 'MB', 'GB', 'TB'];

export function formatSize(n: number): string {
  let v = n;
  let i = 0;
  while (v >= 1000 && i < UNITS.length - 1) {
    v /= 1000;
    i++;
  }
  return i === 0 ? `${v} B` : `${v.toFixed(v < 10 ? 1 : 0)} ${UNITS[i]}`;
}

export function formatRate(bytesPerSecond: number): string {
  return `${formatSize(Math.round(bytesPerSecond))}/s`;
}

export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m ${String(s % 60).padStart(2, '0')}s`;
  if (s < 86_400) return `${Math.floor(s / 3600)}h ${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
  return `${Math.floor(s / 86_400)}d ${Math.floor((s % 86_400) / 3600)}h`;
}

// One formatter each, made once: toLocaleString builds a new one per call, which a list of
// 100,000 rows scrolled at speed cannot afford.
const whole = new Intl.DateTimeFormat(undefined, { year: 'numeric', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' });

export function formatDate(iso: string | undefined): string {
  if (!iso) return '';
  return remembered(`w${iso}`, () => whole.format(new Date(iso)));
}

/** Dates already said, so rows drawn again (scrolling back, a refresh) do not format them again. */
const said = new Map<string, string>();
function remembered(key: string, make: () => string): string {
  let text = said.get(key);
  if (text === undefined) {
    if (said.size > 20_000) said.clear();
    said.set(key, (text = make()));
  }
  return text;
}

const thisYear = new Intl.DateTimeFormat(undefined, { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' });
const otherYear = new Intl.DateTimeFormat(undefined, { year: 'numeric', month: 'short', day: 'numeric' });

/**
 * A date as the file list shows it, short enough for its column at 720 px: this year's with the
 * time and no year, an earlier year's with the year and no time (the row's title has it whole).
 */
export function formatListDate(iso: string | undefined, now = new Date()): string {
  if (!iso) return '';
  const year = now.getFullYear();
  return remembered(`${year}${iso}`, () => {
    const d = new Date(iso);
    return (d.getFullYear() === year ? thisYear : otherYear).format(d);
  });
}

/** The last part of a key or prefix, as it is (for names of new keys, matching and editing). */
export function leafName(keyOrPrefix: string): string {
  const trimmed = keyOrPrefix.endsWith('/') ? keyOrPrefix.slice(0, -1) : keyOrPrefix;
  return trimmed.slice(trimmed.lastIndexOf('/') + 1);
}

/**
 * The last part of a key or prefix as the window shows it: control and bidi characters made
 * visible, so a name cannot disguise itself ("invoice\u202Efdp.exe" is not "invoiceexe.pdf").
 */
export function shownName(keyOrPrefix: string): string {
  return safeText(leafName(keyOrPrefix));
}

export { safeText as shown };

/**
 * Where an object is after `from` was renamed or moved to `to` (a folder, ending in "/", carries
 * everything below it), or undefined when the move did not touch it. What follows an object
 * (the share panel, say) follows it through every rename, move and folder move alike.
 */
export function movedTo(key: string, from: string, to: string): string | undefined {
  if (key === from) return to;
  return from.endsWith('/') && key.startsWith(from) ? to + key.slice(from.length) : undefined;
}

/** Whether deleting `names` (folders with everything in them) deletes `key`. */
export function deletedBy(key: string, names: string[]): boolean {
  return names.some((n) => n === key || (n.endsWith('/') && key.startsWith(n)));
}
