import { describe, expect, it } from 'vitest';
import type { ObjectView } from '../../preload/contract';
import { comparator, sortIncrementally, type SortCache, type SortKey } from '../../renderer/src/state/sort';

/** A deterministic pseudo-random sequence, so a failure can be replayed. */
function rng(seed: number) {
  let x = seed;
  return () => ((x = (x * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
}

describe('the file list merges pages loaded ahead into its order', () => {
  for (const [by, descending] of [['name', false], ['name', true], ['size', false], ['date', true]] as Array<[SortKey, boolean]>) {
    it(`page by page is the same as sorting everything (${by}${descending ? ', descending' : ''})`, () => {
      const next = rng(by.length * 7 + (descending ? 1 : 0));
      // Pages in key order, as a listing gives them, with names that collate out of byte order (Ä, digits).
      const all: ObjectView[] = Array.from({ length: 3000 }, (_, i) => ({ key: `${['a', 'B', 'Ä', 'file10', 'file9'][i % 5]}-${String(i).padStart(5, '0')}`, size: Math.floor(next() * 1e6), lastModified: new Date(1_700_000_000_000 + Math.floor(next() * 1e9)).toISOString() }));
      all.sort((a, b) => (a.key < b.key ? -1 : 1));
      const order = comparator(by, descending);
      const cache: SortCache = { source: [], sorted: [], key: '' };
      let shown: ObjectView[] = [];
      let loaded: ObjectView[] = [];
      for (let at = 0; at < all.length; at += 250) {
        loaded = loaded.concat(all.slice(at, at + 250));
        shown = sortIncrementally(cache, loaded, order, `k-${by}-${descending}`);
      }
      expect(shown.map((o) => o.key)).toEqual([...all].sort(order).map((o) => o.key));
    });
  }
});
