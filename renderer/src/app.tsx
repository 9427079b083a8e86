import { useCallback, useEffect, useState, type DragEvent } from 'react';
import type { AccountView, LinkRecordView, Prefs, PresetView, TransferView } from '../../preload/contract';
import { describeDuration } from '../../preload/shared';
import { ApiError, call, ferry, message } from './api';
import { Unfinished } from './components/Unfinished';
import { AccountForm } from './components/AccountForm';
import { DeleteBucketDialog, DeleteDialog, NameDialog, PreviewDialog, QrDialog, SettingsDialog } from './components/Dialogs';
import { ObjectBrowser, type ObjectAction } from './components/ObjectBrowser';
import { FileSharePanel } from './components/FileSharePanel';
import { FolderSharePanel } from './components/FolderSharePanel';
import { IssuedLinks } from './components/IssuedLinks';
import { Sidebar } from './components/Sidebar';
import { Transfers } from './components/Transfers';
import { deletedBy, leafName, movedTo, shownName } from './format';
import { useTransfers } from './state/transfers';
import { Dialog } from './ui/Dialog';

/** What is open over the window: at most one dialog at a time. */
type Modal =
  | { kind: 'addAccount' }
  | { kind: 'editAccount'; account: AccountView }
  | { kind: 'settings' }
  | { kind: 'delete'; names: string[] }
  | { kind: 'rename'; name: string }
  | { kind: 'move'; names: string[] }
  | { kind: 'newFolder' }
  | { kind: 'newBucket' }
  | { kind: 'deleteBucket' }
  | { kind: 'preview'; key: string }
  | { kind: 'qr'; svg: string; name: string }
  | { kind: 'replace'; text: string; answer(choice: 'replace' | 'skip'): void };

