import { useEffect, useState } from 'react';
import type { UnfinishedUploadView } from '../../../preload/contract';
import { call, ferry, message } from '../api';
import { formatDate, formatSize } from '../format';
import { Dialog } from '../ui/Dialog';

/**
 * Multipart uploads left unfinished in the bucket (by Ferry or any other tool): the provider
 * bills their parts until they are aborted. Looked up when the dialog opens (More → Unfinished
 * uploads…), since listing costs requests.
 */
export function UnfinishedDialog({ account, bucket, onClose }: { account: string; bucket: string; onClose(): void }) {
  const [items, setItems] = useState<UnfinishedUploadView[] | undefined>();
  const [error, setError] = useState<string | undefined>();
  const load = async () => {
    setError(undefined);
    try {
      setItems(await call(ferry().listUnfinished({ account, bucket })));
    } catch (err) {
      setError(message(err));
    }
  };
  // When the dialog opens.
  useEffect(() => void load(), [account, bucket]);
  const abort = async (u: UnfinishedUploadView) => {
    try {
      await call(ferry().abortUnfinished({ account, bucket, key: u.key, uploadId: u.uploadId }));
      setItems((list) => list?.filter((x) => x.uploadId !== u.uploadId));
    } catch (err) {
      setError(message(err));
    }
  };
  const shown = items;
  return (
    <Dialog
      title={`Unfinished uploads in ${bucket}`}
      size="medium"
      onClose={onClose}
      actions={
        <>
          <button type="button" onClick={() => void load()}>
            Check again
          </button>
          <button type="button" className="primary" onClick={onClose}>
            Done
          </button>
        </>
      }
    >
      <div className="unfinished">
      {!shown && !error && <p role="status">Looking…</p>}
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      {shown && shown.length === 0 && <p className="hint">None: nothing hidden is being billed in this bucket.</p>}
      {shown && shown.length > 0 && (
        <ul>
          {shown.map((u) => (
            <li key={u.uploadId}>
              <span title={u.key}>{u.key}</span>
              <small>
                {u.parts} parts, {formatSize(u.bytes)}, started {formatDate(u.initiated)}
              </small>
              <button type="button" onClick={() => void abort(u)} aria-label={`Abort unfinished upload of ${u.key}`}>
                Abort
              </button>
            </li>
          ))}
        </ul>
      )}
      </div>
    </Dialog>
  );
}
