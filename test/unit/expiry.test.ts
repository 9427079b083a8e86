import { describe, expect, it } from 'vitest';
import { isFerryError } from '../../main/core/errors';
import { describeDuration, parseExpiry } from '../../main/core/links/expiry';

function code(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    return isFerryError(err) ? err.code : 'not a FerryError';
  }
  return undefined;
}

describe('parseExpiry', () => {
  it.each([
    ['1', 1],
    ['3600', 3600],
    ['604800', 604_800],
    ['90s', 90],
    ['15m', 900],
    ['1h', 3600],
    ['1h30m', 5400],
    ['7d', 604_800],
    ['1w', 604_800],
    [' 2D ', 172_800],
    ['0.5h', 1800],
  ])('reads %s as %i seconds', (raw, seconds) => {
    expect(parseExpiry(raw)).toBe(seconds);
  });

  it.each(['0', '0s', '604801', '8d', '2w', '7d1s'])('refuses %s with the 7-day limit, never clamping it', (raw) => {
    expect(code(() => parseExpiry(raw))).toBe('EXPIRY_OUT_OF_RANGE');
    expect(() => parseExpiry(raw)).toThrow(/1 second to 7 days \(604800 seconds\)/);
  });

  it.each(['', 'soon', '-5', '1y', '1.5s', 'h1', '10 minutes'])('refuses %j as not an expiry', (raw) => {
    expect(code(() => parseExpiry(raw))).toBe('BAD_EXPIRY');
  });

  it('describes durations in words', () => {
    expect(describeDuration(604_800)).toBe('7 days');
    expect(describeDuration(5400)).toBe('1 hour 30 minutes');
    expect(describeDuration(1)).toBe('1 second');
    // As people say a time: the largest unit and the next one down, rounded to it.
    expect(describeDuration(86_402)).toBe('1 day');
    expect(describeDuration(86_390)).toBe('1 day');
    expect(describeDuration(84_600)).toBe('23 hours 30 minutes');
    expect(describeDuration(90_061)).toBe('1 day 1 hour');
    expect(describeDuration(3_601)).toBe('1 hour');
    expect(describeDuration(3_599)).toBe('59 minutes 59 seconds');
    expect(describeDuration(119.6)).toBe('2 minutes');
    expect(describeDuration(0.2)).toBe('0 seconds');
  });
});
