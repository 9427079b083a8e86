import type { ObjectView } from '../../../preload/contract';

/** The columns a file list sorts by. */
export type SortKey = 'name' | 'size' | 'date';

const collator = new Intl.Collator(undefined, { numeric: true, sensitivity: 'base' });

/** How two objects compare in a sort column. */
export type Order = (a: ObjectView, b: ObjectView) => number;
export function comparator(by: SortKey, descending: boolean): Order {
  const d = descending ? -1 : 1;
  if (by === 'size') return (a, b) => d * (a.size - b.size);
  if (by === 'date') return (a, b) => d * ((a.lastModified ?? '') < (b.lastModified ?? '') ? -1 : (a.lastModified ?? '') > (b.lastModified ?? '') ? 1 : 0);
  return (a, b) => d * collator.compare(a.key, b.key);
}

export interface SortCache {
  source: ObjectView[];
  sorted: ObjectView[];
  key: string;
}

/**
 * The objects in order, without sorting everything again for every page that arrives: when the
 * list only grew (a new page appended) and the order is the same, only the new page is sorted and
 * merged in, so loading 100,000 objects a page at a time costs one merge per page.
 */
export function sortIncrementally(cache: SortCache, objects: ObjectView[], order: Order, key: string): ObjectView[] {
  const n = cache.source.length;
  const grew = cache.key === key && n > 0 && objects.length >= n && objects[n - 1] === cache.source[n - 1] && objects[0] === cache.source[0];
  let sorted: ObjectView[];
  if (grew && objects.length === n) sorted = cache.sorted;
  else if (grew) {
    const fresh = objects.slice(n).sort(order);
    const old = cache.sorted;
    // A listing arrives in key order: in the name order, a new page usually goes after all the
    // rest, and is appended without comparing it with the 100,000 before it.
    const after = old.length === 0 || fresh.length === 0 || order(old[old.length - 1]!, fresh[0]!) <= 0;
    sorted = after ? old.concat(fresh) : mergeSorted(old, fresh, order);
  } else sorted = [...objects].sort(order);
  Object.assign(cache, { source: objects, sorted, key });
  return sorted;
}

/** Two sorted lists as one: what is before the new page's first entry is copied without comparing. */
function mergeSorted(old: ObjectView[], fresh: ObjectView[], order: Order): ObjectView[] {
  // The first old entry that goes after fresh[0], by binary search.
  let lo = 0;
  let hi = old.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (order(old[mid]!, fresh[0]!) <= 0) lo = mid + 1;
    else hi = mid;
  }
  const sorted = old.slice(0, lo);
  let i = lo;
  let j = 0;
  while (i < old.length && j < fresh.length) sorted.push(order(old[i]!, fresh[j]!) <= 0 ? old[i++]! : fresh[j++]!);
  while (i < old.length) sorted.push(old[i++]!);
  while (j < fresh.length) sorted.push(fresh[j++]!);
  return sorted;
}
