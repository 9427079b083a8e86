import { useCallback, useEffect, useState, type DragEvent } from 'react';
import type { AccountView, LinkRecordView, Prefs, PresetView, TransferView } from '../../preload/contract';
import { ApiError, call, ferry, message } from './api';
import { Unfinished } from './components/Unfinished';
import { AccountForm } from './components/AccountForm';
import { ObjectBrowser } from './components/ObjectBrowser';
import { LinkHistory, SharePanel } from './components/SharePanel';
import { SharingPanel } from './components/SharingPanel';
import { Sidebar } from './components/Sidebar';
import { Transfers } from './components/Transfers';
import { useTransfers } from './state/transfers';

type Dialog = { kind: 'add' } | { kind: 'edit'; account: AccountView } | undefined;

export function App() {
  const [presets, setPresets] = useState<PresetView[]>([]);
  const [accounts, setAccounts] = useState<AccountView[] | undefined>();
  const [prefs, setPrefs] = useState<Prefs | undefined>();
  const [account, setAccount] = useState<string | undefined>();
  const [bucket, setBucket] = useState<string | undefined>();
  const [prefix, setPrefix] = useState('');
  const [selectedKey, setSelectedKey] = useState<string | undefined>();
  const [dialog, setDialog] = useState<Dialog>();
  /** A question about files that already exist: replace them, or upload only the others. */
  const [ask, setAsk] = useState<{ text: string; answer(choice: 'replace' | 'skip'): void } | undefined>();
  const [notice, setNotice] = useState<{ text: string; error?: boolean } | undefined>();
  const [dragging, setDragging] = useState(false);
  const [history, setHistory] = useState<LinkRecordView[]>([]);
  const [listVersion, setListVersion] = useState(0);
  const [bucketsVersion, setBucketsVersion] = useState(0);
  const { transfers, totals, clearFinished } = useTransfers();

  const loadAccounts = useCallback(async () => {
    const list = await call(ferry().listAccounts());
    setAccounts(list);
    return list;
  }, []);
  const loadHistory = useCallback(() => void call(ferry().linkHistory()).then(setHistory, () => {}), []);

  useEffect(() => {
    void call(ferry().listPresets()).then(setPresets);
    void call(ferry().getPrefs()).then(setPrefs);
    void Promise.all([loadAccounts(), call(ferry().getPrefs())]).then(([list, p]) => {
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

  // Remember where the window is, to open there next time.
  useEffect(() => {
    if (!account) return;
    const t = setTimeout(() => void ferry().setPrefs({ lastLocation: { account, ...(bucket ? { bucket } : {}), ...(bucket && prefix ? { prefix } : {}) } }), 400);
    return () => clearTimeout(t);
  }, [account, bucket, prefix]);

  // Escape closes what is open; Backspace and Alt+← go up a folder (outside text fields).
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      const typing = (e.target as HTMLElement | null)?.closest('input, textarea, select, [contenteditable]');
      if (e.key === 'Escape') {
        if (ask) ask.answer('skip');
        else if (selectedKey) setSelectedKey(undefined);
        else if (dialog) setDialog(undefined);
        else if (notice) setNotice(undefined);
        return;
      }
      if (typing || !bucket || !prefix) return;
      if (e.key === 'Backspace' || (e.altKey && e.key === 'ArrowLeft')) {
        e.preventDefault();
        setPrefix(prefix.replace(/[^/]*\/$/, ''));
        setSelectedKey(undefined);
      }
    };
    document.addEventListener('keydown', onKey);
    return () => document.removeEventListener('keydown', onKey);
  }, [ask, selectedKey, dialog, notice, bucket, prefix]);

  // Information fades after a while; errors stay until dismissed.
  useEffect(() => {
    if (!notice || notice.error) return;
    const t = setTimeout(() => setNotice(undefined), 6000);
    return () => clearTimeout(t);
  }, [notice]);

  // A finished upload may change the folder on screen.
  const doneCount = transfers.filter((t) => t.status === 'done').length;
  useEffect(() => {
    if (doneCount) setListVersion((v) => v + 1);
  }, [doneCount]);

  const select = (acc: string, b?: string) => {
    setAccount(acc);
    setBucket(b);
    setPrefix('');
    setSelectedKey(undefined);
  };

  /**
   * Queues files for the folder on screen, however they came (drop, paste, the Upload button's
   * file dialog); `send` asks main, given what to do with names that already exist.
   */
  const queueUploads = async (send: (target: { account: string; bucket: string; prefix: string; onExisting: 'ask' | 'replace' | 'skip' }) => Promise<TransferView[]>) => {
    if (!account || !bucket) {
      setNotice({ text: 'Choose a bucket first: pick an account and a bucket on the left, then add your files again.', error: true });
      return;
    }
    const add = async (onExisting: 'ask' | 'replace' | 'skip') => {
      const added = await send({ account, bucket, prefix, onExisting });
      setNotice({ text: added.length ? `Uploading ${added.length} file${added.length === 1 ? '' : 's'} to ${bucket}/${prefix}` : 'Nothing new to upload: every file is already there.' });
    };
    try {
      await add('ask');
    } catch (err) {
      if (err instanceof ApiError && err.code === 'OBJECTS_EXIST') {
        // Asked in the window, not with a native dialog: the answer queues the rest.
        setAsk({
          text: err.message,
          answer: (choice) => {
            setAsk(undefined);
            add(choice).catch((again: unknown) => setNotice({ text: message(again), error: true }));
          },
        });
        return;
      }
      setNotice({ text: message(err), error: true });
    }
  };

  const onDrop = async (e: DragEvent) => {
    e.preventDefault();
    setDragging(false);
    const files = [...e.dataTransfer.files];
    if (files.length) await queueUploads((target) => call(ferry().addFiles(target, files)));
  };

  /** The Upload button: main's own file dialog, so keyboard and screen-reader users can upload too. */
  const pickAndUpload = async (kind: 'files' | 'folder') => {
    try {
      const paths = await call(ferry().pickFiles({ kind }));
      if (paths.length) await queueUploads((target) => call(ferry().addUploads({ ...target, paths })));
    } catch (err) {
      setNotice({ text: message(err), error: true });
    }
  };

  // Files copied in a file manager and pasted into the window upload like a drop.
  useEffect(() => {
    const onPaste = (e: ClipboardEvent) => {
      const files = [...(e.clipboardData?.files ?? [])];
      const target = e.target as HTMLElement | null;
      if (!files.length || target?.closest('input, textarea')) return;
      e.preventDefault();
      void queueUploads((t) => call(ferry().addFiles(t, files)));
    };
    document.addEventListener('paste', onPaste);
    return () => document.removeEventListener('paste', onPaste);
  });

  const savePrefs = async (patch: Partial<Prefs>) => {
    try {
      setPrefs(await call(ferry().setPrefs(patch)));
    } catch (err) {
      setNotice({ text: message(err), error: true });
    }
  };

  if (accounts === undefined) return <main className="loading">Loading…</main>;

  if (accounts.length === 0 || dialog) {
    const first = accounts.length === 0;
    return (
      <main className="setup">
        {first && (
          <div className="welcome">
            <h1>Welcome to Ferry</h1>
            <p>Add the S3-compatible storage you want to upload to. Ferry keeps your keys in the system keychain and uses them only from this computer.</p>
          </div>
        )}
        {presets.length > 0 && (
          <AccountForm
            presets={presets}
            headingLevel={first ? 2 : 1}
            {...(dialog?.kind === 'edit' ? { editing: dialog.account } : {})}
            onSaved={(a) => {
              void loadAccounts();
              // Stay on the form to show the connection test; Close leads on to the buckets.
              if (first) {
                select(a.name);
                setDialog({ kind: 'edit', account: a });
              }
              setBucketsVersion((v) => v + 1);
            }}
            onRemoved={(name) => {
              void loadAccounts().then((list) => {
                if (account === name) select(list[0]?.name ?? '');
              });
              setDialog(undefined);
            }}
            {...(dialog ? { onCancel: () => setDialog(undefined) } : {})}
          />
        )}
      </main>
    );
  }

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
        prefs={prefs}
        bucketsVersion={bucketsVersion}
        onSelect={select}
        onAddAccount={() => setDialog({ kind: 'add' })}
        onEditAccount={(a) => setDialog({ kind: 'edit', account: a })}
        onPrefs={(p) => void savePrefs(p)}
      />
      <main className="content">
        {ask && (
          <div className="notice confirm" role="alertdialog" aria-label="Files already there" aria-describedby="ask-text">
            <span id="ask-text">{ask.text}</span>
            <span>
              <button type="button" className="primary" onClick={() => ask.answer('replace')} autoFocus>
                Replace them
              </button>{' '}
              <button type="button" onClick={() => ask.answer('skip')}>
                Keep them, upload the others
              </button>
            </span>
          </div>
        )}
        {notice && (
          <div className={`notice${notice.error ? ' error' : ''}`} role={notice.error ? 'alert' : 'status'}>
            {notice.text}
            <button type="button" onClick={() => setNotice(undefined)} aria-label="Dismiss">
              ✕
            </button>
          </div>
        )}
        {account && bucket ? (
          <div className="workspace">
            <ObjectBrowser
              location={{ account, bucket, prefix }}
              selectedKey={selectedKey}
              refreshToken={listVersion}
              onNavigate={(p) => {
                setPrefix(p);
                setSelectedKey(undefined);
              }}
              onSelect={setSelectedKey}
              actions={
                <span className="upload-actions" role="group" aria-label="Upload">
                  <button type="button" className="primary" onClick={() => void pickAndUpload('files')}>
                    Upload files…
                  </button>
                  <button type="button" onClick={() => void pickAndUpload('folder')}>
                    Upload folder…
                  </button>
                </span>
              }
            />
            <div className="side-column">
              {selectedKey && prefs ? (
                <SharePanel
                  account={account}
                  bucket={bucket}
                  objectKey={selectedKey}
                  defaultExpirySeconds={prefs.defaultExpirySeconds}
                  onClose={() => setSelectedKey(undefined)}
                  onIssued={loadHistory}
                  onDeleted={() => {
                    setNotice({ text: `Deleted ${selectedKey}.` });
                    setSelectedKey(undefined);
                    setListVersion((v) => v + 1);
                  }}
                />
              ) : (
                <p className="hint card">Select a file to make a share link.</p>
              )}
              {!selectedKey && prefs && <SharingPanel account={account} bucket={bucket} prefix={prefix} defaultExpirySeconds={prefs.defaultExpirySeconds} />}
              <LinkHistory records={history} onPick={(r) => (select(r.account, r.bucket), setSelectedKey(r.key))} />
              <Unfinished account={account} bucket={bucket} refreshToken={listVersion} />
            </div>
          </div>
        ) : (
          <div className="empty big">
            <h2>{account ? 'Choose a bucket' : 'Choose an account'}</h2>
            <p>Pick a bucket on the left to see its files, or make a new one. Then drop files or folders anywhere on this window to upload them.</p>
            <LinkHistory records={history} onPick={(r) => (select(r.account, r.bucket), setSelectedKey(r.key))} />
          </div>
        )}
        <Transfers transfers={transfers} totals={totals} onClear={() => void clearFinished()} onError={(m) => setNotice({ text: m, error: true })} />
      </main>
      {dragging && (
        <div className="drop-overlay" aria-hidden>
          {bucket ? `Drop to upload to ${bucket}/${prefix}` : 'Choose a bucket first, then drop files here'}
        </div>
      )}
    </div>
  );
}
