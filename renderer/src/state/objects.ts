import { useCallback, useEffect, useRef, useState } from 'react';
import type { ObjectView } from '../../../preload/contract';
import { call, ferry, message } from '../api';

export interface Location {
  account: string;
  bucket: string;
  prefix: string;
}

/** Entries loaded without waiting for the list to scroll (a page is 1,000). */
const LOAD_AHEAD = 200_000;
/** How often a failed listing asks again by itself. */
const RETRY_MS = 5000;

/** Runs when the window has a moment (requestIdleCallback), at the latest after half a second. */
function whenIdle(run: () => void): void {
  if (typeof requestIdleCallback === 'function') requestIdleCallback(run, { timeout: 500 });
  else setTimeout(run, 50);
}

/** A folder's listing, loaded a page at a time: ahead of the list up to LOAD_AHEAD, then as it scrolls. */
export function useObjects(location: Location | undefined) {
  const [folders, setFolders] = useState<string[]>([]);
  const [objects, setObjects] = useState<ObjectView[]>([]);
  const [nextToken, setNextToken] = useState<string | undefined>();
  const [loading, setLoading] = useState(false);
  const [error, setError] = useState<string | undefined>();
  const generation = useRef(0);
  const loadingRef = useRef(false);
  const loaded = useRef(0);

  const loadPage = useCallback(
    async (token: string | undefined, gen: number) => {
      if (!location) return;
      loadingRef.current = true;
      setLoading(true);
      let chained: string | undefined;
      try {
        const { account, bucket, prefix } = location;
        const page = await call(ferry().listObjects({ account, bucket, prefix, ...(token ? { token } : {}) }));
        if (gen !== generation.current) return;
        if (!token) {
          // The first page shows at once (reload has emptied what was pending).
          setFolders(page.folders);
          setObjects(page.objects);
          setNextToken(page.nextToken);
        } else merge(page, gen);
        setError(undefined);
        loaded.current += page.objects.length + page.folders.length;
        // Keep loading ahead, so scrolling and sorting see the whole folder soon, up to a bound
        // (a bucket of millions continues as the list is scrolled).
        if (page.nextToken && loaded.current < LOAD_AHEAD) chained = page.nextToken;
      } catch (err) {
        if (gen === generation.current) setError(message(err));
      } finally {
        if (gen === generation.current) {
          loadingRef.current = false;
          setLoading(false);
        }
      }
      // The next page after the window has drawn this one: a fast server must not keep React from painting.
      if (chained && gen === generation.current) setTimeout(() => void loadPageRef.current(chained, gen), 0);
    },
    [location],
  );
  // Pages loaded ahead are merged into the list when the window is idle, several at once: one
  // re-sort and re-render for every few pages instead of one per page, never in the middle of a
  // frame the list is scrolling (bench: 100,000 objects).
  const pending = useRef<{ folders: string[]; objects: ObjectView[]; nextToken?: string | undefined; scheduled?: boolean }>({ folders: [], objects: [] });
  const merge = useCallback((page: { folders: string[]; objects: ObjectView[]; nextToken?: string | undefined }, gen: number) => {
    const p = pending.current;
    p.folders.push(...page.folders);
    for (const o of page.objects) p.objects.push(o);
    p.nextToken = page.nextToken;
    if (p.scheduled) return;
    p.scheduled = true;
    whenIdle(() => {
      if (gen !== generation.current) return;
      const { folders: f, objects: o, nextToken: next } = pending.current;
      pending.current = { folders: [], objects: [] };
      if (f.length) setFolders((prev) => prev.concat(f));
      if (o.length) setObjects((prev) => prev.concat(o));
      setNextToken(next);
    });
  }, []);
  const loadPageRef = useRef(loadPage);
  loadPageRef.current = loadPage;

  // A refresh of the same folder keeps its rows on screen until the new listing replaces them
  // (no flash of an empty list, the focused row stays); another folder starts empty.
  const shownFor = useRef<string | undefined>(undefined);
  const reload = useCallback(() => {
    const gen = ++generation.current;
    loaded.current = 0;
    pending.current = { folders: [], objects: [] };
    const where = location ? `${location.account}/${location.bucket}/${location.prefix}` : undefined;
    if (where !== shownFor.current) {
      setFolders([]);
      setObjects([]);
      setNextToken(undefined);
      shownFor.current = where;
    }
    void loadPage(undefined, gen);
  }, [loadPage, location]);

  useEffect(() => {
    reload();
  }, [reload]);

  const loadMore = useCallback(() => {
    if (nextToken && !loadingRef.current) void loadPage(nextToken, generation.current);
  }, [nextToken, loadPage]);

  // A listing that failed asks again every few seconds, so the folder appears by itself once the
  // server answers (the window offers Retry for those who will not wait).
  useEffect(() => {
    if (!error || loading) return;
    const t = setTimeout(() => (nextToken ? loadMore() : reload()), RETRY_MS);
    return () => clearTimeout(t);
  }, [error, loading, nextToken, loadMore, reload]);

  return { folders, objects, hasMore: Boolean(nextToken), loading, error, reload, loadMore };
}

/**
 * A search through everything at or below a folder, a streamed server-side listing filtered by
 * main: results come a batch at a time, more as the list scrolls. Typing restarts it (after a
 * short pause, so each keystroke does not start a listing).
 */
export function useSearch(location: Location | undefined, query: string) {
  const [objects, setObjects] = useState<ObjectView[]>([]);
  const [nextToken, setNextToken] = useState<string | undefined>();
  const [loading, setLoading] = useState(false);
  const [error, setError] = useState<string | undefined>();
  const generation = useRef(0);
  const busy = useRef(false);
  const q = query.trim();

  const page = useCallback(
    async (token: string | undefined, gen: number) => {
      if (!location || !q) return;
      busy.current = true;
      setLoading(true);
      try {
        const { account, bucket, prefix } = location;
        const found = await call(ferry().searchObjects({ account, bucket, prefix, query: q, ...(token ? { token } : {}) }));
        if (gen !== generation.current) return;
        setObjects((o) => (token ? [...o, ...found.objects] : found.objects));
        setNextToken(found.nextToken);
        setError(undefined);
      } catch (err) {
        if (gen === generation.current) setError(message(err));
      } finally {
        if (gen === generation.current) {
          busy.current = false;
          setLoading(false);
        }
      }
    },
    [location, q],
  );

  const reload = useCallback(() => {
    const gen = ++generation.current;
    setObjects([]);
    setNextToken(undefined);
    if (!q) return;
    setLoading(true);
    const t = setTimeout(() => void page(undefined, gen), 250);
    return () => clearTimeout(t);
  }, [page, q]);

  useEffect(() => reload(), [reload]);

  const loadMore = useCallback(() => {
    if (nextToken && !busy.current) void page(nextToken, generation.current);
  }, [nextToken, page]);

  return { objects, hasMore: Boolean(nextToken), loading, error, reload: () => void reload(), loadMore };
}
