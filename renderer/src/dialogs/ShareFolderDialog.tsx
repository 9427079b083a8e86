import { useEffect, useState } from 'react';
import { call, ferry, message } from '../api';
import { useCopyLink } from '../ui/useCopyLink';
import { Dialog } from '../ui/Dialog';
import { MiddleName } from '../ui/MiddleName';

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
  useEffect(() => {
    let live = true;
    call(ferry().shareFolder({ account, bucket, prefix, expiresIn: defaultExpirySeconds })).then(
      (l) => live && setLink(l),
      (err: unknown) => live && setError(message(err)),
    );
    return () => {
      live = false;
    };
  }, [account, bucket, prefix, defaultExpirySeconds]);
  const where = `${bucket}/${prefix}`;
  return (
    <Dialog
      title="Share folder as one link"
      size="medium"
      onClose={onClose}
      actions={
        <>
          <button type="button" className="primary" disabled={!link} onClick={() => void copy()} data-autofocus>
            {copied ? 'Copied' : 'Copy link'}
          </button>
          <button type="button" onClick={onClose}>
            Done
          </button>
        </>
      }
    >
      <p>
        One page with a link to each file in <MiddleName name={where} className="strong" /> and below.
      </p>
      {!link && !error && <p role="status">Making the page…</p>}
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
