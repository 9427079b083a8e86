import { useCallback, useEffect, useRef, useState, type DragEvent } from 'react';
import type { AccountView, LinkRecordView, Prefs, PresetView } from '../../preload/contract';
import { call, ferry } from './api';
import { FirstRun } from './components/FirstRun';
import { ModalView, type Modal } from './components/Modals';
import { Sidebar } from './components/Sidebar';
import { Transfers } from './components/Transfers';
import { copyLink, runAction } from './state/actions';
import { useLocation } from './state/location';
import { useNotice } from './state/notice';
import { useTransfers } from './state/transfers';
import { readFlag, writeFlag } from './state/flags';
import { useUploads } from './state/uploads';
import { Browser } from './views/Browser';
import { Links } from './views/Links';
import { Requests } from './views/Requests';

export function App() {
  const [presets, setPresets] = useState<PresetView[]>([]);
  const [accounts, setAccounts] = useState<AccountView[] | undefined>();
  const [prefs, setPrefs] = useState<Prefs | undefined>();
  const where = useLocation();
  const { place, account, bucket, prefix, selection, sharing, select, navigate, setSelection, setSharing } = where;
  const [modal, setModal] = useState<Modal | undefined>();
  const { notice, setNotice, fail } = useNotice();
  const [dragging, setDragging] = useState(false);
  const [history, setHistory] = useState<LinkRecordView[]>([]);
  const [listVersion, setListVersion] = useState(0);
  const [bucketsVersion, setBucketsVersion] = useState(0);
  const [requestsVersion, setRequestsVersion] = useState(0);
  // The drawer stays as the user left it, across restarts.
  const [drawerOpen, setDrawerOpen] = useState(() => readFlag('drawerOpen'));
  useEffect(() => writeFlag('drawerOpen', drawerOpen), [drawerOpen]);
  /** The first account was just added: its test stays on screen until the user goes on. */
  const [firstAdded, setFirstAdded] = useState<AccountView | undefined>();
  const { transfers, totals, clearFinished } = useTransfers();
  // After the first account's "Done", focus goes to the next step (making or choosing a bucket)
  // once it is drawn.
  const focusNextStep = useRef(false);
  useEffect(() => {
    if (!focusNextStep.current) return;
    const next = document.querySelector<HTMLElement>('.empty.big button') ?? document.querySelector<HTMLElement>('.sidebar .bucket');
    if (next) {
      focusNextStep.current = false;
      next.focus();
    }
  });
  const refresh = () => setListVersion((v) => v + 1);

  const loadAccounts = useCallback(async () => {
    const list = await call(ferry().listAccounts());
    setAccounts(list);
    return list;
  }, []);
  const loadHistory = useCallback(() => void call(ferry().linkHistory()).then(setHistory, () => {}), []);

  useEffect(() => {
    void call(ferry().listPresets()).then(setPresets);
    void Promise.all([loadAccounts(), call(ferry().getPrefs())]).then(([list, p]) => {
      setPrefs(p);
      // Open where the window was last, if that account is still there.
      const last = p.lastLocation && list.some((a) => a.name === p.lastLocation!.account) ? p.lastLocation : undefined;
      const first = list.find((a) => a.isDefault) ?? list[0];
      if (last) select(last.account, last.bucket, last.prefix ?? '');
      else if (first) select(first.name);
    });
    loadHistory();
    const offNotice = ferry().on('notice', (n) => setNotice({ text: n.message }));
    // Links made by the tray or on upload appear at once.
    const offLinks = ferry().on('links:changed', loadHistory);
    return () => {
      offNotice();
      offLinks();
    };
  }, [loadAccounts, loadHistory, select]);

  // The theme chosen in Settings, or the system's.
  useEffect(() => {
    const theme = prefs?.theme ?? 'system';
    if (theme === 'system') delete document.documentElement.dataset.theme;
    else document.documentElement.dataset.theme = theme;
  }, [prefs?.theme]);

  // Remember where the window is, to open there next time.
  useEffect(() => {
    if (!account) return;
    const t = setTimeout(() => void ferry().setPrefs({ lastLocation: { account, ...(bucket ? { bucket } : {}), ...(bucket && prefix ? { prefix } : {}) } }), 400);
    return () => clearTimeout(t);
  }, [account, bucket, prefix]);

  // Escape closes what is open (dialogs close themselves); Backspace and Alt+← go up a folder.
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (modal || document.querySelector('dialog[open], [role=menu]')) return;
      const typing = (e.target as HTMLElement | null)?.closest('input, textarea, select, [contenteditable]');
      if (e.key === 'Escape') {
        if (sharing) where.closeInspector();
        else if (selection.length) setSelection([]);
        else if (notice) setNotice(undefined);
        return;
      }
      if (typing || place !== 'files' || !bucket || !prefix) return;
      if ((e.key === 'Backspace' && !e.ctrlKey && !e.metaKey) || (e.altKey && e.key === 'ArrowLeft')) {
        e.preventDefault();
        navigate(prefix.replace(/[^/]*\/$/, ''));
      }
    };
    document.addEventListener('keydown', onKey);
    return () => document.removeEventListener('keydown', onKey);
  }, [modal, selection, sharing, notice, place, bucket, prefix, navigate, where, setSelection, setNotice]);

  // A finished transfer may change the folder on screen.
  const doneCount = transfers.filter((t) => t.status === 'done' && t.direction === 'upload').length;
  useEffect(() => {
    if (doneCount) refresh();
  }, [doneCount]);

  const { uploadFiles, pickAndUpload } = useUploads(
    { account, bucket, prefix },
    {
      setNotice,
      fail,
      askReplace: (text, answer) =>
        setModal({
          kind: 'replace',
          text,
          answer: (choice) => {
            setModal(undefined);
            answer(choice);
          },
        }),
    },
  );

  const onDrop = async (e: DragEvent) => {
    e.preventDefault();
    setDragging(false);
    const files = [...e.dataTransfer.files];
    if (files.length) await uploadFiles(files);
  };

  const savePrefs = async (patch: Partial<Omit<Prefs, 'partSizeMiB' | 'concurrency' | 'uploadLimitMiBps'>> & { partSizeMiB?: number | null; concurrency?: number | null; uploadLimitMiBps?: number | null }) => {
    setPrefs(await call(ferry().setPrefs(patch)));
  };

  const onAction = (action: Parameters<typeof runAction>[1], names: string[]) =>
    runAction({ account, bucket, prefs, navigate, share: where.share, setModal, setNotice, fail, pickAndUpload }, action, names);

  if (accounts === undefined) return <main className="loading">Loading…</main>;

  if (accounts.length === 0 || firstAdded) {
    return (
      <FirstRun
        presets={presets}
        onSaved={(a) => {
          setFirstAdded(a);
          select(a.name);
        }}
        onGoOn={
          firstAdded
            ? () => {
                setFirstAdded(undefined);
                void loadAccounts();
                setBucketsVersion((v) => v + 1);
                focusNextStep.current = true;
              }
            : undefined
        }
      />
    );
  }

  // A file's link: its folder, with the file's inspector open. A one-link share: its folder, with the dialog that makes one.
  const onNewLink = (r: LinkRecordView, share = true) => {
    if (!r.share) return where.reveal(r.account, r.bucket, r.key, share);
    select(r.account, r.bucket, r.share.prefix);
    setModal({ kind: 'shareFolder', prefix: r.share.prefix });
  };
  return (
    <div
      className={`app${dragging ? ' dragging' : ''}`}
      onDragOver={(e) => {
        e.preventDefault();
        e.dataTransfer.dropEffect = 'copy';
        setDragging(true);
      }}
      onDragLeave={(e) => {
        if (e.currentTarget === e.target) setDragging(false);
      }}
      onDrop={(e) => void onDrop(e)}
    >
      <Sidebar
        accounts={accounts}
        selected={account ? { account, ...(bucket && place === 'files' ? { bucket } : {}) } : undefined}
        bucketsVersion={bucketsVersion}
        onSelect={select}
        place={place}
        onPlace={where.openPlace}
        linkCount={history.length}
        onAddAccount={() => setModal({ kind: 'addAccount' })}
        onEditAccount={(a) => setModal({ kind: 'editAccount', account: a })}
        onSettings={() => setModal({ kind: 'settings' })}
      />
      <main className="content">
        <h1 className="sr-only">{bucket ? `${bucket}/${prefix}` : 'Ferry'}</h1>
        <div className="stage">
          {notice && (
            <div className={`notice${notice.error ? ' error' : ''}`} role={notice.error ? 'alert' : 'status'}>
              <span className="notice-text">{notice.text}</span>
              <button type="button" onClick={() => setNotice(undefined)} aria-label="Dismiss">
                ✕
              </button>
            </div>
          )}
          {place === 'links' ? (
            <Links records={history} onNewLink={onNewLink} onClear={() => void call(ferry().clearLinkHistory()).then(loadHistory, fail)} />
          ) : place === 'requests' ? (
            <Requests version={requestsVersion} {...(account && bucket ? { onAsk: () => setModal({ kind: 'askFiles' }) } : {})} onOpenFolder={(r) => select(r.account, r.bucket, r.prefix)} />
          ) : account && bucket ? (
            <Browser account={account} bucket={bucket} prefix={prefix} accounts={accounts} prefs={prefs} refreshToken={listVersion} selection={selection} onSelection={setSelection} onNavigate={navigate} onAction={onAction} sharing={sharing} shareAsked={where.shareAsked} onCloseInspector={where.closeInspector} onIssued={loadHistory} onModal={setModal} />
          ) : (
            <div className="empty big">
              <h2>{account ? 'Choose a bucket' : 'Choose an account'}</h2>
              <p>Pick a bucket on the left to see its files, or make a new one. Then drop files or folders anywhere on this window, paste them, or use Upload.</p>
              {account && (
                <button type="button" className="primary" onClick={() => setModal({ kind: 'newBucket' })}>
                  New bucket…
                </button>
              )}
            </div>
          )}
        </div>
        <Transfers
          transfers={transfers}
          totals={totals}
          open={drawerOpen}
          onToggle={() => setDrawerOpen((o) => !o)}
          onClear={() =>
            // The button is gone with what it cleared: focus stays in the drawer, or goes to the list
            // when nothing is left in it.
            void clearFinished().then(() => setTimeout(() => (document.querySelector<HTMLElement>('.drawer-toggle') ?? document.querySelector<HTMLElement>('[role=grid], .place h2'))?.focus(), 0))
          }
          onError={(m) => setNotice({ text: m, error: true })}
          onCopyLink={(t) => void copyLink({ prefs, setNotice, fail }, t.account, t.bucket, t.key)}
          onShare={(t) => where.reveal(t.account, t.bucket, t.key)}
        />
      </main>
      {modal && (
        <ModalView
          modal={modal}
          onClose={() => setModal(undefined)}
          presets={presets}
          prefs={prefs}
          onSavePrefs={savePrefs}
          account={account}
          bucket={bucket}
          prefix={prefix}
          sharing={sharing}
          onSharing={setSharing}
          onSelection={setSelection}
          onSelect={select}
          onNotice={setNotice}
          onRefresh={refresh}
          onBucketsChanged={() => setBucketsVersion((v) => v + 1)}
          loadAccounts={loadAccounts}
          onRequestsChanged={() => setRequestsVersion((v) => v + 1)}
        />
      )}
      {dragging && (
        <div className="drop-overlay" aria-hidden>
          {bucket ? `Drop to upload to ${bucket}/${prefix}` : 'Choose a bucket first, then drop files here'}
        </div>
      )}
    </div>
  );
}
