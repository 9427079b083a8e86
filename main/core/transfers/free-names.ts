/**
 * Names nothing is stored under yet, for uploads that must never replace what is there (files
 * shared from outside the window: nobody was asked). A taken "report.pdf" becomes
 * "report (2).pdf", then "(3)", as a file manager names a copy.
 */
import { FerryError, isFerryError } from '../errors';

const MAX_TRIES = 100;

/** The name with " (n)" before its extension (the last dot of the last path segment; none for ".bashrc"), in place of a " (m)" it has. */
export function numbered(key: string, n: number): string {
  const slash = key.lastIndexOf('/') + 1;
  const leaf = key.slice(slash);
  const dot = leaf.lastIndexOf('.');
  const [named, ext] = dot > 0 ? [leaf.slice(0, dot), leaf.slice(dot)] : [leaf, ''];
  // A name already numbered counts on from its base: "report (2).pdf" taken is "report (3).pdf", never "report (2) (2).pdf".
  const stem = / \(\d+\)$/.test(named) && named.replace(/ \(\d+\)$/, '') ? named.replace(/ \(\d+\)$/, '') : named;
  return `${key.slice(0, slash)}${stem} (${n})${ext}`;
}

/**
 * For each key (in the same places), itself if it is free, else the first free numbered name. `taken` answers which of
 * the names it is given exist (one listing or HEAD per round). Two keys of the batch never get the
 * same name. The caller still uploads only-if-absent: a name taken between this check and the
 * upload fails that upload rather than replacing the newcomer.
 */
export async function freeNames(keys: string[], taken: (keys: string[]) => Promise<Set<string>>): Promise<string[]> {
  // By place, not by key: two files handed over together may have one name.
  const out: string[] = [];
  const given = new Set<string>();
  let want = keys.map((key, at) => ({ key, at, n: 1, name: key }));
  for (let round = 0; want.length; round++) {
    if (round >= MAX_TRIES) throw new FerryError('OBJECTS_EXIST', `${want[0]!.key} and ${MAX_TRIES} numbered names after it are all taken. Choose another destination folder in Settings.`);
    const there = await taken(want.map((w) => w.name));
    const next: typeof want = [];
    for (const w of want) {
      if (there.has(w.name) || given.has(w.name)) next.push({ ...w, n: w.n + 1, name: numbered(w.key, w.n + 1) });
      else {
        out[w.at] = w.name;
        given.add(w.name);
      }
    }
    want = next;
  }
  return out;
}

/** How often an upload kept beside moves to a further name before its failure is said (others keep taking them). */
export const MAX_MOVES = 5;

/**
 * Stores an upload that keeps what is there: `store` sends it only-if-absent under `key` (the
 * free name chosen for `wanted`); a name taken by the time it is stored (OBJECTS_EXIST: nothing
 * was stored under it) moves it to the next name free for `wanted`, said by `moved`, up to
 * MAX_MOVES times. `taken` answers which names are taken: the server's, and any the caller has
 * planned for others. One mechanism for the window's queue and the CLI's share.
 */
export async function keptBeside<T>(wanted: string, key: string, taken: (keys: string[]) => Promise<Set<string>>, store: (key: string) => Promise<T>, moved: (key: string) => void = () => {}): Promise<T> {
  const tried = new Set<string>();
  for (let moves = 0; ; moves++) {
    tried.add(key);
    try {
      return await store(key);
    } catch (err) {
      if (!isFerryError(err, 'OBJECTS_EXIST') || moves >= MAX_MOVES) throw err;
      [key] = (await freeNames([wanted], async (keys) => {
        const there = await taken(keys);
        for (const k of tried) there.add(k);
        return there;
      })) as [string];
      moved(key);
    }
  }
}
