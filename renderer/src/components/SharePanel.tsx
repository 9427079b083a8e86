import { useEffect, useState } from 'react';
import type { LinkRecordView, LinkView } from '../../../preload/contract';
import { describeDuration, MAX_EXPIRY_SECONDS, parseExpiry } from '../../../preload/shared';
import { call, ferry, message } from '../api';
import { formatDate, leafName } from '../format';

interface Props {
  account: string;
  bucket: string;
  objectKey: string;
  defaultExpirySeconds: number;
  onClose(): void;
  onIssued(): void;
  /** The object was deleted (the list refreshes, the panel closes). */
  onDeleted?(): void;
}

const CHOICES = [
  { label: '1 hour', seconds: 3600 },
  { label: '1 day', seconds: 86_400 },
  { label: '7 days', seconds: 604_800 },
];

function useNow(ms = 1000): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const t = setInterval(() => setNow(Date.now()), ms);
    return () => clearInterval(t);
  }, [ms]);
  return now;
}

/** Seconds from now until a date-time typed in the picker, checked against the 7-day limit. */
function secondsUntil(local: string, now: number): number {
  const at = new Date(local).getTime();
  if (Number.isNaN(at)) throw new Error('Choose a date and time.');
  const seconds = Math.round((at - now) / 1000);
  if (seconds < 1) throw new Error('That time has already passed. Choose a time in the next 7 days.');
  if (seconds > MAX_EXPIRY_SECONDS) throw new Error('A link can live at most 7 days. Choose a time within the next 7 days.');
  return seconds;
}

/** Making a share link for one object: lifetime, download name, the link, its QR code and a live countdown. */
export function SharePanel({ account, bucket, objectKey, defaultExpirySeconds, onClose, onIssued, onDeleted }: Props) {
  const [confirmDelete, setConfirmDelete] = useState(false);
  const remove = async () => {
    try {
      await call(ferry().deleteObject({ account, bucket, key: objectKey }));
      onDeleted?.();
    } catch (err) {
      setError(message(err));
    }
  };
  const [mode, setMode] = useState<string>(String(CHOICES.some((c) => c.seconds === defaultExpirySeconds) ? defaultExpirySeconds : 'duration'));
  const [duration, setDuration] = useState(describeShort(defaultExpirySeconds));
  const [until, setUntil] = useState('');
  const [filename, setFilename] = useState('');
  const [link, setLink] = useState<LinkView | undefined>();
  const [error, setError] = useState<string | undefined>();
  const [copied, setCopied] = useState(false);
  const [busy, setBusy] = useState(false);
  const now = useNow();

  useEffect(() => {
    setLink(undefined);
    setError(undefined);
    setCopied(false);
  }, [objectKey]);

  const create = async () => {
    setError(undefined);
    setCopied(false);
    let expiresIn: number;
    try {
      expiresIn = mode === 'duration' ? parseExpiry(duration) : mode === 'until' ? secondsUntil(until, Date.now()) : Number(mode);
    } catch (err) {
      setError(message(err));
      return;
    }
    setBusy(true);
    try {
      setLink(await call(ferry().createLink({ account, bucket, key: objectKey, expiresIn, ...(filename.trim() ? { filename: filename.trim() } : {}) })));
      onIssued();
    } catch (err) {
      setError(message(err));
    } finally {
      setBusy(false);
    }
  };

  const copy = async () => {
    if (!link) return;
    try {
      await call(ferry().copyLink({ url: link.url }));
      setCopied(true);
      setTimeout(() => setCopied(false), 2000);
    } catch (err) {
      setError(message(err));
    }
  };

  const left = link ? Math.round((Date.parse(link.expiresAt) - now) / 1000) : 0;

  return (
    <aside className="share card" aria-label="Share">
      <header>
        <h2>Share “{leafName(objectKey)}”</h2>
        <button type="button" onClick={onClose} aria-label="Close share panel">
          ✕
        </button>
      </header>
      <fieldset>
        <legend>Link works for</legend>
        {CHOICES.map((c) => (
          <label key={c.seconds} className="choice">
            <input type="radio" name="expiry" value={c.seconds} checked={mode === String(c.seconds)} onChange={() => setMode(String(c.seconds))} /> {c.label}
          </label>
        ))}
        <label className="choice">
          <input type="radio" name="expiry" checked={mode === 'duration'} onChange={() => setMode('duration')} /> For
          <input aria-label="Custom duration" value={duration} onChange={(e) => (setDuration(e.target.value), setMode('duration'))} size={8} placeholder="2h30m" />
        </label>
        <label className="choice">
          <input type="radio" name="expiry" checked={mode === 'until'} onChange={() => setMode('until')} /> Until
          <input aria-label="Expiry date and time" type="datetime-local" value={until} onChange={(e) => (setUntil(e.target.value), setMode('until'))} />
        </label>
      </fieldset>
      <label>
        Download name (optional)
        <input value={filename} onChange={(e) => setFilename(e.target.value)} placeholder={leafName(objectKey)} />
      </label>
      <button type="button" className="primary" onClick={() => void create()} disabled={busy}>
        {busy ? 'Signing…' : link ? 'Make a new link' : 'Create link'}
      </button>
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      {link && (
        <div className="link-result">
          <div className="link-row">
            <input readOnly value={link.url} aria-label="Share link" onFocus={(e) => e.currentTarget.select()} />
            <button type="button" onClick={() => void copy()}>
              {copied ? 'Copied' : 'Copy'}
            </button>
          </div>
          <p className="expiry">
            Expires <time dateTime={link.expiresAt}>{formatDate(link.expiresAt)}</time>{' '}
            {/* Not a live region: a screen reader would announce it every second. */}
            <span className={left > 0 ? 'countdown' : 'expired'}>
              {left > 0 ? `(in ${describeDuration(left)})` : '(expired)'}
            </span>
            {link.limitedBy === 'credentials' && <span className="hint"> — when the temporary keys that signed it expire</span>}
          </p>
          <img className="qr" alt="QR code of the link" src={`data:image/svg+xml;charset=utf-8,${encodeURIComponent(link.qrSvg)}`} />
        </div>
      )}
      {/* Deleting is also the one way to revoke links already sent for this object. */}
      {confirmDelete ? (
        <div className="confirm" role="alertdialog" aria-label="Confirm delete" aria-describedby="confirm-delete-text">
          <p id="confirm-delete-text">
            Delete “{leafName(objectKey)}” from {bucket}? It cannot be undone, and every link to it stops working.
          </p>
          <button type="button" className="danger" onClick={() => void remove()} autoFocus>
            Delete
          </button>{' '}
          <button type="button" onClick={() => setConfirmDelete(false)}>
            Keep it
          </button>
        </div>
      ) : (
        <button type="button" className="danger" onClick={() => setConfirmDelete(true)}>
          Delete…
        </button>
      )}
    </aside>
  );
}

