import { useCallback, useEffect, useState } from 'react';
import type { RequestStatusView } from '../../../preload/contract';
import { safeText } from '../../../preload/shared';
import { call, ferry, message } from '../api';
import { formatDate, formatSize } from '../format';
import { MiddleName } from '../ui/MiddleName';

interface Props {
  /** Changes when a request was made or ended elsewhere (the dialog). */
  version: number;
  /** "Ask for files…" for the bucket open last, if one is. */
  onAsk?: () => void;
  /** Shows a request's folder in the file list. */
  onOpenFolder(r: RequestStatusView): void;
}

/**
 * Every file request, newest first: whether it is open, what has arrived, where it lands. A
 * request can be ended early; its folder opens in the file list. A private request's files are
 * named as their senders named them (decrypted), and each is downloaded and opened here.
 */
export function Requests({ version, onAsk, onOpenFolder }: Props) {
  const [requests, setRequests] = useState<RequestStatusView[] | undefined>();
  const [error, setError] = useState<string | undefined>();
  const [said, setSaid] = useState('');
  /** The received file being downloaded and opened. */
  const [opening, setOpening] = useState<string | undefined>();
  const load = useCallback(
    () =>
      void call(ferry().listRequests()).then(
        (all) => {
          setRequests([...all].sort((a, b) => b.createdAt.localeCompare(a.createdAt)));
          setError(undefined);
        },
        (err: unknown) => setError(message(err)),
      ),
    [],
  );
  useEffect(load, [load, version]);
  const end = async (r: RequestStatusView) => {
    try {
      await call(ferry().endRequest({ account: r.account, bucket: r.bucket, pageKey: r.pageKey }));
      load();
      document.querySelector<HTMLElement>('.requests-view h2')?.focus();
    } catch (err) {
      setError(message(err));
    }
  };
  const download = async (r: RequestStatusView, key: string) => {
    setOpening(key);
    setSaid('');
    try {
      const got = await call(ferry().downloadReceived({ account: r.account, bucket: r.bucket, pageKey: r.pageKey, key }));
      setError(undefined);
      if (got) setSaid(`Decrypted and saved as “${safeText(got.name)}” in the folder you chose.`);
    } catch (err) {
      setError(message(err));
    } finally {
      setOpening(undefined);
    }
  };
  return (
    <section className="place requests-view" aria-labelledby="requests-title">
      <header className="place-head">
        <h2 id="requests-title" tabIndex={-1}>
          File requests
        </h2>
        {onAsk && (
          <button type="button" className="primary" onClick={onAsk}>
            Ask for files…
          </button>
        )}
      </header>
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      <p className="hint" role="status">
        {said}
      </p>
      {requests?.length === 0 && <p className="empty">No file requests yet. Open a bucket and choose “Ask for files…” to give someone a link that uploads into it.</p>}
      {requests && requests.length > 0 && (
        <>
          <ul className="requests" aria-label="File requests">
            {requests.map((r) => (
              <li key={`${r.account}/${r.bucket}/${r.pageKey}`} className={r.state}>
                <div className="what">
                  <MiddleName name={r.title} className="strong" />
                  <MiddleName name={`${r.bucket}/${r.prefix}`} className="muted" />
                  {r.private && <small className="private-mark">Private: encrypted in the sender’s browser</small>}
                </div>
                <div className="when">
                  <span className={`state ${r.state}`}>{r.state === 'open' ? 'Open' : r.state === 'ended' ? 'Ended' : 'Expired'}</span>
                  <span>
                    {r.received.length} file{r.received.length === 1 ? '' : 's'} arrived · {r.state === 'open' ? 'open until' : 'was open until'} <time dateTime={r.expiresAt}>{formatDate(r.expiresAt)}</time>
                  </span>
                </div>
                <div className="do">
                  <button type="button" onClick={() => onOpenFolder(r)} aria-label={`Show files of ${r.title}`}>
                    Show files
                  </button>
                  {r.state === 'open' && (
                    <button type="button" onClick={() => void end(r)} aria-label={`End now: request ${r.title}`} title="Deletes the request page. Links already sent carry a policy that stays valid until it expires; to revoke it at once, also rotate this account's keys.">
                      End now
                    </button>
                  )}
                </div>
                {r.received.length > 0 && (
                  <ul className="received" aria-label={`Received for ${r.title}`}>
                    {r.received.slice(0, 20).map((f) => {
                      const shown = (r.private && f.name) || f.key.slice(r.prefix.length);
                      return (
                        <li key={f.key}>
                          <MiddleName name={shown} /> <small>{formatSize(f.size)}</small>
                          {f.problem && <small className="error">{f.problem}</small>}
                          {r.private && (
                            <button type="button" className="link" onClick={() => void download(r, f.key)} disabled={opening !== undefined} aria-label={`Download ${safeText(shown)}`}>
                              {opening === f.key ? 'Downloading…' : 'Download'}
                            </button>
                          )}
                        </li>
                      );
                    })}
                    {r.received.length > 20 && <li>and {r.received.length - 20} more</li>}
                  </ul>
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
