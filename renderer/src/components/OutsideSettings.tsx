import { useEffect, useId, useRef, useState, type KeyboardEvent } from 'react';
import type { AccountView, BucketView, DesktopState, Prefs, Requests } from '../../../preload/contract';
import { acceleratorOf, heldWords, isModifierOnly, osOf, shortcutWords, type Os } from '../accelerator';
import { call, ferry, message } from '../api';
import { useRun } from '../ui/useRun';

export type PrefsPatch = Requests['prefs:set'];

/** What the dialog shows: prefs as saved, with a cleared destination or shortcut as null until saved. */
type ShownPrefs = Omit<Prefs, 'destination' | 'shortcut'> & { destination?: Prefs['destination'] | null; shortcut?: string | null };

interface Props {
  prefs: ShownPrefs;
  /** Saves a change; throws (and the dialog shows the old value again) when it could not be made. */
  onChange(patch: PrefsPatch): Promise<void>;
}

/**
 * Ferry outside its window (issue 23): where files shared from the file manager, dock, tray or the
 * global shortcut go, the shortcut itself, start at login, file manager menu items, update checks,
 * and what the tray's capture uses. What this desktop cannot do is said, with what to do instead.
 */
export function OutsideSettings({ prefs, onChange }: Props) {
  const [desktop, setDesktop] = useState<DesktopState | undefined>();
  const [desktopError, setDesktopError] = useState<string | undefined>();
  const [os, setOs] = useState<Os>('linux');
  const [asked, setAsked] = useState<Partial<Record<DesktopState['fileManagers'][number]['id'], boolean>>>({});
  const { run, error } = useRun();
  const ids = useId();
  useEffect(() => {
    let live = true;
    call(ferry().desktopState()).then(
      (d) => live && setDesktop(d),
      (err: unknown) => live && setDesktopError(message(err)),
    );
    call(ferry().appInfo()).then(
      (info) => live && setOs(osOf(info.platform)),
      () => {},
    );
    return () => {
      live = false;
    };
  }, []);
  const refresh = async () => setDesktop(await call(ferry().desktopState()));

  return (
    <fieldset className="outside">
      <legend>Outside the window</legend>
      <small>For files shared from the file manager, the dock, the tray and the global shortcut.</small>
      <DestinationField prefs={prefs} onChange={onChange} />
      {desktopError && (
        <p className="error" role="alert">
          Ferry could not see what this desktop allows: {desktopError}
        </p>
      )}
      {!desktop && !desktopError && <small role="status">Looking at what this desktop allows…</small>}
      {desktop && (
        <>
          <ShortcutField prefs={prefs} onChange={onChange} state={desktop.shortcut} os={os} onSaved={refresh} />
          <div className="check-with-hint">
            <label className="check">
              <input
                type="checkbox"
                checked={prefs.openAtLogin === true}
                disabled={!desktop.openAtLogin.supported}
                aria-describedby={`${ids}-login`}
                onChange={(e) => {
                  const on = e.target.checked;
                  void run(async () => {
                    try {
                      await onChange({ openAtLogin: on });
                    } finally {
                      await refresh();
                    }
                  });
                }}
              />{' '}
              Start Ferry at login
            </label>
            <small id={`${ids}-login`}>{desktop.openAtLogin.supported ? `Through ${desktop.openAtLogin.how}.` : `Not on this desktop: ${desktop.openAtLogin.how}.`}</small>
          </div>
          {desktop.fileManagers.length > 0 && (
            <div className="check-with-hint" role="group" aria-labelledby={`${ids}-fm`}>
              <span id={`${ids}-fm`}>File manager menus</span>
              {desktop.fileManagers.map((fm) => (
                <label className="check" key={fm.id}>
                  <input
                    type="checkbox"
                    checked={asked[fm.id] ?? fm.installed}
                    disabled={!fm.present}
                    aria-describedby={`${ids}-fm-hint`}
                    onChange={(e) => {
                      const on = e.target.checked;
                      // Shown as asked while the desktop answers; then as it is (the answer, or as before when it failed).
                      setAsked((a) => ({ ...a, [fm.id]: on }));
                      void run(async () => {
                        try {
                          setDesktop(await call(ferry().setFileManagerItem({ id: fm.id, on })));
                        } finally {
                          setAsked(({ [fm.id]: _done, ...rest }) => rest);
                        }
                      });
                    }}
                  />{' '}
                  <span>
                    Add “Share with Ferry” to {fm.label}
                    {!fm.present && <span className="hint"> (not installed)</span>}
                  </span>
                </label>
              ))}
              <small id={`${ids}-fm-hint`}>Right-click files there and choose “Share with Ferry”: they go to the destination above.</small>
            </div>
          )}
          <small>{captureWords(desktop.capture, os)}</small>
        </>
      )}
      <div className="check-with-hint">
        <label className="check">
          <input type="checkbox" checked={prefs.checkForUpdates !== false} aria-describedby={`${ids}-updates`} onChange={(e) => void run(() => onChange({ checkForUpdates: e.target.checked }))} /> Check for updates
        </label>
        <small id={`${ids}-updates`}>At start and once a day. A new version is checked against Ferry’s signature, then waits for “Restart to update” in the tray; nothing installs by itself.</small>
      </div>
      {error}
    </fieldset>
  );
}