function describeShort(seconds: number): string {
  if (seconds % 86_400 === 0) return `${seconds / 86_400}d`;
  if (seconds % 3600 === 0) return `${seconds / 3600}h`;
  if (seconds % 60 === 0) return `${seconds / 60}m`;
  return `${seconds}s`;
}

/** Links issued so far, newest first, and whether each still works. */
export function LinkHistory({ records, onPick }: { records: LinkRecordView[]; onPick(r: LinkRecordView): void }) {
  const now = useNow(5000);
  const [copiedAt, setCopiedAt] = useState<number | undefined>();
  const [problem, setProblem] = useState<string | undefined>();
  // The same link again, byte for byte (signed anew from its time and lifetime; no URL is stored).
  const copyAgain = async (r: LinkRecordView, i: number) => {
    try {
      const { url } = await call(ferry().linkAgain(r));
      await call(ferry().copyLink({ url }));
      setCopiedAt(i);
      setProblem(undefined);
      setTimeout(() => setCopiedAt((c) => (c === i ? undefined : c)), 2000);
    } catch (err) {
      setProblem(message(err));
    }
  };
  if (!records.length) return null;
  return (
    <section className="history card" aria-label="Link history">
      <h2>Links issued</h2>
      {problem && (
        <p className="error" role="alert">
          {problem}
        </p>
      )}
      <ul>
        {records.slice(0, 50).map((r, i) => {
          const left = (Date.parse(r.expiresAt) - now) / 1000;
          return (
            <li key={i} className={left > 0 ? 'active' : 'expired'}>
              {left > 0 && (
                <button type="button" onClick={() => void copyAgain(r, i)} aria-label={`Copy the link to ${leafName(r.key)} again`}>
                  {copiedAt === i ? 'Copied' : 'Copy'}
                </button>
              )}
              <button type="button" className="link" onClick={() => onPick(r)} title={`s3://${r.bucket}/${r.key}`}>
                {leafName(r.key)}
              </button>
              <span>{left > 0 ? `expires in ${describeDuration(left)}` : 'expired'}</span>
            </li>
          );
        })}
      </ul>
    </section>
  );
}
