import { useEffect, useLayoutEffect, useRef, useState } from 'react';
import type { LinkView, PrivateLinkView } from '../../../preload/contract';
import { describeDuration, MAX_EXPIRY_SECONDS, MIN_PASSPHRASE, parseExpiry, PASSPHRASE_RULE } from '../../../preload/shared';
import { MiddleName } from '../ui/MiddleName';
import { call, ferry, message } from '../api';
import { formatDate, shownName } from '../format';
import { useNow } from '../ui/useNow';
import { useKeepFocus } from '../ui/useKeepFocus';

interface Props {
  account: string;
  bucket: string;
  objectKey: string;
  defaultExpirySeconds: number;
  onClose(): void;
  onIssued(): void;
  /** Asks to delete the object (the one way to stop links already sent, besides new keys). */
  onDelete(): void;
  /** Changes each time sharing is asked for: the panel takes focus. */
  focusToken?: number;
  /** Opens the account's settings, where its keys can be replaced. */
  onRotateKeys(): void;
  onEnlargeQr(svg: string): void;
}

const CHOICES = [
  { label: '1 hour', seconds: 3600 },
  { label: '1 day', seconds: 86_400 },
  { label: '7 days', seconds: 604_800 },
];

/** Seconds from now until a date-time typed in the picker, checked against the 7-day limit. */
function secondsUntil(local: string, now: number): number {
  const at = new Date(local).getTime();
  if (Number.isNaN(at)) throw new Error('Choose a date and time.');
  const seconds = Math.round((at - now) / 1000);
  if (seconds < 1) throw new Error('That time has already passed. Choose a time in the next 7 days.');
  if (seconds > MAX_EXPIRY_SECONDS) throw new Error('A link can live at most 7 days. Choose a time within the next 7 days.');
  return seconds;
}

/**
 * Making a share link for one object: lifetime, download name, the link, its QR code and a live
 * countdown; or a private link (encrypted here, with an optional passphrase).
 */
