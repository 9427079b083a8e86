import { useEffect, useMemo, useState } from 'react';
import type { TransferView } from '../../../preload/contract';
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
  const totals = useMemo(() => {
    let size = 0;
    let done = 0;
    let rate = 0;
    let active = 0;
    for (const t of transfers) {
      // Only what can still finish counts: a failed upload's partial bytes are not progress.
      if (t.status === 'cancelled' || t.status === 'failed') continue;
      size += t.size;
      done += t.status === 'done' ? t.size : t.bytesDone;
      if (t.status === 'running') {
        rate += t.bytesPerSecond;
        active++;
      }
    }
    return { size, done, rate, active, etaSeconds: rate > 0 ? (size - done) / rate : undefined };
  }, [transfers]);
  const clearFinished = async () => {
    await call(ferry().clearTransfers());
    setById((prev) => new Map([...prev].filter(([, t]) => t.status !== 'done' && t.status !== 'cancelled')));
  };
  return { transfers, totals, clearFinished };
}
