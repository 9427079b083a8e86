import { useEffect, useState, type FormEvent } from 'react';
import type { AccountView, BucketView, Prefs } from '../../../preload/contract';
import { call, ferry, message } from '../api';

interface Props {
  accounts: AccountView[];
  selected: { account: string; bucket?: string } | undefined;
  prefs: Prefs | undefined;
  bucketsVersion: number;
  onSelect(account: string, bucket?: string): void;
  onAddAccount(): void;
  onEditAccount(account: AccountView): void;
  onPrefs(patch: Partial<Prefs>): void;
}

/** Accounts with their buckets, a way to make a bucket, and the app's preferences. */
export function Sidebar({ accounts, selected, prefs, bucketsVersion, onSelect, onAddAccount, onEditAccount, onPrefs }: Props) {
  return (
    <nav className="sidebar" aria-label="Accounts and buckets">
      <h1 className="brand">Ferry</h1>
      {accounts.map((a) => (
        <AccountEntry
          key={a.name}
          account={a}
          open={selected?.account === a.name}
          selectedBucket={selected?.account === a.name ? selected.bucket : undefined}
          version={bucketsVersion}
          onSelect={(bucket) => onSelect(a.name, bucket)}
          onEdit={() => onEditAccount(a)}
        />
      ))}
      <button type="button" className="add-account" onClick={onAddAccount}>
        + Add account
      </button>
      {prefs && (
        <section className="prefs" aria-label="Preferences">
          <label>
            <input type="checkbox" checked={prefs.copyLinkOnUpload} onChange={(e) => onPrefs({ copyLinkOnUpload: e.target.checked })} /> Copy a share link when an upload finishes
          </label>
          <label>
            Default link lifetime
            <select value={prefs.defaultExpirySeconds} onChange={(e) => onPrefs({ defaultExpirySeconds: Number(e.target.value) })}>
              <option value={3600}>1 hour</option>
              <option value={86_400}>1 day</option>
              <option value={604_800}>7 days</option>
            </select>
          </label>
        </section>
      )}
    </nav>
  );
}

function AccountEntry(props: { account: AccountView; open: boolean; selectedBucket?: string; version: number; onSelect(bucket?: string): void; onEdit(): void }) {
  const { account, open, selectedBucket, version, onSelect, onEdit } = props;
  const [buckets, setBuckets] = useState<BucketView[] | undefined>();
  const [error, setError] = useState<string | undefined>();
  const [creating, setCreating] = useState(false);
  const [newName, setNewName] = useState('');

  useEffect(() => {
    if (!open) return;
    let live = true;
    setError(undefined);
    call(ferry().listBuckets({ account: account.name })).then(
      (b) => live && setBuckets(b),
      (err: unknown) => live && setError(message(err)),
    );
    return () => {
      live = false;
    };
  }, [open, account.name, version]);

  const create = async (e: FormEvent) => {
    e.preventDefault();
    setError(undefined);
    try {
      await call(ferry().createBucket({ account: account.name, bucket: newName.trim() }));
      setBuckets(await call(ferry().listBuckets({ account: account.name })));
      setCreating(false);
      setNewName('');
      onSelect(newName.trim());
    } catch (err) {
      setError(message(err));
    }
  };

  return (
    <div className={`account${open ? ' open' : ''}`}>
      <div className="account-head">
        <button type="button" className="account-name" aria-expanded={open} onClick={() => onSelect(undefined)}>
          {account.name}
        </button>
        <button type="button" className="icon" onClick={onEdit} aria-label={`Settings for ${account.name}`} title="Account settings">
          ⚙
        </button>
      </div>
      {open && (
        <div className="buckets">
          {buckets?.map((b) => (
            <button key={b.name} type="button" className={`bucket${b.name === selectedBucket ? ' selected' : ''}`} aria-current={b.name === selectedBucket} onClick={() => onSelect(b.name)}>
              {b.name}
            </button>
          ))}
          {buckets && buckets.length === 0 && <p className="hint">No buckets yet.</p>}
          {error && (
            <p className="error" role="alert">
              {error}
            </p>
          )}
          {creating ? (
            <form onSubmit={create} className="new-bucket">
              <input autoFocus aria-label="New bucket name" value={newName} onChange={(e) => setNewName(e.target.value)} placeholder="new-bucket-name" />
              <button type="submit">Create</button>
              <button type="button" onClick={() => setCreating(false)}>
                Cancel
              </button>
            </form>
          ) : (
            <button type="button" className="link" onClick={() => setCreating(true)}>
              + New bucket
            </button>
          )}
        </div>
      )}
    </div>
  );
}
