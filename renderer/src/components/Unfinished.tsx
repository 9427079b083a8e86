import { useState } from 'react';
import type { UnfinishedUploadView } from '../../../preload/contract';
import { call, ferry, message } from '../api';
import { formatDate, formatSize } from '../format';

/**
 * Multipart uploads left unfinished in the bucket (by Ferry or any other tool): the provider
 * bills their parts until they are aborted. Looked up on request, since listing costs requests.
 */
export function Unfinished({ account, bucket, refreshToken }: { account: string; bucket: string; refreshToken: number }) {
  const [items, setItems] = useState<UnfinishedUploadView[] | undefined>();
  const [error, setError] = useState<string | undefined>();
  const [forBucket, setForBucket] = useState('');
  const key = `${account}/${bucket}/${refreshToken}`;
  const load = async () => {
    setError(undefined);
    try {
      setItems(await call(ferry().listUnfinished({ account, bucket })));
      setForBucket(key);
    } catch (err) {
      setError(message(err));
    }
  };
  const abort = async (u: UnfinishedUploadView) => {
    try {
      await call(ferry().abortUnfinished({ account, bucket, key: u.key, uploadId: u.uploadId }));
      setItems((list) => list?.filter((x) => x.uploadId !== u.uploadId));
    } catch (err) {
      setError(message(err));
    }
  };
  const shown = forBucket === key ? items : undefined;
  return (
    <section className="card unfinished" aria-label="Unfinished uploads">
      <header>
        <h2>Unfinished uploads</h2>
        <button type="button" onClick={() => void load()}>
          {shown ? 'Check again' : 'Check'}
        </button>
      </header>
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
    </section>
  );
}
