import { useEffect, useMemo, useRef, useState } from 'react';
import { ArrowDownToLine, ArrowUpFromLine, ChevronDown, ChevronUp } from 'lucide-react';
import type { Overall, TransferView } from '../../../preload/contract';
import { call, ferry } from '../api';
import { readFlag, writeFlag } from '../state/flags';
import { formatDuration, formatRate, formatSize, leafName, shown, shownName } from '../format';
import { MiddleName } from '../ui/MiddleName';
import { Toolbar } from '../ui/Toolbar';
import { VirtualList } from './VirtualList';

interface Props {
  transfers: TransferView[];
  totals: Overall;
  /** The queue is shown; closed, only the strip is. */
  open: boolean;
  onToggle(): void;
  onClear(): void;
  onError(message: string): void;
  /** A finished upload's link, with the default lifetime, to the clipboard. */
  onCopyLink(t: TransferView): void;
  onShare(t: TransferView): void;
}

const STATUS: Record<TransferView['status'], [string, string]> = {
  queued: ['Waiting', 'Waiting'],
  running: ['Uploading', 'Downloading'],
  paused: ['Paused', 'Paused'],
  done: ['Uploaded', 'Downloaded'],
  failed: ['Failed', 'Failed'],
  cancelled: ['Cancelled', 'Cancelled'],
};

/** Which whole-file check a finished download passed: short enough for a row at 720 px, and in full on hover. */
const CHECKED: Record<NonNullable<TransferView['verified']>, [string, string]> = {
  md5: ['MD5 checked', 'The file matches the MD5 the server gives for it.'],
  'parts-md5': ['every part checked', 'Every part of the file matches the checksum the server gives for it.'],
  size: ['size checked', 'The size is right; the server gives no checksum for the whole file.'],
};

const folderOf = (path: string) => path.replace(/[\\/][^\\/]*$/, '') || path;

/** What a row shows, in words: the same text is drawn and is the row's name when it has focus. */
function describe(t: TransferView) {
  const name = shownName(t.key);
  const p = t.size ? Math.floor(((t.status === 'done' ? t.size : t.bytesDone) / t.size) * 100) : t.status === 'done' ? 100 : 0;
  const down = t.direction === 'download';
  const where = down ? `to ${shown(folderOf(t.file))}` : `to ${t.bucket}/${shown(t.key.slice(0, t.key.length - leafName(t.key).length))}`;
  let state: string = t.status === 'running' && t.waiting ? 'Waiting for the network…' : STATUS[t.status][down ? 1 : 0];
  // Every byte taken, the answer not in yet: the server is assembling the parts (or the last part is on its way).
  if (t.status === 'running' && !t.waiting && t.size > 0 && t.bytesDone >= t.size) state = 'Finishing…';
  else if (t.status === 'running' && !t.waiting) state += ` · ${p}% · ${formatRate(t.bytesPerSecond)}${t.etaSeconds !== undefined ? ` · ${formatDuration(t.etaSeconds)} left` : ''}`;
  if (t.status === 'paused') state += ` at ${p}%`;
  if (t.status === 'done' && down && t.verified) state += ` · ${CHECKED[t.verified][0]}`;
  const why = t.status === 'done' && down && t.verified ? CHECKED[t.verified][1] : undefined;
  return { name, p, down, where, state, why };
}

/**
 * Transfers as a drawer at the foot of the window: a one-line strip (what is running, overall
 * progress of the work still to do, time left) that opens into the queue. Work still to do is
 * listed first, so new work is in view; finished work folds into a count that can be shown or
 * cleared.
 */
