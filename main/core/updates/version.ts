/**
 * Semantic Versioning 2.0.0 (https://semver.org), as far as deciding whether a version in the
 * update feed is newer than the running one: strict parsing (no leading "v", no leading zeros)
 * and precedence with prereleases (1.2.0-beta.2 < 1.2.0-beta.10 < 1.2.0). Build metadata
 * (+sha.abc) is parsed and ignored, as the spec says.
 */

export interface Version {
  major: number;
  minor: number;
  patch: number;
  prerelease: (string | number)[];
}

const NUM = '0|[1-9]\\d*';
const IDENT = `(?:${NUM}|\\d*[a-zA-Z-][0-9a-zA-Z-]*)`;
const SEMVER = new RegExp(`^(${NUM})\\.(${NUM})\\.(${NUM})(?:-(${IDENT}(?:\\.${IDENT})*))?(?:\\+[0-9a-zA-Z-]+(?:\\.[0-9a-zA-Z-]+)*)?$`);

/** The version, or undefined when `text` is not a semantic version. */
export function parseVersion(text: string): Version | undefined {
  if (text.length > 256) return undefined;
  const m = SEMVER.exec(text);
  if (!m) return undefined;
  const [major, minor, patch] = [m[1], m[2], m[3]].map(Number) as [number, number, number];
  if (![major, minor, patch].every(Number.isSafeInteger)) return undefined;
  const prerelease = m[4] ? m[4].split('.').map((p) => (/^\d+$/.test(p) ? Number(p) : p)) : [];
  if (prerelease.some((p) => typeof p === 'number' && !Number.isSafeInteger(p))) return undefined;
  return { major, minor, patch, prerelease };
}

/** Negative when a precedes b, positive when it follows, 0 when they have the same precedence. */
export function compareVersions(a: Version, b: Version): number {
  for (const k of ['major', 'minor', 'patch'] as const) if (a[k] !== b[k]) return a[k] < b[k] ? -1 : 1;
  // A version without a prerelease follows every prerelease of it.
  if (!a.prerelease.length || !b.prerelease.length) return b.prerelease.length - a.prerelease.length;
  for (let i = 0; i < Math.max(a.prerelease.length, b.prerelease.length); i++) {
    const x = a.prerelease[i];
    const y = b.prerelease[i];
    if (x === undefined) return -1;
    if (y === undefined) return 1;
    if (x === y) continue;
    // Numeric identifiers precede alphanumeric ones; alphanumeric ones compare in ASCII order.
    if (typeof x === 'number' && typeof y === 'number') return x < y ? -1 : 1;
    if (typeof x === 'number') return -1;
    if (typeof y === 'number') return 1;
    return x < y ? -1 : 1;
  }
  return 0;
}
