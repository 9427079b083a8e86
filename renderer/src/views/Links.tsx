import { useEffect, useState } from 'react';
import type { LinkRecordView } from '../../../preload/contract';
import { describeDuration } from '../../../preload/shared';
import { call, ferry, message } from '../api';
import { formatDate, leafName, shownName } from '../format';
import { MiddleName } from '../ui/MiddleName';
import { useNow } from '../ui/useNow';

/**
 * Links issued so far, newest first: what each points to, when it was made, when it expires and
 * whether it still works. A working link can be copied again, byte for byte (signed anew from its
 * time and lifetime; no URL is stored); any can be made anew. A private link can be ended now
 * (main asks first, in its own dialog); then it says so.
 */
export function Links({ records, onNewLink, onClear }: { records: LinkRecordView[]; onNewLink(r: LinkRecordView, share?: boolean): void; onClear(): void }) {
  const now = useNow(5000);
  const [query, setQuery] = useState('');
  const [show, setShow] = useState<'all' | 'working' | 'expired'>('all');
  const [copiedAt, setCopiedAt] = useState<number | undefined>();
  const [problem, setProblem] = useState<string | undefined>();
  const [confirmClear, setConfirmClear] = useState(false);
  const [said, setSaid] = useState('');
  // Links whose file was renamed, moved or deleted since: they no longer work, whatever their expiry says.
  const [gone, setGone] = useState<Set<string>>(new Set());
  const idOf = (r: Pick<LinkRecordView, 'account' | 'bucket' | 'key' | 'createdAt'>) => JSON.stringify([r.account, r.bucket, r.key, r.createdAt]);
  useEffect(() => {
    let live = true;
    void call(ferry().checkLinks()).then(
      (list) => live && setGone(new Set(list.map(idOf))),
      () => {},
    );
    return () => {
      live = false;
    };
  }, [records]);
  const copyAgain = async (r: LinkRecordView, i: number) => {
    try {
      const { url } = await call(ferry().linkAgain({ account: r.account, bucket: r.bucket, key: r.key, createdAt: r.createdAt }));
      await call(ferry().copyLink({ url }));
      setCopiedAt(i);
      setProblem(undefined);
      setTimeout(() => setCopiedAt((c) => (c === i ? undefined : c)), 2000);
    } catch (err) {
      setProblem(message(err));
    }
  };
  const end = async (r: LinkRecordView) => {
    if (!r.private) return;
    try {
      await call(ferry().endLink({ id: r.private.id }));
      setProblem(undefined);
      setSaid(`Private link ended: its encrypted file${r.private.files === 1 ? ' and page are' : 's and page are'} deleted, so it no longer works.`);
    } catch (err) {
      // "Cancel" in main's dialog: nothing to say.
      if ((err as { code?: string }).code !== 'CANCELLED') setProblem(message(err));
    }
  };
  const q = query.trim().toLowerCase();
  const works = (r: LinkRecordView) => Date.parse(r.expiresAt) > now && !r.ended && !gone.has(idOf(r));
  const shown = records.filter((r) => {
    const working = works(r);
    if ((show === 'working' && !working) || (show === 'expired' && working)) return false;
    return !q || `${r.account}/${r.bucket}/${r.private ? `private link ${r.private.title}` : r.share ? `${r.share.prefix} ${r.share.title}` : r.key}`.toLowerCase().includes(q);
  });
  return (
    <section className="place history" aria-labelledby="history-title">
      <header className="place-head">
        <h2 id="history-title" tabIndex={-1}>
          Links issued
        </h2>
        <input type="search" placeholder="Search links" aria-label="Search links by name or bucket" value={query} onChange={(e) => setQuery(e.target.value)} />
        <select aria-label="Show" value={show} onChange={(e) => setShow(e.target.value as typeof show)}>
          <option value="all">All</option>
          <option value="working">Working</option>
          <option value="expired">Expired</option>
        </select>
        {!confirmClear && records.length > 0 && (
          <button type="button" className="link" onClick={() => setConfirmClear(true)}>
            Clear history…
          </button>
        )}
      </header>
      {confirmClear && (
        <div className="confirm" role="alert">
          <p>
            Forget all {records.length} links listed here? The links themselves keep working until they expire{records.some((r) => r.private && !r.ended) ? '; private links can then no longer be copied again or ended here' : ''}.
          </p>
          <button
            type="button"
            className="danger-solid"
            autoFocus
            onClick={() => {
              setConfirmClear(false);
              onClear();
            }}
          >
            Clear history
          </button>{' '}
          <button type="button" onClick={() => setConfirmClear(false)}>
            Keep it
          </button>
        </div>
      )}
      {problem && (
        <p className="error" role="alert">
          {problem}
        </p>
      )}
      <span className="sr-only" role="status">
        {copiedAt !== undefined ? 'Link copied to the clipboard.' : said}
      </span>
      {!records.length && <p className="empty">No links yet. Select a file and choose Share… (or press Enter) to make one; the tray's “Copy share link” lists its links here too.</p>}
      {records.length > 0 && !shown.length && <p className="empty">No link matches.</p>}
      <ul aria-label="Links">
        {shown.slice(0, 500).map((r) => {
          const i = records.indexOf(r);
          const left = (Date.parse(r.expiresAt) - now) / 1000;
          const missing = !r.ended && gone.has(idOf(r));
          const working = left > 0 && !missing && !r.ended;
          const files = (n: number) => `${n} file${n === 1 ? '' : 's'}`;
          // A one-link share is named by what it shares, a private link by its files, never by the page Ferry wrote for it.
          const what = r.private ? `the private link of ${files(r.private.files)} (${r.private.title})` : r.share ? `${r.share.title} (${files(r.share.files)}, one link)` : shownName(r.key);
          return (
            <li key={i} className={working ? 'active' : 'expired'}>
              <div className="what">
                {r.private ? (
                  <>
                    <MiddleName name={`Private link · ${files(r.private.files)}`} className="strong" />
                    <MiddleName name={`${r.bucket} · ${r.private.title}${r.private.passphrase ? ' · with a passphrase' : ''}`} className="muted" />
                  </>
                ) : r.share ? (
                  <>
                    <MiddleName name={`${r.share.title} · ${files(r.share.files)}, one link`} className="strong" />
                    <MiddleName name={`${r.bucket}/${r.share.prefix}`} className="muted" />
                  </>
                ) : (
                  <>
                    <MiddleName name={leafName(r.key)} className="strong" />
                    <MiddleName name={`${r.bucket}/${r.key}`} className="muted" />
                  </>
                )}
              </div>
              <div className="when">
                <span>
                  Made <time dateTime={r.createdAt}>{formatDate(r.createdAt)}</time>
                </span>
                <span className={working ? 'status-ok' : 'status-expired'}>
                  {r.ended ? (
                    <>
                      Ended <time dateTime={r.ended}>{formatDate(r.ended)}</time>: it no longer works
                    </>
                  ) : missing ? (
                    <>No longer works: the {r.share || r.private ? 'page' : 'file'} is not there any more (renamed, moved or deleted)</>
                  ) : left > 0 ? (
                    <>
                      Works until <time dateTime={r.expiresAt}>{formatDate(r.expiresAt)}</time> ({describeDuration(left)} left)
                    </>
                  ) : (
                    <>
                      Expired <time dateTime={r.expiresAt}>{formatDate(r.expiresAt)}</time>
                    </>
                  )}
                </span>
              </div>
              <div className="do">
                {working && (
                  <button type="button" onClick={() => void copyAgain(r, i)} aria-label={`${copiedAt === i ? 'Copied' : 'Copy again'}: ${r.private ? what : `the link to ${what}`}`}>
                    {copiedAt === i ? 'Copied' : 'Copy again'}
                  </button>
                )}
                {r.private ? (
                  // Its encrypted copy stays in the bucket until it is ended, expired or not.
                  !r.ended && (
                    <button type="button" className="danger" onClick={() => void end(r)} aria-label={`End link now: ${what}`} title="Deletes its encrypted files and page from the bucket: the link stops working at once. The original files and other links are untouched.">
                      End link now
                    </button>
                  )
                ) : missing && !r.share ? (
                  // Nothing to link to under that name: its folder, to find where it went.
                  <button type="button" onClick={() => onNewLink(r, false)} aria-label={`Show folder: the one ${what} was in`}>
                    Show folder
                  </button>
                ) : (
                  <button type="button" onClick={() => onNewLink(r)} aria-label={`New link… to ${r.share ? `the files of ${r.bucket}/${r.share.prefix}` : what}`}>
                    New link…
                  </button>
                )}
              </div>
            </li>
          );
        })}
      </ul>
    </section>
  );
}
