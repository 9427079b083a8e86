import { useEffect, useState, type FormEvent } from 'react';
import type { Prefs, PreviewView } from '../../../preload/contract';
import { call, ferry, message } from '../api';
import { shownName } from '../format';
import { Dialog } from '../ui/Dialog';
import { useRun } from '../ui/useRun';
import { OutsideSettings, type PrefsPatch } from './OutsideSettings';

/** Names what will go before anything is deleted: the files, and folders with everything in them. */
export function DeleteDialog({ account, bucket, names, onDone, onClose }: { account: string; bucket: string; names: string[]; onDone(deleted: number): void; onClose(): void }) {
  const { busy, run, error } = useRun();
  const folders = names.filter((n) => n.endsWith('/'));
  const what = names.length === 1 ? `“${shownName(names[0]!)}”${folders.length ? ' and everything in it' : ''}` : `${names.length} items${folders.length ? ` (${folders.length} folder${folders.length === 1 ? '' : 's'} with everything in them)` : ''}`;
  return (
    <Dialog
      title={`Delete ${names.length === 1 ? shownName(names[0]!) : `${names.length} items`}?`}
      alert
      describedBy="delete-what"
      onClose={onClose}
      actions={
        <>
          <button type="button" onClick={onClose} disabled={busy} data-autofocus>
            Keep
          </button>
          <button type="button" className="danger-solid" disabled={busy} onClick={() => void run(async () => onDone((await call(ferry().deleteObjects({ account, bucket, keys: names }))).deleted))}>
            {busy ? 'Deleting…' : 'Delete'}
          </button>
        </>
      }
    >
      <p id="delete-what">
        Delete {what} from {bucket}? This cannot be undone, and share links to {names.length === 1 && !folders.length ? 'it' : 'them'} stop working.
      </p>
      {names.length > 1 && (
        <ul className="names">
          {names.slice(0, 8).map((n) => (
            <li key={n}>{shownName(n)}{n.endsWith('/') ? '/' : ''}</li>
          ))}
          {names.length > 8 && <li>… and {names.length - 8} more</li>}
        </ul>
      )}
      {error}
    </Dialog>
  );
}

/** One text field and a button: new folder, rename, move. The error stays beside the field. */
export function NameDialog(props: { title: string; label: string; initial: string; action: string; help?: string; onSubmit(value: string): Promise<void>; onClose(): void }) {
  const [value, setValue] = useState(props.initial);
  const { busy, run, error } = useRun();
  const submit = (e: FormEvent) => {
    e.preventDefault();
    void run(() => props.onSubmit(value));
  };
  useEffect(() => {
    // Renaming selects the name without its extension, as file managers do.
    const input = document.querySelector<HTMLInputElement>('dialog[open] input[name=value]');
    if (!input) return;
    const dot = props.initial.lastIndexOf('.');
    input.setSelectionRange(0, dot > 0 ? dot : props.initial.length);
  }, [props.initial]);
  return (
    <Dialog title={props.title} onClose={props.onClose}>
      <form onSubmit={submit} className="stack">
        <label>
          <span>{props.label}</span>
          <input name="value" value={value} onChange={(e) => setValue(e.target.value)} autoFocus spellCheck={false} />
        </label>
        {props.help && <small>{props.help}</small>}
        {error}
        <div className="dialog-actions">
          <button type="button" onClick={props.onClose}>
            Cancel
          </button>
          <button type="submit" className="primary" disabled={busy}>
            {busy ? `${props.action}…` : props.action}
          </button>
        </div>
      </form>
    </Dialog>
  );
}

