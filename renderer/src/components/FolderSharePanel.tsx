import { useCallback, useEffect, useState, type FormEvent } from 'react';
import type { RequestStatusView } from '../../../preload/contract';
import { call, ferry, message } from '../api';

interface Props {
  account: string;
  bucket: string;
  prefix: string;
  defaultExpirySeconds: number;
}

const LIFETIMES = [
  { label: '1 hour', seconds: 3600 },
  { label: '1 day', seconds: 86_400 },
  { label: '3 days', seconds: 3 * 86_400 },
  { label: '7 days', seconds: 604_800 },
];
const TYPES = [
  { label: 'Any file', value: '' },
  { label: 'Images', value: 'image/*' },
  { label: 'Videos', value: 'video/*' },
  { label: 'PDF documents', value: 'application/pdf' },
];
const MiB = 1024 * 1024;

/**
 * Sharing beyond one file: the folder on screen as one link, and file requests (a link through
 * which others upload into a folder of this bucket), with the requests made so far.
 */
export function FolderSharePanel({ account, bucket, prefix, defaultExpirySeconds }: Props) {
  const [folderLink, setFolderLink] = useState<{ url: string; expiresAt: string; files: number } | undefined>();
  const [made, setMade] = useState<{ url: string; prefix: string; expiresAt: string; keepsDisposition?: boolean } | undefined>();
  const [requests, setRequests] = useState<RequestStatusView[]>([]);
  const [error, setError] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);
  const [title, setTitle] = useState('');
  const [lifetime, setLifetime] = useState(LIFETIMES.find((l) => l.seconds === defaultExpirySeconds)?.seconds ?? 86_400);
  const [maxMiB, setMaxMiB] = useState(1024);
  const [accept, setAccept] = useState('');
  const [note, setNote] = useState('');

  const load = useCallback(() => void call(ferry().listRequests()).then((all) => setRequests(all.filter((r) => r.account === account && r.bucket === bucket)), () => {}), [account, bucket]);
  useEffect(load, [load]);

  const shareFolder = async () => {
    setBusy(true);
    setError(undefined);
    try {
      setFolderLink(await call(ferry().shareFolder({ account, bucket, prefix, expiresIn: defaultExpirySeconds })));
    } catch (err) {
      setError(message(err));
    } finally {
      setBusy(false);
    }
  };

  const ask = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      const r = await call(ferry().requestFiles({ account, bucket, title, expiresIn: lifetime, maxBytes: Math.round(maxMiB * MiB), ...(accept ? { accept } : {}), ...(note.trim() ? { note: note.trim() } : {}) }));
      setMade({ url: r.url, prefix: r.request.prefix, expiresAt: r.request.expiresAt, ...(r.request.keepsDisposition !== undefined ? { keepsDisposition: r.request.keepsDisposition } : {}) });
      setTitle('');
      setNote('');
      load();
    } catch (err) {
      setError(message(err));
    } finally {
      setBusy(false);
    }
  };

  const end = async (r: RequestStatusView) => {
    try {
      await call(ferry().endRequest({ account, bucket, pageKey: r.pageKey }));
      load();
    } catch (err) {
      setError(message(err));
    }
  };

  const copy = (url: string) => void call(ferry().copyLink({ url })).catch((err: unknown) => setError(message(err)));

  return (
    <section className="card sharing" aria-labelledby="sharing-title">
      <h2 id="sharing-title">Share more</h2>
      <p>
        <button type="button" onClick={() => void shareFolder()} disabled={busy}>
          Share {prefix ? `“${prefix}”` : 'this bucket'} as one link
        </button>
      </p>
      {folderLink && (
        <p className="made" role="status">
          One page for {folderLink.files} file{folderLink.files === 1 ? '' : 's'}, until {new Date(folderLink.expiresAt).toLocaleString()}.{' '}
          <button type="button" onClick={() => copy(folderLink.url)}>
            Copy link
          </button>
        </p>
      )}
      <form onSubmit={(e) => void ask(e)} aria-label="Ask for files">
        <h3>Ask for files</h3>
        <label>
          <span>Name</span>
          <input value={title} onChange={(e) => setTitle(e.target.value)} required maxLength={200} placeholder="Holiday photos" />
        </label>
        <div className="fields">
          <label>
            <span>Open for</span>
            <select value={lifetime} onChange={(e) => setLifetime(Number(e.target.value))}>
              {LIFETIMES.map((l) => (
                <option key={l.seconds} value={l.seconds}>
                  {l.label}
                </option>
              ))}
            </select>
          </label>
          <label>
            <span>Largest file (MiB, at most 5 GiB)</span>
            <input type="number" min={1} max={5120} value={maxMiB} onChange={(e) => setMaxMiB(Number(e.target.value))} />
          </label>
          <label>
            <span>Accepts</span>
            <select value={accept} onChange={(e) => setAccept(e.target.value)}>
              {TYPES.map((t) => (
                <option key={t.value} value={t.value}>
                  {t.label}
                </option>
              ))}
            </select>
          </label>
        </div>
        <label>
          <span>Note for the sender (optional)</span>
          <textarea value={note} onChange={(e) => setNote(e.target.value)} maxLength={2000} rows={2} />
        </label>
        <button type="submit" className="primary" disabled={busy}>
          Make request link
        </button>
      </form>
      {made && (
        <p className="made" role="status">
          Files sent through this link land in {bucket}/{made.prefix}, until {new Date(made.expiresAt).toLocaleString()}. Anyone with the link can add files there (and nowhere else); they cannot see what is in it.{' '}
          <button type="button" onClick={() => copy(made.url)}>
            Copy link
          </button>
          {made.keepsDisposition === false && (
            <span className="hint">
              {' '}
              This server does not keep files sent this way marked as downloads. Open them from Ferry: its links make any file that could run as a web page a download.
            </span>
          )}
        </p>
      )}
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      {requests.length > 0 && (
        <>
          <h3>Requests</h3>
          <ul className="requests" aria-label="File requests">
            {requests.map((r) => (
              <li key={r.pageKey}>
                <b>{r.title}</b> <span className={`state ${r.state}`}>{r.state}</span>
                <small>
                  {r.received.length} file{r.received.length === 1 ? '' : 's'} in {r.prefix} · until {new Date(r.expiresAt).toLocaleString()}
                </small>
                {r.received.length > 0 && (
                  <ul aria-label={`Received for ${r.title}`}>
                    {r.received.map((f) => (
                      <li key={f.key}>{f.key.slice(r.prefix.length)}</li>
                    ))}
                  </ul>
                )}
                {r.state === 'open' && (
                  <button type="button" onClick={() => void end(r)} aria-label={`End request ${r.title}`} title="Deletes the request page. Links already sent carry a policy that stays valid until it expires; to revoke it at once, also rotate this account's keys.">
                    End now
                  </button>
                )}
              </li>
            ))}
          </ul>
          <p className="hint">Ending a request deletes its page. The policy in links already sent stays valid until it expires; rotating the account's keys revokes it at once.</p>
        </>
      )}
    </section>
  );
}
