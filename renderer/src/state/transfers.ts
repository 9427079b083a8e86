import { useEffect, useMemo, useState } from 'react';
import type { TransferView } from '../../../preload/contract';
import { overallProgress } from '../../../preload/shared';
import { call, ferry } from '../api';

/**
 * The transfer queue (uploads and downloads) as the window sees it: the initial list, then
 * batches of changes from main. Batches are merged in one state update, so 10,000 queued
 * transfers cost one render per batch.
 */
export function useTransfers() {
  const [byId, setById] = useState<Map<string, TransferView>>(new Map());
  useEffect(() => {
    let live = true;
    void call(ferry().listTransfers()).then((list) => {
      if (live) setById((prev) => new Map([...list.map((t) => [t.id, t] as const), ...prev]));
    });
    const off = ferry().on('transfers:changed', (batch) => {
      setById((prev) => {
        const next = new Map(prev);
        for (const t of batch) next.set(t.id, t);
        return next;
      });
    });
    return () => {
      live = false;
      off();
    };
  }, []);
  const transfers = useMemo(() => [...byId.values()], [byId]);
  // Only the work still to do: a finished upload is not part of a download started after it.
  const totals = useMemo(() => overallProgress(transfers), [transfers]);
  const clearFinished = async () => {
    await call(ferry().clearTransfers());
    setById((prev) => new Map([...prev].filter(([, t]) => t.status !== 'done' && t.status !== 'cancelled')));
  };
  return { transfers, totals, clearFinished };
}
