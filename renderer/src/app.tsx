import { useCallback, useEffect, useState, type DragEvent } from 'react';
import type { AccountView, LinkRecordView, Prefs, PresetView } from '../../preload/contract';
import { describeDuration } from '../../preload/shared';
import { call, ferry } from './api';
import { FileSharePanel } from './components/FileSharePanel';
import { FirstRun } from './components/FirstRun';
import { FolderSharePanel } from './components/FolderSharePanel';
import { IssuedLinks } from './components/IssuedLinks';
import { ModalView, type Modal } from './components/Modals';
import { ObjectBrowser, type ObjectAction } from './components/ObjectBrowser';
import { Sidebar } from './components/Sidebar';
import { Transfers } from './components/Transfers';
import { Unfinished } from './components/Unfinished';
import { shownName } from './format';
import { useNotice } from './state/notice';
import { useTransfers } from './state/transfers';
import { useUploads } from './state/uploads';

export function App() {
  const [presets, setPresets] = useState<PresetView[]>([]);
  const [accounts, setAccounts] = useState<AccountView[] | undefined>();
  const [prefs, setPrefs] = useState<Prefs | undefined>();
  const [account, setAccount] = useState<string | undefined>();
  const [bucket, setBucket] = useState<string | undefined>();
  const [prefix, setPrefix] = useState('');
  const [selection, setSelection] = useState<string[]>([]);
  /** The file whose share panel is open. */
  const [sharing, setSharing] = useState<string | undefined>();
  const [modal, setModal] = useState<Modal | undefined>();
  const { notice, setNotice, fail } = useNotice();
  const [dragging, setDragging] = useState(false);
  const [history, setHistory] = useState<LinkRecordView[]>([]);
  const [listVersion, setListVersion] = useState(0);
  const [bucketsVersion, setBucketsVersion] = useState(0);
  /** The first account was just added: its test stays on screen until the user goes on. */
  const [firstAdded, setFirstAdded] = useState<AccountView | undefined>();
  const { transfers, totals, clearFinished } = useTransfers();
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
      if (last) {
        setAccount(last.account);
        if (last.bucket) setBucket(last.bucket);
        if (last.prefix) setPrefix(last.prefix);
      } else if (first) setAccount(first.name);
    });
    loadHistory();
    const offNotice = ferry().on('notice', (n) => setNotice({ text: n.message }));
    // Links made by the tray or on upload appear at once.
    const offLinks = ferry().on('links:changed', loadHistory);
    return () => {
      offNotice();
      offLinks();
    };
  }, [loadAccounts, loadHistory]);

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

  const navigate = useCallback((p: string) => {
    setPrefix(p);
    setSelection([]);
    setSharing(undefined);
    // After entering a folder, focus is on its list.
    setTimeout(() => document.querySelector<HTMLElement>('[role=grid]')?.focus(), 0);
  }, []);

  // Escape closes what is open (dialogs close themselves); Backspace and Alt+← go up a folder.
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (modal || document.querySelector('dialog[open], [role=menu]')) return;
      const typing = (e.target as HTMLElement | null)?.closest('input, textarea, select, [contenteditable]');
      if (e.key === 'Escape') {
        if (sharing) {
          setSharing(undefined);
          document.querySelector<HTMLElement>('[role=grid]')?.focus();
        } else if (selection.length) setSelection([]);
        else if (notice) setNotice(undefined);
        return;
      }
      if (typing || !bucket || !prefix) return;
      if ((e.key === 'Backspace' && !e.ctrlKey && !e.metaKey) || (e.altKey && e.key === 'ArrowLeft')) {
        e.preventDefault();
        navigate(prefix.replace(/[^/]*\/$/, ''));
      }
    };
    document.addEventListener('keydown', onKey);
    return () => document.removeEventListener('keydown', onKey);
  }, [modal, selection, sharing, notice, bucket, prefix, navigate]);

  // A finished transfer may change the folder on screen.
  const doneCount = transfers.filter((t) => t.status === 'done' && t.direction === 'upload').length;
  useEffect(() => {
    if (doneCount) refresh();
  }, [doneCount]);

  const select = (acc: string, b?: string) => {
    setAccount(acc);
    setBucket(b);
    setPrefix('');
    setSelection([]);
    setSharing(undefined);
  };

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

  const savePrefs = async (patch: Partial<Omit<Prefs, 'partSizeMiB' | 'concurrency'>> & { partSizeMiB?: number | null; concurrency?: number | null }) => {
    setPrefs(await call(ferry().setPrefs(patch)));
  };

  /** Signs a link with the default lifetime and copies it, saying so in the window. */
  const copyLink = async (acc: string, b: string, key: string) => {
    try {
      const expiresIn = prefs?.defaultExpirySeconds ?? 86_400;
      const link = await call(ferry().createLink({ account: acc, bucket: b, key, expiresIn }));
      await call(ferry().copyLink({ url: link.url }));
      setNotice({ text: `Link to ${shownName(key)} copied. It works for ${describeDuration(expiresIn)}.` });
    } catch (err) {
      fail(err);
    }
  };

  const onAction = (action: ObjectAction, names: string[]) => {
    if (!account || !bucket) return;
    const one = names.length === 1 ? names[0]! : undefined;
    switch (action) {
      case 'open':
      case 'share':
        if (one?.endsWith('/')) return navigate(one);
        if (one) setSharing(one);
        return;
      case 'preview':
        if (one && !one.endsWith('/')) setModal({ kind: 'preview', key: one });
        return;
      case 'copyLink':
        if (one && !one.endsWith('/')) void copyLink(account, bucket, one);
        else setNotice({ text: 'Select one file to copy its link (folders are shared with “Share…”).', error: true });
        return;
      case 'download':
        if (!names.length) return;
        void call(ferry().download({ account, bucket, keys: names })).then(
          (added) => added.length && setNotice({ text: `Downloading ${added.length} file${added.length === 1 ? '' : 's'}.` }),
          fail,
        );
        return;
      case 'delete':
        if (names.length) setModal({ kind: 'delete', names });
        return;
      case 'rename':
        if (one) setModal({ kind: 'rename', name: one });
        return;
      case 'move':
        if (names.length) setModal({ kind: 'move', names });
        return;
      case 'newFolder':
        return setModal({ kind: 'newFolder' });
      case 'deleteBucket':
        return setModal({ kind: 'deleteBucket' });
      case 'uploadFiles':
        return void pickAndUpload('files');
      case 'uploadFolder':
        return void pickAndUpload('folder');
    }
  };

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
              }
            : undefined
        }
      />
    );
  }

  const onNewLink = (r: LinkRecordView) => {
    select(r.account, r.bucket);
    setPrefix(r.key.slice(0, r.key.lastIndexOf('/') + 1));
    setSelection([r.key]);
    setSharing(r.key);
  };
  const history$ = <IssuedLinks records={history} onNewLink={onNewLink} onClear={() => void call(ferry().clearLinkHistory()).then(loadHistory, fail)} />;

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
        selected={account ? { account, ...(bucket ? { bucket } : {}) } : undefined}
        bucketsVersion={bucketsVersion}
        onSelect={select}
        onAddAccount={() => setModal({ kind: 'addAccount' })}
        onEditAccount={(a) => setModal({ kind: 'editAccount', account: a })}
        onSettings={() => setModal({ kind: 'settings' })}
      />
      <main className="content">
        <h1 className="sr-only">{bucket ? `${bucket}/${prefix}` : 'Ferry'}</h1>
        {notice && (
          <div className={`notice${notice.error ? ' error' : ''}`} role={notice.error ? 'alert' : 'status'}>
            <span className="notice-text">{notice.text}</span>
            <button type="button" onClick={() => setNotice(undefined)} aria-label="Dismiss">
              ✕
            </button>
          </div>
        )}
        {account && bucket ? (
          <div className={`workspace${sharing ? ' with-panel' : ''}`}>
            <ObjectBrowser location={{ account, bucket, prefix }} refreshToken={listVersion} selection={selection} onSelection={setSelection} onNavigate={navigate} onAction={onAction} />
            <div className="side-column">
              {sharing && prefs ? (
                <FileSharePanel
                  account={account}
                  bucket={bucket}
                  objectKey={sharing}
                  defaultExpirySeconds={prefs.defaultExpirySeconds}
                  onClose={() => {
                    setSharing(undefined);
                    document.querySelector<HTMLElement>('[role=grid]')?.focus();
                  }}
                  onIssued={loadHistory}
                  onDelete={() => setModal({ kind: 'delete', names: [sharing] })}
                  onRotateKeys={() => {
                    const a = accounts.find((x) => x.name === account);
                    if (a) setModal({ kind: 'editAccount', account: a });
                  }}
                  onEnlargeQr={(svg) => setModal({ kind: 'qr', svg, name: shownName(sharing) })}
                />
              ) : (
                <p className="hint card">Select a file and press Enter (or choose Share) to make a share link.</p>
              )}
              {!sharing && prefs && <FolderSharePanel account={account} bucket={bucket} prefix={prefix} defaultExpirySeconds={prefs.defaultExpirySeconds} />}
              {history$}
              <Unfinished account={account} bucket={bucket} refreshToken={listVersion} />
            </div>
          </div>
        ) : (
          <div className="empty big">
            <h2>{account ? 'Choose a bucket' : 'Choose an account'}</h2>
            <p>Pick a bucket on the left to see its files, or make a new one. Then drop files or folders anywhere on this window, paste them, or use Upload.</p>
            {account && (
              <button type="button" className="primary" onClick={() => setModal({ kind: 'newBucket' })}>
                New bucket…
              </button>
            )}
            {history$}
          </div>
        )}
        <Transfers
          transfers={transfers}
          totals={totals}
          onClear={() => void clearFinished()}
          onError={(m) => setNotice({ text: m, error: true })}
          onCopyLink={(t) => void copyLink(t.account, t.bucket, t.key)}
          onShare={(t) => {
            select(t.account, t.bucket);
            setPrefix(t.key.slice(0, t.key.lastIndexOf('/') + 1));
            setSelection([t.key]);
            setSharing(t.key);
          }}
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