function captureWords(capture: string | undefined, os: Os): string {
  if (capture) return `The tray’s “Capture an area and share” uses ${capture}.`;
  if (os === 'linux') return 'No screenshot tool was found, so the tray cannot capture an area: install gnome-screenshot, or grim and slurp (Sway and other wlroots desktops), then open Settings again.';
  return 'The tray’s “Capture an area and share” is not available on this system.';
}

/** "photos/2024" → "photos/2024/": a folder in the bucket, never starting with a slash. */
function folderOf(raw: string): string {
  const parts = raw.trim().split('/').filter((p) => p.trim() !== '');
  return parts.length ? `${parts.join('/')}/` : '';
}

/** The account's default destination: account, bucket and an optional folder, saved once a bucket is chosen. */
function DestinationField({ prefs, onChange }: Props) {
  const saved = prefs.destination ?? undefined;
  const ids = useId();
  const [accounts, setAccounts] = useState<AccountView[] | undefined>();
  const [account, setAccount] = useState(saved?.account ?? '');
  const [buckets, setBuckets] = useState<BucketView[] | undefined>();
  const [bucket, setBucket] = useState(saved?.bucket ?? '');
  const [folder, setFolder] = useState(saved?.prefix ?? '');
  const [listError, setListError] = useState<string | undefined>();
  const [accountsError, setAccountsError] = useState<string | undefined>();
  const { run, error } = useRun();

  useEffect(() => {
    let live = true;
    call(ferry().listAccounts()).then(
      (list) => live && setAccounts(list),
      (err: unknown) => live && setAccountsError(`Ferry could not list its accounts: ${message(err)}`),
    );
    return () => {
      live = false;
    };
  }, []);
  // The buckets of the account chosen, as the sidebar lists them (which also lets main accept the choice).
  useEffect(() => {
    setBuckets(undefined);
    setListError(undefined);
    if (!account) return;
    let live = true;
    call(ferry().listBuckets({ account })).then(
      (list) => live && setBuckets(list),
      (err: unknown) => live && setListError(`The buckets of ${account} could not be listed: ${message(err)}`),
    );
    return () => {
      live = false;
    };
  }, [account]);

  const save = (next: { account: string; bucket: string; prefix: string }) =>
    run(async () => {
      try {
        await onChange({ destination: { account: next.account, bucket: next.bucket, ...(next.prefix ? { prefix: next.prefix } : {}) } });
      } catch (err) {
        // The fields show what is saved again; the error says why the choice was not kept.
        setAccount(saved?.account ?? '');
        setBucket(saved?.bucket ?? '');
        setFolder(saved?.prefix ?? '');
        throw err;
      }
    });
  const clear = () =>
    run(async () => {
      await onChange({ destination: null });
      setAccount('');
      setBucket('');
      setFolder('');
    });

  const gone = saved && accounts && !accounts.some((a) => a.name === saved.account);
  const status = saved
    ? `Shared files go to ${saved.bucket}/${saved.prefix ?? ''} in ${saved.account}.${gone ? ' That account is no longer in Ferry: choose another.' : ''}`
    : 'Not set: until you choose one, the tray, the global shortcut and the file manager ask where each file goes.';
  const bucketShown = bucket && !buckets?.some((b) => b.name === bucket);

  return (
    <fieldset>
      <legend>Where shared files go</legend>
      <small id={`${ids}-status`} role="status">
        {status}
      </small>
      {accounts && accounts.length === 0 ? (
        <small>Add an account first (the sidebar’s “+ Add account”).</small>
      ) : (
        <>
          <div className="row">
            <label>
              <span>Account</span>
              <select
                value={account}
                aria-describedby={`${ids}-status`}
                onChange={(e) => {
                  setAccount(e.target.value);
                  setBucket('');
                }}
              >
                <option value="">Choose…</option>
                {saved && gone && <option value={saved.account}>{saved.account} (removed)</option>}
                {accounts?.map((a) => (
                  <option key={a.name} value={a.name}>
                    {a.name}
                  </option>
                ))}
              </select>
            </label>
            <label>
              <span>Bucket</span>
              <select
                value={bucket}
                disabled={!account}
                onChange={(e) => {
                  const b = e.target.value;
                  setBucket(b);
                  if (b) void save({ account, bucket: b, prefix: folderOf(folder) });
                }}
              >
                <option value="">{!account ? 'Account first' : buckets ? 'Choose…' : listError ? 'Not listed' : 'Loading…'}</option>
                {bucketShown && <option value={bucket}>{bucket}</option>}
                {buckets?.map((b) => (
                  <option key={b.name} value={b.name}>
                    {b.name}
                  </option>
                ))}
              </select>
            </label>
          </div>
          <label>
            <span>Folder in the bucket (optional)</span>
            <input
              value={folder}
              placeholder="top level"
              aria-describedby={`${ids}-folder`}
              onChange={(e) => setFolder(e.target.value)}
              onKeyDown={(e) => e.key === 'Enter' && e.currentTarget.blur()}
              onBlur={() => {
                const prefix = folderOf(folder);
                setFolder(prefix);
                if (account && bucket && (account !== saved?.account || bucket !== saved?.bucket || prefix !== (saved?.prefix ?? ''))) void save({ account, bucket, prefix });
              }}
            />
            <small id={`${ids}-folder`}>Such as screenshots/ — it is made when the first file arrives.</small>
          </label>
          {saved && (
            <button type="button" className="self-start" onClick={() => void clear()}>
              Clear destination
            </button>
          )}
        </>
      )}
      {(accountsError ?? listError) && (
        <p className="error" role="alert">
          {accountsError ?? listError}
        </p>
      )}
      {error}
    </fieldset>
  );
}

