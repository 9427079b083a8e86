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

/** "3 days 4 hours", "15 minutes", "1 second": for messages. */
export function describeDuration(seconds: number): string {
  const parts: string[] = [];
  let left = Math.round(seconds);
  for (const [unit, size] of [['day', 86_400], ['hour', 3600], ['minute', 60], ['second', 1]] as const) {
    const n = Math.floor(left / size);
    if (n > 0) parts.push(`${n} ${unit}${n === 1 ? '' : 's'}`);
    left -= n * size;
    if (parts.length === 2) break;
  }
  return parts.length ? parts.join(' ') : '0 seconds';
}