export function FileSharePanel({ account, bucket, objectKey, focusToken, defaultExpirySeconds, onClose, onIssued, onDelete, onRotateKeys, onEnlargeQr }: Props) {
  const copyRef = useRef<HTMLButtonElement>(null);
  const headingRef = useRef<HTMLHeadingElement>(null);
  // Asking to share (Enter on a file, Share…) brings focus here; following the file through a
  // rename or move does not.
  useEffect(() => headingRef.current?.focus(), [focusToken]);
  const [mode, setMode] = useState<string>(String(CHOICES.some((c) => c.seconds === defaultExpirySeconds) ? defaultExpirySeconds : 'duration'));
  const [duration, setDuration] = useState(describeShort(defaultExpirySeconds));
  const [until, setUntil] = useState('');
  const [filename, setFilename] = useState('');
  const [link, setLink] = useState<LinkView | undefined>();
  // A private link: encrypted here, with an optional passphrase (never kept once the link is made).
  const [encrypted, setEncrypted] = useState(false);
  const [passphrase, setPassphrase] = useState('');
  const [privateLink, setPrivateLink] = useState<PrivateLinkView | undefined>();
  const [error, setError] = useState<string | undefined>();
  const [copied, setCopied] = useState(false);
  const [busy, setBusy] = useState(false);
  useKeepFocus(busy);
  const now = useNow();

  useEffect(() => {
    setLink(undefined);
    setPrivateLink(undefined);
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
    if (encrypted && passphrase && [...passphrase].length < MIN_PASSPHRASE) {
      setError(PASSPHRASE_RULE);
      return;
    }
    setBusy(true);
    try {
      if (encrypted) {
        setLink(undefined);
        setPrivateLink(await call(ferry().createPrivateLink({ account, bucket, keys: [objectKey], expiresIn, ...(passphrase ? { passphrase } : {}) })));
        setPassphrase('');
      } else {
        setPrivateLink(undefined);
        setLink(await call(ferry().createLink({ account, bucket, key: objectKey, expiresIn, ...(filename.trim() ? { filename: filename.trim() } : {}) })));
      }
      onIssued();
    } catch (err) {
      setError(message(err));
    } finally {
      setBusy(false);
    }
  };

  const made = privateLink ?? link;
  const copy = async () => {
    if (!made) return;
    try {
      await call(ferry().copyLink({ url: made.url }));
      setCopied(true);
      setTimeout(() => setCopied(false), 2000);
    } catch (err) {
      setError(message(err));
    }
  };

  // Focus lands on the next thing to do once a link is made: copying it.
  useLayoutEffect(() => {
    if (made) copyRef.current?.focus();
  }, [made]);

  const left = made ? Math.round((Date.parse(made.expiresAt) - now) / 1000) : 0;
  const expiry = made && (
    <>
      Expires <time dateTime={made.expiresAt}>{formatDate(made.expiresAt)}</time>{' '}
      {/* Not a live region: a screen reader would announce it every second. */}
      <span className={left > 0 ? 'countdown' : 'expired'}>{left > 0 ? `(in ${describeDuration(left)})` : '(expired)'}</span>
    </>
  );
  const copyRow = made && (
    <div className="link-row">
      <input readOnly value={made.url} aria-label={privateLink ? 'Private link' : 'Share link'} onFocus={(e) => e.currentTarget.select()} />
      <button type="button" ref={copyRef} onClick={() => void copy()}>
        {copied ? 'Copied' : 'Copy'}
      </button>
      <span className="sr-only" role="status">
        {copied ? 'Link copied to the clipboard.' : ''}
      </span>
    </div>
  );

  return (
    <aside className="share card" aria-label="Share">
      <header>
        <h2 ref={headingRef} tabIndex={-1} title={objectKey} aria-label={`Share “${shownName(objectKey)}”`}>
          <span aria-hidden>Share </span>
          <MiddleName name={`“${shownName(objectKey)}”`} />
        </h2>
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
      <label className="choice">
        <input type="checkbox" checked={encrypted} onChange={(e) => (setEncrypted(e.target.checked), setError(undefined))} aria-describedby={encrypted ? 'private-what' : undefined} /> Private link (encrypted here)
      </label>
      {encrypted ? (
        <>
          <p className="hint" id="private-what">
            Encrypted on this computer; the link carries the key after “#”. The bucket keeps a second, encrypted copy in private-links/; the original stays as it is (the provider can read it). Recipients need a current browser; files over 1 GB open only in Chrome or Edge on a computer.
          </p>
          <label>
            Passphrase (optional, at least {MIN_PASSPHRASE} characters)
            <input type="password" autoComplete="new-password" value={passphrase} onChange={(e) => setPassphrase(e.target.value)} />
          </label>
        </>
      ) : (
        <label>
          Download name (optional)
          <input value={filename} onChange={(e) => setFilename(e.target.value)} placeholder="Same as the file’s" />
        </label>
      )}
      <button type="button" className="primary" onClick={() => void create()} disabled={busy}>
        {encrypted ? (busy ? 'Encrypting…' : privateLink ? 'Make a new private link' : 'Create private link') : busy ? 'Signing…' : link ? 'Make a new link' : 'Create link'}
      </button>
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      {privateLink && (
        <div className="link-result">
          {copyRow}
          <p className="expiry">
            Private link · {privateLink.files} file{privateLink.files === 1 ? '' : 's'}. {expiry}
          </p>
          {privateLink.passphrase && <p className="hint">It asks for the passphrase: send that another way than the link.</p>}
          {!privateLink.kept && <p className="hint">The keychain could not keep its key, so it cannot be copied again later: keep the link now.</p>}
          <p className="hint">To stop it before it expires, choose End link now in Links.</p>
        </div>
      )}
      {link && (
        <div className="link-result">
          {copyRow}
          <p className="expiry">
            {expiry}
            {link.limitedBy === 'credentials' && <span className="hint"> — when the temporary keys that signed it expire</span>}
          </p>
          <button type="button" className="qr-button" onClick={() => onEnlargeQr(link.qrSvg)} aria-label="Enlarge the QR code">
            <img className="qr" alt="" src={`data:image/svg+xml;charset=utf-8,${encodeURIComponent(link.qrSvg)}`} />
          </button>
        </div>
      )}
      <details className="revoke">
        <summary>Can I take a link back?</summary>
        <p>
          A plain link cannot be revoked on its own: it works until it expires. To stop it sooner, delete the file (every link to it stops), or replace the account’s keys (every link they signed stops). A private link can be ended on its own: End link now in Links.
        </p>
        <button type="button" className="danger" onClick={onDelete}>
          Delete this file…
        </button>{' '}
        <button type="button" onClick={onRotateKeys}>
          Replace the keys…
        </button>
      </details>
    </aside>
  );
}

function describeShort(seconds: number): string {
  if (seconds % 86_400 === 0) return `${seconds / 86_400}d`;
  if (seconds % 3600 === 0) return `${seconds / 3600}h`;
  if (seconds % 60 === 0) return `${seconds / 60}m`;
  return `${seconds}s`;
}