/** Deleting a bucket: an empty one at once; a full one only after its name is typed again. */
export function DeleteBucketDialog({ account, bucket, onDone, onClose }: { account: string; bucket: string; onDone(): void; onClose(): void }) {
  const [withContents, setWithContents] = useState(false);
  const [typed, setTyped] = useState('');
  const { busy, run, error } = useRun();
  const go = () =>
    void run(async () => {
      await call(ferry().deleteBucket({ account, bucket, ...(withContents ? { withContents: true, typedName: typed } : {}) }));
      onDone();
    });
  return (
    <Dialog
      title={`Delete the bucket ${bucket}?`}
      alert
      onClose={onClose}
      actions={
        <>
          <button type="button" onClick={onClose} data-autofocus>
            Keep it
          </button>
          <button type="button" className="danger-solid" disabled={busy || (withContents && typed !== bucket)} onClick={go}>
            {busy ? 'Deleting…' : withContents ? 'Delete bucket and contents' : 'Delete bucket'}
          </button>
        </>
      }
    >
      <p>The bucket and its name go. This cannot be undone.</p>
      <label className="check">
        <input type="checkbox" checked={withContents} onChange={(e) => setWithContents(e.target.checked)} /> Also delete everything in it (files, folders and unfinished uploads)
      </label>
      {withContents && (
        <label>
          <span>Type the bucket’s name to confirm</span>
          <input value={typed} onChange={(e) => setTyped(e.target.value)} spellCheck={false} autoComplete="off" placeholder={bucket} />
        </label>
      )}
      {error}
    </Dialog>
  );
}

/** A quick look at an image or the start of a text, fetched by main. */
export function PreviewDialog({ account, bucket, objectKey, onClose, onShare }: { account: string; bucket: string; objectKey: string; onClose(): void; onShare(): void }) {
  const [preview, setPreview] = useState<PreviewView | undefined>();
  const [url, setUrl] = useState<string | undefined>();
  const [error, setError] = useState<string | undefined>();
  useEffect(() => {
    let live = true;
    let made: string | undefined;
    call(ferry().previewObject({ account, bucket, key: objectKey })).then(
      (p) => {
        if (!live) return;
        setPreview(p);
        if (p.kind === 'image') {
          const bytes = Uint8Array.from(atob(p.base64), (c) => c.charCodeAt(0));
          made = URL.createObjectURL(new Blob([bytes], { type: p.contentType }));
          setUrl(made);
        }
      },
      (err: unknown) => live && setError(message(err)),
    );
    return () => {
      live = false;
      if (made) URL.revokeObjectURL(made);
    };
  }, [account, bucket, objectKey]);
  return (
    <Dialog
      title={shownName(objectKey)}
      size="large"
      onClose={onClose}
      actions={
        <>
          <button type="button" onClick={onShare}>
            Share…
          </button>
          <button type="button" className="primary" onClick={onClose} data-autofocus>
            Close
          </button>
        </>
      }
    >
      {!preview && !error && <p role="status">Loading…</p>}
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      {preview?.kind === 'image' && url && <img className="preview-image" src={url} alt={`Preview of ${shownName(objectKey)}`} />}
      {preview?.kind === 'text' && (
        <>
          <pre className="preview-text" tabIndex={0} aria-label={`Text of ${shownName(objectKey)}`}>
            {preview.text}
          </pre>
          {preview.truncated && <small>Showing the first 256 KB.</small>}
        </>
      )}
      {preview?.kind === 'none' && <p>{preview.reason}</p>}
    </Dialog>
  );
}

const LIFETIMES = [
  { label: '1 hour', seconds: 3600 },
  { label: '1 day', seconds: 86_400 },
  { label: '3 days', seconds: 259_200 },
  { label: '7 days', seconds: 604_800 },
];

