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
        setFolders((f) => (token ? [...f, ...page.folders] : page.folders));
        setObjects((o) => (token ? [...o, ...page.objects] : page.objects));
        setNextToken(page.nextToken);
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
  const loadPageRef = useRef(loadPage);
  loadPageRef.current = loadPage;

  const reload = useCallback(() => {
    const gen = ++generation.current;
    loaded.current = 0;
    setFolders([]);
    setObjects([]);
    setNextToken(undefined);
    void loadPage(undefined, gen);
  }, [loadPage]);

  useEffect(() => {
    reload();
  }, [reload]);

  const loadMore = useCallback(() => {
    if (nextToken && !loadingRef.current) void loadPage(nextToken, generation.current);
  }, [nextToken, loadPage]);

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
