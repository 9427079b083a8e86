import { useCallback, useEffect, useRef, useState } from 'react';
import type { ObjectView } from '../../../preload/contract';
import { call, ferry, message } from '../api';

export interface Location {
  account: string;
  bucket: string;
  prefix: string;
}

/** A folder's listing, loaded a page at a time as the list scrolls. */
export function useObjects(location: Location | undefined) {
  const [folders, setFolders] = useState<string[]>([]);
  const [objects, setObjects] = useState<ObjectView[]>([]);
  const [nextToken, setNextToken] = useState<string | undefined>();
  const [loading, setLoading] = useState(false);
  const [error, setError] = useState<string | undefined>();
  const generation = useRef(0);
  const loadingRef = useRef(false);

  const loadPage = useCallback(
    async (token: string | undefined, gen: number) => {
      if (!location) return;
      loadingRef.current = true;
      setLoading(true);
      try {
        const { account, bucket, prefix } = location;
        const page = await call(ferry().listObjects({ account, bucket, prefix, ...(token ? { token } : {}) }));
        if (gen !== generation.current) return;
        setFolders((f) => (token ? [...f, ...page.folders] : page.folders));
        setObjects((o) => (token ? [...o, ...page.objects] : page.objects));
        setNextToken(page.nextToken);
        setError(undefined);
      } catch (err) {
        if (gen === generation.current) setError(message(err));
      } finally {
        if (gen === generation.current) {
          loadingRef.current = false;
          setLoading(false);
        }
      }
    },
    [location],
  );

  const reload = useCallback(() => {
    const gen = ++generation.current;
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
