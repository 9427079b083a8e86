import { useState, type FormEvent } from 'react';
import { call, ferry, message } from '../api';
import { useCopyLink } from '../ui/useCopyLink';
import { Dialog } from '../ui/Dialog';
import { useKeepFocus } from '../ui/useKeepFocus';

interface Props {
  account: string;
  bucket: string;
  defaultExpirySeconds: number;
  onClose(): void;
  /** A request was made: the Requests view shows it. */
  onMade(): void;
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

/** "Ask for files…": a link through which others upload into a new folder of this bucket. */
export function AskForFilesDialog({ account, bucket, defaultExpirySeconds, onClose, onMade }: Props) {
  const [made, setMade] = useState<{ url: string; prefix: string; expiresAt: string; keepsDisposition?: boolean; private?: boolean } | undefined>();
  const [error, setError] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);
  useKeepFocus(busy);
  const { copied, copy: copyUrl } = useCopyLink(setError);
  const copy = () => copyUrl(made?.url);
  const [title, setTitle] = useState('');
  const [lifetime, setLifetime] = useState(LIFETIMES.find((l) => l.seconds === defaultExpirySeconds)?.seconds ?? 86_400);
  const [maxMiB, setMaxMiB] = useState(1024);
  const [accept, setAccept] = useState('');
  const [note, setNote] = useState('');
  const [encrypted, setEncrypted] = useState(false);

  const ask = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      const r = await call(ferry().requestFiles({ account, bucket, title, expiresIn: lifetime, maxBytes: Math.round(maxMiB * MiB), ...(accept ? { accept } : {}), ...(note.trim() ? { note: note.trim() } : {}), ...(encrypted ? { private: true } : {}) }));
      setMade({ url: r.url, prefix: r.request.prefix, expiresAt: r.request.expiresAt, ...(r.request.keepsDisposition !== undefined ? { keepsDisposition: r.request.keepsDisposition } : {}), ...(r.request.private ? { private: true } : {}) });
      onMade();
    } catch (err) {
      setError(message(err));
    } finally {
      setBusy(false);
    }
  };

  if (made) {
    return (
      <Dialog
        key="made"
        title="Request link made"
        size="medium"
        onClose={onClose}
        actions={
          <>
            <button type="button" className="primary" onClick={() => void copy()} data-autofocus>
              {copied ? 'Copied' : 'Copy link'}
            </button>
            <button type="button" onClick={onClose}>
              Done
            </button>
          </>
        }
      >
        <p role="status">
          Files sent through this link land in {bucket}/{made.prefix}, until {new Date(made.expiresAt).toLocaleString()}. Anyone with the link can add files there (and nowhere else); they cannot see what is in it.
        </p>
        {made.private && <p className="hint">Each file is encrypted in the sender’s browser, name included: the bucket holds only ciphertext, which only Ferry on this computer opens (Download, under File requests).</p>}
        {made.keepsDisposition === false && !made.private && <p className="hint">This server does not keep files sent this way marked as downloads. Open them from Ferry: its links make any file that could run as a web page a download.</p>}
        {error && (
          <p className="error" role="alert">
            {error}
          </p>
        )}
      </Dialog>
    );
  }
  return (
    <Dialog
      key="ask"
      title={`Ask for files in ${bucket}`}
      size="medium"
      onClose={onClose}
      actions={
        <>
          <button type="submit" form="ask-for-files" className="primary" disabled={busy}>
            Make request link
          </button>
          <button type="button" onClick={onClose}>
            Cancel
          </button>
        </>
      }
    >
      <form id="ask-for-files" onSubmit={(e) => void ask(e)} aria-label="Ask for files">
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
        <label className="check">
          <input type="checkbox" checked={encrypted} onChange={(e) => setEncrypted(e.target.checked)} aria-describedby="ask-private-what" /> Encrypt files in the sender’s browser (private)
        </label>
        <p className="hint" id="ask-private-what">
          Only Ferry on this computer can open what arrives; the storage provider sees sizes, not names or contents. Senders need a current browser.
        </p>
      </form>
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
    </Dialog>
  );
}
