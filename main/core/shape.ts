/**
 * Checks the shape of what Ferry reads from its own files (settings.json, the .jsonl histories,
 * saved transfer states): objects of known keys, strings, numbers, booleans, enums and arrays,
 * with the bounds those files need. A few dozen lines instead of zod, which took ~45 ms to load
 * and made `ferry presign` and `ferry links` start at 3× bare Node. It agrees with the zod
 * schemas it replaced on every file (test/unit/shape.test.ts compares them): unknown keys are
 * dropped, a missing key or a value of the wrong kind fails with where it is.
 */

export type Path = Array<string | number>;
export type Checked<T> = { ok: true; value: T } | { ok: false; path: Path };

export interface Shape<T> {
  read(value: unknown, path?: Path): Checked<T>;
}
/** A key that may be absent (or undefined). */
export interface Optional<T> extends Shape<T | undefined> {
  readonly optional: true;
}
export type Infer<S> = S extends Shape<infer T> ? T : never;

type Props = Record<string, Shape<unknown>>;
type Flat<T> = { [K in keyof T]: T[K] } & {};
type ObjectOf<P extends Props> = Flat<
  { [K in keyof P as P[K] extends Optional<unknown> ? never : K]: Infer<P[K]> } & { [K in keyof P as P[K] extends Optional<unknown> ? K : never]?: Exclude<Infer<P[K]>, undefined> }
>;

const ok = <T>(value: T): Checked<T> => ({ ok: true, value });
const bad = (path: Path): { ok: false; path: Path } => ({ ok: false, path });

export function str(rule: { min?: number; max?: number; regex?: RegExp; url?: true } = {}): Shape<string> {
  return {
    read(v, path = []) {
      if (typeof v !== 'string') return bad(path);
      if (rule.min !== undefined && v.length < rule.min) return bad(path);
      if (rule.max !== undefined && v.length > rule.max) return bad(path);
      if (rule.regex && !rule.regex.test(v)) return bad(path);
      if (rule.url && !isUrl(v)) return bad(path);
      return ok(v);
    },
  };
}

/** What zod's string().url() accepts: a URL the WHATWG parser takes (the tests compare them). */
function isUrl(v: string): boolean {
  try {
    new URL(v);
    return true;
  } catch {
    return false;
  }
}

export function num(rule: { int?: true; min?: number; max?: number; positive?: true; nonnegative?: true } = {}): Shape<number> {
  return {
    read(v, path = []) {
      if (typeof v !== 'number' || !Number.isFinite(v)) return bad(path);
      if (rule.int && !Number.isSafeInteger(v)) return bad(path);
      if (rule.min !== undefined && v < rule.min) return bad(path);
      if (rule.max !== undefined && v > rule.max) return bad(path);
      if (rule.positive && !(v > 0)) return bad(path);
      if (rule.nonnegative && !(v >= 0)) return bad(path);
      return ok(v);
    },
  };
}

export const bool = (): Shape<boolean> => ({ read: (v, path = []) => (typeof v === 'boolean' ? ok(v) : bad(path)) });

export function lit<const T extends string | number | boolean>(literal: T): Shape<T> {
  return { read: (v, path = []) => (v === literal ? ok(literal) : bad(path)) };
}

export function oneOf<const T extends readonly string[]>(values: T): Shape<T[number]> {
  return { read: (v, path = []) => (typeof v === 'string' && values.includes(v) ? ok(v as T[number]) : bad(path)) };
}

export function arr<T>(item: Shape<T>): Shape<T[]> {
  return {
    read(v, path = []) {
      if (!Array.isArray(v)) return bad(path);
      const out: T[] = [];
      for (let i = 0; i < v.length; i++) {
        const r = item.read(v[i], [...path, i]);
        if (!r.ok) return r;
        out.push(r.value);
      }
      return ok(out);
    },
  };
}

export function opt<T>(shape: Shape<T>): Optional<T> {
  return { optional: true, read: (v, path = []) => (v === undefined ? ok(undefined) : shape.read(v, path)) };
}

export function obj<P extends Props>(props: P): Shape<ObjectOf<P>> {
  return {
    read(v, path = []) {
      if (typeof v !== 'object' || v === null || Array.isArray(v)) return bad(path);
      const out: Record<string, unknown> = {};
      for (const [key, shape] of Object.entries(props)) {
        const r = shape.read((v as Record<string, unknown>)[key], [...path, key]);
        if (!r.ok) return r;
        if (r.value !== undefined) out[key] = r.value;
      }
      return ok(out as ObjectOf<P>);
    },
  };
}

/** The value in its checked form, or an error naming where it is wrong (for what Ferry itself writes). */
export function ensure<T>(shape: Shape<T>, value: unknown): T {
  const r = shape.read(value);
  if (!r.ok) throw new Error(`Not in the expected form at ${r.path.join('.') || 'the top level'}.`);
  return r.value;
}