/**
 * The global shortcut that shares the clipboard. Focused, the field records the next key
 * combination; Escape stops recording, Backspace or Delete turns the shortcut off, Tab moves on.
 * Where the desktop gives apps no global shortcuts, it says so and shows the command its own
 * keyboard settings can run instead.
 */
function ShortcutField({ prefs, onChange, state, os, onSaved }: Props & { state: DesktopState['shortcut']; os: Os; onSaved(): Promise<void> }) {
  const ids = useId();
  const [recording, setRecording] = useState(false);
  const [held, setHeld] = useState('');
  const [copied, setCopied] = useState('');
  const command = useRef<HTMLElement>(null);
  const { run, error, clearError } = useRun();
  const current = prefs.shortcut || undefined;

  const use = (accelerator: string | null) =>
    run(async () => {
      try {
        await onChange({ shortcut: accelerator });
      } finally {
        await onSaved();
      }
    });

  const onKeyDown = (e: KeyboardEvent<HTMLInputElement>) => {
    const plain = !e.ctrlKey && !e.altKey && !e.metaKey && !e.shiftKey;
    if (e.key === 'Tab' && !e.ctrlKey && !e.altKey && !e.metaKey) return;
    if (!recording) {
      if (e.key === 'Enter' || e.key === ' ') {
        e.preventDefault();
        setRecording(true);
      }
      return;
    }
    // While recording, keys are the shortcut, not the dialog's (Escape must not close it).
    e.preventDefault();
    e.stopPropagation();
    if (e.key === 'Escape' && plain) {
      setRecording(false);
      setHeld('');
      return;
    }
    if ((e.key === 'Backspace' || e.key === 'Delete') && plain) {
      setRecording(false);
      setHeld('');
      if (current) void use(null);
      return;
    }
    if (isModifierOnly(e)) {
      setHeld(heldWords(e, os));
      return;
    }
    const accelerator = acceleratorOf(e, os);
    if (accelerator instanceof Error) {
      void run(() => Promise.reject(accelerator));
      return;
    }
    setRecording(false);
    setHeld('');
    clearError();
    if (accelerator !== current) void use(accelerator);
  };

  const copyCommand = () => {
    const el = command.current;
    if (!el) return;
    const range = document.createRange();
    range.selectNodeContents(el);
    const selection = getSelection();
    selection?.removeAllRanges();
    selection?.addRange(range);
    let ok: boolean;
    try {
      // The page may not use the asynchronous clipboard (Ferry grants web content no permissions); a copy of the selection needs none.
      ok = document.execCommand('copy');
    } catch {
      ok = false;
    }
    setCopied(ok ? 'Copied to the clipboard.' : `Selected: press ${os === 'mac' ? '⌘C' : 'Ctrl+C'} to copy it.`);
  };

  const shown = recording ? held || 'Press the keys…' : current ? shortcutWords(current, os) : 'Off';
  const describedBy = [`${ids}-hint`, current && state.works && !state.active ? `${ids}-inactive` : ''].filter(Boolean).join(' ');
  return (
    <div className="shortcut-field">
      <label htmlFor={`${ids}-field`}>Global shortcut to share the clipboard</label>
      <div className="inline">
        <input
          id={`${ids}-field`}
          className={`shortcut${recording ? ' recording' : ''}`}
          readOnly
          value={shown}
          disabled={!state.works}
          aria-describedby={describedBy}
          onFocus={() => setRecording(true)}
          onBlur={() => {
            setRecording(false);
            setHeld('');
          }}
          onClick={() => setRecording(true)}
          onKeyDown={onKeyDown}
          onKeyUp={(e) => recording && setHeld(heldWords(e, os))}
        />
        {current && state.works && (
          <button type="button" onClick={() => void use(null)}>
            Turn off
          </button>
        )}
      </div>
      {state.works ? (
        <small id={`${ids}-hint`}>Click the field and press the keys together, such as {os === 'mac' ? '⇧⌘U' : 'Ctrl+Shift+U'}. Esc stops, Backspace turns the shortcut off.</small>
      ) : (
        <div id={`${ids}-hint`} className="command-box">
          <small>{state.why ?? 'This desktop gives apps no global shortcuts.'} Your desktop’s own keyboard settings can run this command on a shortcut you choose there:</small>
          <div className="inline">
            <code ref={command} className="command">
              {state.command}
            </code>
            <button type="button" onClick={copyCommand}>
              Copy command
            </button>
          </div>
          <small role="status">{copied}</small>
        </div>
      )}
      {current && state.works && !state.active && (
        <small id={`${ids}-inactive`} className="error">
          {shortcutWords(current, os)} is saved but not registered now: another app may hold it. Choose another, or quit that app and open Settings again.
        </small>
      )}
      {error}
    </div>
  );
}
