import { useCallback, useEffect, useState } from 'react';
import type { RequestStatusView } from '../../../preload/contract';
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
 * request can be ended early; its folder opens in the file list.
 */
export function Requests({ version, onAsk, onOpenFolder }: Props) {
  const [requests, setRequests] = useState<RequestStatusView[] | undefined>();
  const [error, setError] = useState<string | undefined>();
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
      {requests?.length === 0 && <p className="empty">No file requests yet. Open a bucket and choose “Ask for files…” to give someone a link that uploads into it.</p>}
      {requests && requests.length > 0 && (
        <>
          <ul className="requests" aria-label="File requests">
            {requests.map((r) => (
              <li key={`${r.account}/${r.bucket}/${r.pageKey}`} className={r.state}>
                <div className="what">
                  <MiddleName name={r.title} className="strong" />
                  <MiddleName name={`${r.bucket}/${r.prefix}`} className="muted" />
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
                    {r.received.slice(0, 20).map((f) => (
                      <li key={f.key}>
                        <MiddleName name={f.key.slice(r.prefix.length)} /> <small>{formatSize(f.size)}</small>
                      </li>
                    ))}
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
