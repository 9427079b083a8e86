import type { TransferView } from '../../../preload/contract';
import { call, ferry } from '../api';
import { formatDuration, formatRate, formatSize, leafName } from '../format';
import { VirtualList } from './VirtualList';

interface Props {
  transfers: TransferView[];
  totals: { size: number; done: number; rate: number; active: number; etaSeconds?: number };
  onClear(): void;
  onError(message: string): void;
}

const STATUS: Record<TransferView['status'], string> = {
  queued: 'Waiting',
  running: 'Uploading',
  paused: 'Paused',
  done: 'Done',
  failed: 'Failed',
  cancelled: 'Cancelled',
};

/** The upload queue: overall progress, then one row per file with its own controls. */
export function Transfers({ transfers, totals, onClear, onError }: Props) {
  if (transfers.length === 0) return null;
  const act = (p: Promise<unknown>) => void call(p as never).catch((e: unknown) => onError(e instanceof Error ? e.message : String(e)));
  const failed = transfers.filter((t) => t.status === 'failed');
  const pct = totals.size ? Math.floor((totals.done / totals.size) * 100) : 100;
  const finished = transfers.filter((t) => t.status === 'done').length;
  // Said to screen readers when an upload ends, not on every progress tick.
  const summary = `${finished} of ${transfers.length} upload${transfers.length === 1 ? '' : 's'} finished${failed.length ? `, ${failed.length} failed` : ''}.`;
  return (
    <section className="transfers" aria-label="Uploads">
      <p className="sr-only" role="status" aria-live="polite">
        {summary}
      </p>
      <header>
        <strong>Uploads</strong>
        <progress max={100} value={pct} aria-label="Overall progress" />
        <span>
          {pct}% · {formatSize(totals.done)} of {formatSize(totals.size)}
          {totals.active > 0 && ` · ${formatRate(totals.rate)}`}
          {totals.etaSeconds !== undefined && ` · ${formatDuration(totals.etaSeconds)} left`}
        </span>
        {failed.length > 0 && (
          <button type="button" onClick={() => failed.forEach((t) => act(ferry().retryUpload({ id: t.id })))}>
            Retry failed ({failed.length})
          </button>
        )}
        <button type="button" onClick={onClear}>
          Clear finished
        </button>
      </header>
      <VirtualList
        label="Upload queue"
        items={transfers}
        rowHeight={44}
        render={(t) => {
          const p = t.size ? Math.floor(((t.status === 'done' ? t.size : t.bytesDone) / t.size) * 100) : t.status === 'done' ? 100 : 0;
          return (
            <div className={`transfer ${t.status}`} data-status={t.status}>
              <span className="name" title={t.key}>
                {leafName(t.key)}
              </span>
              <progress max={100} value={p} aria-label={`Progress of ${leafName(t.key)}`} />
              <span className="info">
                {t.status === 'running' && t.waiting ? 'Waiting for network…' : STATUS[t.status]}
                {t.status === 'running' && !t.waiting && ` · ${p}% · ${formatRate(t.bytesPerSecond)}${t.etaSeconds !== undefined ? ` · ${formatDuration(t.etaSeconds)} left` : ''}`}
                {t.status === 'failed' && t.error && (
                  <>
                    {' · '}
                    <button type="button" className="link error" title={t.error} onClick={() => onError(`${leafName(t.key)}: ${t.error}`)} aria-label={`Why did ${leafName(t.key)} fail?`}>
                      {t.error}
                    </button>
                  </>
                )}
              </span>
              <span className="controls">
                {(t.status === 'running' || t.status === 'queued') && (
                  <button type="button" onClick={() => act(ferry().pauseUpload({ id: t.id }))} aria-label={`Pause ${leafName(t.key)}`}>
                    Pause
                  </button>
                )}
                {t.status === 'paused' && (
                  <button type="button" onClick={() => act(ferry().resumeUpload({ id: t.id }))} aria-label={`Resume ${leafName(t.key)}`}>
                    Resume
                  </button>
                )}
                {(t.status === 'running' || t.status === 'queued' || t.status === 'paused') && (
                  <button type="button" onClick={() => act(ferry().cancelUpload({ id: t.id }))} aria-label={`Cancel ${leafName(t.key)}`}>
                    Cancel
                  </button>
                )}
                {(t.status === 'failed' || t.status === 'cancelled') && (
                  <button type="button" onClick={() => act(ferry().retryUpload({ id: t.id }))} aria-label={`Retry ${leafName(t.key)}`}>
                    Retry
                  </button>
                )}
              </span>
            </div>
          );
        }}
      />
    </section>
  );
}
