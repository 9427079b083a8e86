import { FerryError } from '../errors';

/** SigV4 presigned URLs live at most 7 days. */
export const MAX_EXPIRY_SECONDS = 604_800;
export const MIN_EXPIRY_SECONDS = 1;
export const DEFAULT_EXPIRY_SECONDS = 3600;

const UNIT_SECONDS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86_400, w: 604_800 };

/**
 * Parses an expiry given as seconds (`3600`) or as a duration (`90s`, `15m`, `1h`, `7d`, `1h30m`,
 * `1w`). Anything outside 1 second to 7 days is an error that says the limit: a link is never
 * silently given a different lifetime than the one asked for.
 */
export function parseExpiry(raw: string | number): number {
  const text = String(raw).trim().toLowerCase();
  let seconds: number;
  if (/^\d+$/.test(text)) {
    seconds = Number(text);
  } else if (/^(\d+(\.\d+)?[smhdw])+$/.test(text)) {
    seconds = 0;
    for (const m of text.matchAll(/(\d+(?:\.\d+)?)([smhdw])/g)) seconds += Number(m[1]) * UNIT_SECONDS[m[2]!]!;
  } else {
    throw new FerryError('BAD_EXPIRY', `"${raw}" is not an expiry. Give seconds (3600) or a duration such as 90s, 15m, 1h or 7d.`);
  }
  if (!Number.isInteger(seconds)) {
    throw new FerryError('BAD_EXPIRY', `"${raw}" is not a whole number of seconds (${seconds}). Give a duration in whole seconds.`);
  }
  checkExpiry(seconds, String(raw));
  return seconds;
}

export function checkExpiry(seconds: number, asked = `${seconds}`): void {
  if (!Number.isInteger(seconds) || seconds < MIN_EXPIRY_SECONDS || seconds > MAX_EXPIRY_SECONDS) {
    const what = asked === `${seconds}` ? `${seconds} seconds` : `${asked} (${seconds} seconds)`;
    throw new FerryError(
      'EXPIRY_OUT_OF_RANGE',
      `A share link can live from 1 second to 7 days (604800 seconds); ${what} is outside that. Choose an expiry ${seconds < MIN_EXPIRY_SECONDS ? 'of at least 1s' : 'of at most 7d'}.`,
    );
  }
}

/**
 * "3 days 4 hours", "15 minutes", "1 second": for messages, as people say a time. The largest
 * unit, and the next one down only (days and hours, hours and minutes, minutes and seconds),
 * rounded to that: a day-long link says "1 day", never "1 day 2 seconds".
 */
export function describeDuration(seconds: number): string {
  const units = [['day', 86_400], ['hour', 3600], ['minute', 60], ['second', 1]] as const;
  const whole = Math.max(0, Math.round(seconds));
  const top = units.findIndex(([, size]) => whole >= size);
  if (top < 0) return '0 seconds';
  const [, size] = units[top]!;
  const next = units[top + 1];
  // Rounded to the smaller unit shown; that may carry into the larger one (23 h 59.9 min is 1 day).
  const step = next ? next[1] : size;
  const rounded = Math.round(whole / step) * step;
  const bigger = top > 0 && rounded >= units[top - 1]![1] ? top - 1 : top;
  const [bigUnit, bigSize] = units[bigger]!;
  const parts: string[] = [];
  const n = Math.floor(rounded / bigSize);
  parts.push(`${n} ${bigUnit}${n === 1 ? '' : 's'}`);
  const rest = units[bigger + 1];
  if (rest) {
    const m = Math.round((rounded - n * bigSize) / rest[1]);
    if (m > 0) parts.push(`${m} ${rest[0]}${m === 1 ? '' : 's'}`);
  }
  return parts.join(' ');
}
