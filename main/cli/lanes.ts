import type { LimitTrace } from '../core/transfers/adaptive';

/** How many requests a lane had in flight and when that changed (adaptive.ts), for --debug. */
export function laneLine(what: string, t: LimitTrace): string {
  if (!t.steps.length) return `ferry: ${what} in flight: ${t.limit} throughout`;
  return `ferry: ${what} in flight: ${t.initial} to start, then ${t.steps.map(([ms, n]) => `${n} at ${(ms / 1000).toFixed(1)} s`).join(', ')}; at most ${t.peak}`;
}
