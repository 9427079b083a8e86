import { useEffect, useMemo, useRef, useState } from 'react';
import type { TransferView } from '../../../preload/contract';
import { OverallMeter } from '../../../preload/shared';
import { call, ferry } from '../api';

/**
 * The transfer queue (uploads and downloads) as the window sees it: the initial list, then
 * batches of changes from main. Batches are merged in one state update, so 10,000 queued
 * transfers cost one render per batch.
 */
export function useTransfers() {
  const [byId, setById] = useState<Map<string, TransferView>>(new Map());
  const meter = useRef(new OverallMeter());
  useEffect(() => {
    let live = true;
    void call(ferry().listTransfers()).then((list) => {
      if (!live) return;
      // What was moved before the window opened is not its speed.
      meter.current.seed(list);
      setById((prev) => new Map([...list.map((t) => [t.id, t] as const), ...prev]));
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
  // Only the work still to do: a finished upload is not part of a download started after it. The
  // rate is of everything moved lately, small files finished meanwhile too (OverallMeter).
  const totals = useMemo(() => meter.current.update(transfers, Date.now()), [transfers]);
  const clearFinished = async () => {
    await call(ferry().clearTransfers());
    setById((prev) => new Map([...prev].filter(([, t]) => t.status !== 'done' && t.status !== 'cancelled')));
  };
  return { transfers, totals, clearFinished };
}
