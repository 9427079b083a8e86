import { useState } from 'react';
import { call, ferry, message } from '../api';
import { useCopyLink } from '../ui/useCopyLink';
import { Dialog } from '../ui/Dialog';
import { MiddleName } from '../ui/MiddleName';
import { useKeepFocus } from '../ui/useKeepFocus';

interface Props {
  account: string;
  bucket: string;
  prefix: string;
  defaultExpirySeconds: number;
  onClose(): void;
}

/** "Share folder as one link…": one page listing the folder's files, made when the dialog opens. */
export function ShareFolderDialog({ account, bucket, prefix, defaultExpirySeconds, onClose }: Props) {
  const [link, setLink] = useState<{ url: string; expiresAt: string; files: number } | undefined>();
  const [error, setError] = useState<string | undefined>();
  const { copied, copy: copyUrl } = useCopyLink(setError);
  const copy = () => copyUrl(link?.url);
  const [busy, setBusy] = useState(false);
  useKeepFocus(busy);
  // Nothing is published until the user asks: the page is public for as long as its links work.
  const make = async () => {
    setBusy(true);
    setError(undefined);
    try {
      setLink(await call(ferry().shareFolder({ account, bucket, prefix, expiresIn: defaultExpirySeconds })));
    } catch (err) {
      setError(message(err));
    } finally {
      setBusy(false);
    }
  };
  const where = `${bucket}/${prefix}`;
  return (
    <Dialog
      title="Share folder as one link"
      size="medium"
      onClose={onClose}
      actions={
        <>
          {link ? (
            <button type="button" className="primary" onClick={() => void copy()} data-autofocus>
              {copied ? 'Copied' : 'Copy link'}
            </button>
          ) : (
            <button type="button" className="primary" disabled={busy} onClick={() => void make()} data-autofocus>
              {busy ? 'Making the page…' : 'Make link'}
            </button>
          )}
          <button type="button" onClick={onClose}>
            {link ? 'Done' : 'Cancel'}
          </button>
        </>
      }
    >
      <p>
        One page with a link to each file in <MiddleName name={where} className="strong" /> and below.
      </p>
      {!link && <p className="hint">Anyone with the link can open the page and every file on it until it expires.</p>}
      {link && (
        <p role="status">
          {link.files} file{link.files === 1 ? '' : 's'}, until {new Date(link.expiresAt).toLocaleString()}. Files added later are not on the page.
        </p>
      )}
      {copied && (
        <p className="sr-only" role="status">
          Link copied to the clipboard.
        </p>
      )}
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
    </Dialog>
  );
}