export function Transfers({ transfers, totals, open, onToggle, onClear, onError, onCopyLink, onShare }: Props) {
  const [showFinished, setShowFinished] = useState(() => readFlag('showFinished'));
  useEffect(() => writeFlag('showFinished', showFinished), [showFinished]);
  const act = (p: Promise<unknown>) => void call(p as never).catch((e: unknown) => onError(e instanceof Error ? e.message : String(e)));
  const failed = transfers.filter((t) => t.status === 'failed');
  const active = transfers.filter((t) => t.status === 'running' || t.status === 'queued');
  const paused = transfers.filter((t) => t.status === 'paused');
  const finished = transfers.filter((t) => t.status === 'done' || t.status === 'cancelled');
  const rows = useMemo(() => [...transfers.filter((t) => t.status !== 'done' && t.status !== 'cancelled').reverse(), ...(showFinished ? transfers.filter((t) => t.status === 'done' || t.status === 'cancelled').reverse() : [])], [transfers, showFinished]);
  // Said once when work is added, and when it ends, not on every progress tick.
  const added = useRef(0);
  const [said, setSaid] = useState('');
  useEffect(() => {
    const n = active.length + paused.length;
    if (n > added.current) setSaid(`${n - added.current} transfer${n - added.current === 1 ? '' : 's'} added.`);
    else if (n === 0 && added.current > 0) setSaid(`All transfers ended: ${finished.length} finished${failed.length ? `, ${failed.length} failed` : ''}.`);
    added.current = n;
  }, [active.length, paused.length, finished.length, failed.length]);
  if (transfers.length === 0) return null;
  const pct = totals.size ? Math.floor((totals.done / totals.size) * 100) : 100;
  const running = active.filter((t) => t.status === 'running');
  // Everything running waits for the network: the strip says so, not "0 B/s".
  const offline = running.length > 0 && running.every((t) => t.waiting);
  const what = offline ? 'Waiting for the network…' : running.length === 1 ? `${running[0]!.direction === 'upload' ? 'Uploading' : 'Downloading'} ${shownName(running[0]!.key)}` : running.length > 1 ? `${running.length} running` : active.length ? 'Waiting' : '';
  // The total counts the queue too: say how much of it waits its turn, and what is paused.
  const waiting = running.length ? active.length - running.length : 0;
  const also = [waiting > 0 && `${waiting} waiting`, paused.length > 0 && `${paused.length} paused`].filter(Boolean).join(', ');
  const idle = paused.length ? `${paused.length} paused` : failed.length ? 'Nothing left that can finish' : finished.length ? `All done · ${finished.length} finished` : 'All done';
  return (
    <section className={`transfers drawer${open ? ' open' : ''}`} aria-label="Transfers">
      <p className="sr-only" role="status" aria-live="polite">
        {said}
      </p>
      <header className="strip">
        <button type="button" className="drawer-toggle" aria-expanded={open} aria-controls="transfer-queue" onClick={onToggle} title={open ? 'Hide the transfers' : 'Show the transfers'}>
          {open ? <ChevronDown size={14} aria-hidden /> : <ChevronUp size={14} aria-hidden />} Transfers
        </button>
        {what && <MiddleName name={what} className="what" />}
        {what && also && <span className="also">{also}</span>}
        {totals.counted > 0 && <progress max={100} value={pct} aria-label="Overall progress" />}
        <span className="totals">
          {totals.size > 0 ? `${pct}% · ${formatSize(totals.done)} of ${formatSize(totals.size)}` : idle}
          {totals.finishing ? ' · finishing…' : totals.running > 0 && ` · ${formatRate(totals.bytesPerSecond)}`}
          {totals.etaSeconds !== undefined && ` · ${formatDuration(totals.etaSeconds)} left`}
          {failed.length > 0 && <span className="error"> · {failed.length} failed</span>}
        </span>
        <Toolbar label="All transfers" className="header-actions">
          {open && active.length > 0 && (
            <button type="button" onClick={() => active.forEach((t) => act(ferry().pauseTransfer({ id: t.id })))}>
              Pause all
            </button>
          )}
          {open && paused.length > 0 && (
            <button type="button" onClick={() => paused.forEach((t) => act(ferry().resumeTransfer({ id: t.id })))}>
              Resume all
            </button>
          )}
          {failed.length > 0 && (
            <button type="button" onClick={() => failed.forEach((t) => act(ferry().retryTransfer({ id: t.id })))}>
              Retry failed ({failed.length})
            </button>
          )}
          {open && (active.length > 0 || paused.length > 0) && (
            <button type="button" onClick={() => [...active, ...paused].forEach((t) => act(ferry().cancelTransfer({ id: t.id })))}>
              Cancel all
            </button>
          )}
          {open && finished.length > 0 && (
            <button type="button" aria-pressed={showFinished} onClick={() => setShowFinished((v) => !v)}>
              {showFinished ? 'Hide' : 'Show'} {finished.length} finished
            </button>
          )}
          {finished.length > 0 && (
            <button type="button" onClick={onClear}>
              Clear finished
            </button>
          )}
        </Toolbar>
      </header>
      {open && (
      <div id="transfer-queue" className="queue">
      <VirtualList
        label="Transfer queue"
        items={rows}
        rowHeight={52}
        rowLabel={(t) => {
          const { name, where, down, state } = describe(t);
          return `${down ? 'Download' : 'Upload'}: ${name} ${where}. ${state}${t.status === 'failed' && t.error ? `: ${t.error}` : ''}`;
        }}
        render={(t) => {
          const { name, where, down, p, state, why } = describe(t);
          return (
            <div className={`transfer ${t.status}`} data-status={t.status}>
              <span className="line">
                {down ? <ArrowDownToLine size={14} aria-hidden /> : <ArrowUpFromLine size={14} aria-hidden />}
                <span className="sr-only">{down ? 'Download: ' : 'Upload: '}</span>
                <MiddleName name={name} className="name" />
                <MiddleName name={where} className="where" />
              </span>
              <span className="line">
                {t.status === 'failed' ? <span className="failed-mark" aria-hidden /> : <progress max={100} value={p} aria-label={`Progress of ${name}`} />}
                <span className="info" {...(why ? { title: why } : {})}>
                  {state}
                  {t.status === 'failed' && t.error && (
                    <>
                      {': '}
                      <span className="error-text" title={t.error}>
                        {t.error}
                      </span>
                    </>
                  )}
                </span>
                <span className="controls">
                  {t.status === 'failed' && t.error && (
                    <button type="button" onClick={() => onError(`${name}: ${t.error}`)} aria-label={`Details: why ${name} failed`}>
                      Details
                    </button>
                  )}
                  {(t.status === 'running' || t.status === 'queued') && (
                    <button type="button" onClick={() => act(ferry().pauseTransfer({ id: t.id }))} aria-label={`Pause ${name}`}>
                      Pause
                    </button>
                  )}
                  {t.status === 'paused' && (
                    <button type="button" onClick={() => act(ferry().resumeTransfer({ id: t.id }))} aria-label={`Resume ${name}`}>
                      Resume
                    </button>
                  )}
                  {(t.status === 'running' || t.status === 'queued' || t.status === 'paused') && (
                    <button type="button" onClick={() => act(ferry().cancelTransfer({ id: t.id }))} aria-label={`Cancel ${name}`}>
                      Cancel
                    </button>
                  )}
                  {(t.status === 'failed' || t.status === 'cancelled') && (
                    <button type="button" onClick={() => act(ferry().retryTransfer({ id: t.id }))} aria-label={`Retry ${name}`}>
                      Retry
                    </button>
                  )}
                  {t.status === 'done' && !down && (
                    <>
                      <button type="button" onClick={() => onCopyLink(t)} aria-label={`Copy link to ${name}`}>
                        Copy link
                      </button>
                      <button type="button" onClick={() => onShare(t)} aria-label={`Share… ${name}`}>
                        Share…
                      </button>
                    </>
                  )}
                  {t.status === 'done' && down && (
                    <button type="button" onClick={() => act(ferry().revealDownload({ id: t.id }))} aria-label={`Show in folder: ${name}`}>
                      Show in folder
                    </button>
                  )}
                </span>
              </span>
            </div>
          );
        }}
      />
      </div>
      )}
    </section>
  );
}