/** Every setting of the app in one place. Each change is saved at once. */
export function SettingsDialog({ prefs: saved, onChange: save, onClose }: { prefs: Prefs; onChange(patch: PrefsPatch): Promise<void>; onClose(): void }) {
  // Shown changed at once; saved behind; put back if saving fails (the error says why).
  const [prefs, setPrefs] = useState(saved);
  const onChange = async (patch: Parameters<typeof save>[0]) => {
    const before = prefs;
    setPrefs((p) => ({ ...p, ...(patch as Partial<Prefs>) }));
    try {
      await save(patch);
    } catch (err) {
      setPrefs(before);
      throw err;
    }
  };
  const [part, setPart] = useState(prefs.partSizeMiB ? String(prefs.partSizeMiB) : '');
  const [conc, setConc] = useState(prefs.concurrency ? String(prefs.concurrency) : '');
  const [limit, setLimit] = useState(prefs.uploadLimitMiBps ? String(prefs.uploadLimitMiBps) : '');
  const rate = (raw: string): number | null => {
    if (!raw.trim()) return null;
    const n = Number(raw.replace(',', '.'));
    if (!Number.isFinite(n) || n < 0.1 || n > 10_240) throw new Error('The upload limit must be a number of MiB per second from 0.1 to 10240, or empty for no limit.');
    return Math.round(n * 10) / 10;
  };
  const { run, error } = useRun();
  const number = (raw: string, what: string, min: number, max: number): number | null => {
    if (!raw.trim()) return null;
    const n = Number(raw);
    if (!Number.isInteger(n) || n < min || n > max) throw new Error(`${what} must be a whole number from ${min} to ${max}, or empty to let Ferry choose.`);
    return n;
  };
  return (
    <Dialog title="Settings" size="medium" onClose={onClose} actions={<button type="button" className="primary" onClick={onClose}>Done</button>}>
      <div className="stack">
        <label>
          <span>Default link lifetime</span>
          <select value={prefs.defaultExpirySeconds} onChange={(e) => void run(() => onChange({ defaultExpirySeconds: Number(e.target.value) }))}>
            {!LIFETIMES.some((l) => l.seconds === prefs.defaultExpirySeconds) && <option value={prefs.defaultExpirySeconds}>{prefs.defaultExpirySeconds} seconds</option>}
            {LIFETIMES.map((l) => (
              <option key={l.seconds} value={l.seconds}>
                {l.label}
              </option>
            ))}
          </select>
          <small>Used by “Copy link”, the tray, and links copied after uploads.</small>
        </label>
        <label className="check">
          <input type="checkbox" checked={prefs.copyLinkOnUpload} onChange={(e) => void run(() => onChange({ copyLinkOnUpload: e.target.checked }))} /> Copy a share link when an upload of one file finishes
        </label>
        <label className="check">
          <input type="checkbox" checked={prefs.notifications !== false} onChange={(e) => void run(() => onChange({ notifications: e.target.checked }))} /> Notify me when uploads and downloads finish or fail
        </label>
        <label>
          <span>Appearance</span>
          <select value={prefs.theme ?? 'system'} onChange={(e) => void run(() => onChange({ theme: e.target.value as 'system' | 'light' | 'dark' }))}>
            <option value="system">Same as the system</option>
            <option value="light">Light</option>
            <option value="dark">Dark</option>
          </select>
        </label>
        <label>
          <span>Limit uploads while I work (MiB/s)</span>
          <input inputMode="decimal" value={limit} onChange={(e) => setLimit(e.target.value)} onBlur={() => void run(() => onChange({ uploadLimitMiBps: rate(limit) }))} placeholder="no limit" />
          <small>Shared by all uploads at once, so video calls and browsing keep their share. Empty for no limit.</small>
        </label>
        <OutsideSettings prefs={prefs} onChange={onChange} />
        <fieldset>
          <legend>Advanced: uploads</legend>
          <small>Leave empty to let Ferry choose for each file (about 32 parts of 8 to 64 MiB, 4 or 8 at a time).</small>
          <div className="row">
            <label>
              <span>Part size (MiB)</span>
              <input inputMode="numeric" value={part} onChange={(e) => setPart(e.target.value)} onBlur={() => void run(() => onChange({ partSizeMiB: number(part, 'The part size', 5, 5120) }))} placeholder="auto" />
            </label>
            <label>
              <span>Parts at a time</span>
              <input inputMode="numeric" value={conc} onChange={(e) => setConc(e.target.value)} onBlur={() => void run(() => onChange({ concurrency: number(conc, 'Parts at a time', 1, 64) }))} placeholder="auto" />
            </label>
          </div>
        </fieldset>
        {error}
      </div>
    </Dialog>
  );
}

/** The QR code at a size a phone can read across a desk. */
export function QrDialog({ svg, name, onClose }: { svg: string; name: string; onClose(): void }) {
  return (
    <Dialog title={`QR code for ${name}`} size="medium" onClose={onClose} actions={<button type="button" className="primary" onClick={onClose}>Close</button>}>
      <img className="qr-large" alt={`QR code of the link to ${name}`} src={`data:image/svg+xml;charset=utf-8,${encodeURIComponent(svg)}`} />
    </Dialog>
  );
}