type Notice = { text: string; error?: boolean };

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
  const [notice, setNotice] = useState<Notice | undefined>();
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

  // Information fades after a while; errors stay until dismissed.
  useEffect(() => {
    if (!notice || notice.error) return;
    const t = setTimeout(() => setNotice(undefined), 6000);
    return () => clearTimeout(t);
  }, [notice]);

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
  const fail = (err: unknown) => setNotice({ text: message(err), error: true });

  /**
   * Queues files for the folder on screen, however they came (drop, paste, the Upload button's
   * file dialog); `send` asks main, given what to do with names that already exist.
   */
  const queueUploads = async (send: (target: { account: string; bucket: string; prefix: string; onExisting: 'ask' | 'replace' | 'skip' }) => Promise<TransferView[]>) => {
    if (!account || !bucket) {
      setNotice({ text: 'Choose a bucket first: pick an account and a bucket on the left, then add your files again.', error: true });
      return;
    }
    const target = { account, bucket, prefix };
    const add = async (onExisting: 'ask' | 'replace' | 'skip') => {
      const added = await send({ ...target, onExisting });
      if (!added.length) setNotice({ text: 'Nothing new to upload: every file is already there.' });
    };
    try {
      await add('ask');
    } catch (err) {
      if (err instanceof ApiError && err.code === 'OBJECTS_EXIST') {
        // Asked in the window, not with a native dialog: the answer queues the rest.
        setModal({
          kind: 'replace',
          text: err.message,
          answer: (choice) => {
            setModal(undefined);
            add(choice).catch(fail);
          },
        });
        return;
      }
      fail(err);
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
      fail(err);
    }
  };

  // Files copied in a file manager, or an image copied from anywhere, pasted into the window upload like a drop.
  useEffect(() => {
    const onPaste = (e: ClipboardEvent) => {
      const files = [...(e.clipboardData?.files ?? [])];
      // A paste into a text field is text; the event's target may also be the document itself.
      const target = e.target instanceof Element ? e.target : null;
      if (!files.length || target?.closest('input, textarea')) return;
      e.preventDefault();
      void queueUploads((t) => call(ferry().addFiles(t, files)));
    };
    document.addEventListener('paste', onPaste);
    return () => document.removeEventListener('paste', onPaste);
  });

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
      <main className="setup">
        <div className="welcome">
          <h1>Welcome to Ferry</h1>
          <p>Add the S3-compatible storage you want to upload to. Ferry keeps your keys in the system keychain and uses them only from this computer.</p>
        </div>
        {presets.length > 0 && (
          <AccountForm
            presets={presets}
            headingLevel={2}
            onSaved={(a) => {
              setFirstAdded(a);
              select(a.name);
            }}
            {...(firstAdded
              ? {
                  onCancel: () => {
                    setFirstAdded(undefined);
                    void loadAccounts();
                    setBucketsVersion((v) => v + 1);
                  },
                }
              : {})}
          />
        )}
      </main>
    );
  }

  const modalView = (() => {
    if (!modal) return null;
    const close = () => setModal(undefined);
    switch (modal.kind) {
      case 'addAccount':
      case 'editAccount': {
        const editing = modal.kind === 'editAccount' ? modal.account : undefined;
        return (
          <Dialog title={editing ? `Account “${editing.name}”` : 'Add an account'} size="medium" onClose={close}>
            <AccountForm
              presets={presets}
              noHeading
              {...(editing ? { editing } : {})}
              onSaved={(a) => {
                void loadAccounts();
                if (!editing) select(a.name);
                setBucketsVersion((v) => v + 1);
              }}
              onRemoved={(name) => {
                void loadAccounts().then((list) => {
                  if (account === name) select(list[0]?.name ?? '');
                });
                close();
              }}
              onCancel={close}
            />
          </Dialog>
        );
      }
      case 'settings':
        return prefs ? <SettingsDialog prefs={prefs} onChange={savePrefs} onClose={close} /> : null;
      case 'replace':
        return (
          <Dialog
            title="Files already there"
            alert
            describedBy="replace-text"
            onClose={() => modal.answer('skip')}
            actions={
              <>
                <button type="button" onClick={() => modal.answer('skip')}>
                  Keep them, upload the others
                </button>
                <button type="button" className="primary" onClick={() => modal.answer('replace')} data-autofocus>
                  Replace them
                </button>
              </>
            }
          >
            <p id="replace-text">{modal.text}</p>
          </Dialog>
        );
      case 'qr':
        return <QrDialog svg={modal.svg} name={modal.name} onClose={close} />;
    }
    if (!account) return null;
    switch (modal.kind) {
      case 'newBucket':
        return (
          <NameDialog
            title="New bucket"
            label="Bucket name"
            initial=""
            action="Create"
            help="3 to 63 lower-case letters, digits, dots and hyphens; the name is shared by everyone on the service."
            onClose={close}
            onSubmit={async (name) => {
              await call(ferry().createBucket({ account, bucket: name.trim() }));
              close();
              setBucketsVersion((v) => v + 1);
              select(account, name.trim());
            }}
          />
        );
    }
    if (!bucket) return null;
    switch (modal.kind) {
      case 'delete':
        return (
          <DeleteDialog
            account={account}
            bucket={bucket}
            names={modal.names}
            onClose={close}
            onDone={(deleted) => {
              close();
              setSelection([]);
              if (sharing && deletedBy(sharing, modal.names)) setSharing(undefined);
              setNotice({ text: `Deleted ${deleted} object${deleted === 1 ? '' : 's'} from ${bucket}.` });
              refresh();
              document.querySelector<HTMLElement>('[role=grid]')?.focus();
            }}
          />
        );
      case 'rename': {
        const folder = modal.name.endsWith('/');
        const parent = modal.name.slice(0, modal.name.replace(/\/$/, '').lastIndexOf('/') + 1);
        return (
          <NameDialog
            title={`Rename ${shownName(modal.name)}`}
            label="New name"
            initial={leafName(modal.name)}
            action="Rename"
            {...(folder ? { help: 'Every file in the folder is copied to the new name, then the old ones are deleted.' } : {})}
            onClose={close}
            onSubmit={async (value) => {
              const clean = value.trim().replace(/\/+$/, '');
              if (!clean || clean.includes('/')) throw new Error('A name cannot be empty or contain "/". To put it in another folder, use Move to…');
              const to = `${parent}${clean}${folder ? '/' : ''}`;
              await call(ferry().moveObject({ account, bucket, from: modal.name, to }));
              close();
              setSelection([to]);
              if (sharing) setSharing(movedTo(sharing, modal.name, to) ?? sharing);
              setNotice({ text: `Renamed to ${clean}.` });
              refresh();
            }}
          />
        );
      }
      case 'move':
        return (
          <NameDialog
            title={`Move ${modal.names.length === 1 ? shownName(modal.names[0]!) : `${modal.names.length} items`}`}
            label={`Folder in ${bucket} to move to`}
            initial={prefix}
            action="Move"
            help="A folder path such as photos/2024/ (empty for the top of the bucket). Nothing is deleted until every copy is in place."
            onClose={close}
            onSubmit={async (value) => {
              const dest = value.trim().replace(/^\/+/, '');
              const folder = dest && !dest.endsWith('/') ? `${dest}/` : dest;
              let moved = 0;
              let followed = sharing;
              for (const name of modal.names) {
                const to = `${folder}${leafName(name)}${name.endsWith('/') ? '/' : ''}`;
                moved += (await call(ferry().moveObject({ account, bucket, from: name, to }))).moved;
                // The share panel follows the file wherever it went, as it does after Rename.
                if (followed) followed = movedTo(followed, name, to) ?? followed;
              }
              if (followed !== sharing) setSharing(followed);
              close();
              setSelection([]);
              setNotice({ text: `Moved ${moved} object${moved === 1 ? '' : 's'} to ${bucket}/${folder}.` });
              refresh();
            }}
          />
        );
      case 'newFolder':
        return (
          <NameDialog
            title="New folder"
            label={`Folder name, in ${bucket}/${prefix}`}
            initial=""
            action="Create"
            onClose={close}
            onSubmit={async (name) => {
              const made = await call(ferry().createFolder({ account, bucket, prefix, name }));
              close();
              refresh();
              setSelection([made.prefix]);
            }}
          />
        );
      case 'deleteBucket':
        return (
          <DeleteBucketDialog
            account={account}
            bucket={bucket}
            onClose={close}
            onDone={() => {
              close();
              setNotice({ text: `Deleted the bucket ${bucket}.` });
              setBucketsVersion((v) => v + 1);
              select(account);
            }}
          />
        );
      case 'preview':
        return (
          <PreviewDialog
            account={account}
            bucket={bucket}
            objectKey={modal.key}
            onClose={close}
            onShare={() => {
              close();
              setSharing(modal.key);
            }}
          />
        );
    }
    return null;
  })();

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
      {modalView}
      {dragging && (
        <div className="drop-overlay" aria-hidden>
          {bucket ? `Drop to upload to ${bucket}/${prefix}` : 'Choose a bucket first, then drop files here'}
        </div>
      )}
    </div>
  );
}
