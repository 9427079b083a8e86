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
    sorted = new Array<ObjectView>(old.length + fresh.length);
    let i = 0;
    let j = 0;
    let k = 0;
    while (i < old.length && j < fresh.length) sorted[k++] = order(old[i]!, fresh[j]!) <= 0 ? old[i++]! : fresh[j++]!;
    while (i < old.length) sorted[k++] = old[i++]!;
    while (j < fresh.length) sorted[k++] = fresh[j++]!;
  } else sorted = [...objects].sort(order);
  Object.assign(cache, { source: objects, sorted, key });
  return sorted;
}
