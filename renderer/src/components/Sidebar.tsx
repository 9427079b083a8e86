import { useEffect, useState, type FormEvent } from 'react';
import { Database, Inbox, Link2, Settings } from 'lucide-react';
import type { Place } from '../state/location';
import type { AccountView, BucketView } from '../../../preload/contract';
import { MiddleName } from '../ui/MiddleName';
import { Toolbar } from '../ui/Toolbar';
import { call, ferry, message } from '../api';

interface Props {
  accounts: AccountView[];
  selected: { account: string; bucket?: string } | undefined;
  bucketsVersion: number;
  onSelect(account: string, bucket?: string): void;
  /** The app's own places below the accounts, and which is shown. */
  place: Place;
  onPlace(place: Place): void;
  linkCount: number;
  onAddAccount(): void;
  onEditAccount(account: AccountView): void;
  onSettings(): void;
}

/** Accounts with their buckets, a way to make a bucket, and the way to Settings. */
export function Sidebar({ accounts, selected, bucketsVersion, onSelect, place, onPlace, linkCount, onAddAccount, onEditAccount, onSettings }: Props) {
  return (
    <nav className="sidebar" aria-label="Accounts and buckets">
      <h1 className="brand">Ferry</h1>
      {/* One Tab stop for the accounts and their actions (Up/Down move between them); each open
          account's buckets are a second one. */}
      <Toolbar label="Accounts" vertical role="group" className="account-list">
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
      </Toolbar>
      <h2 className="places-title">Sharing</h2>
      <Toolbar label="Places" vertical role="group" className="places">
        <button type="button" className={`place-button${place === 'links' ? ' selected' : ''}`} aria-current={place === 'links' ? 'page' : undefined} onClick={() => onPlace('links')}>
          <Link2 size={14} aria-hidden /> Links{linkCount > 0 && <span className="count"> {linkCount}</span>}
        </button>
        <button type="button" className={`place-button${place === 'requests' ? ' selected' : ''}`} aria-current={place === 'requests' ? 'page' : undefined} onClick={() => onPlace('requests')}>
          <Inbox size={14} aria-hidden /> Requests
        </button>
      </Toolbar>
      <button type="button" className="settings-button" onClick={onSettings}>
        <Settings size={16} aria-hidden /> Settings
      </button>
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
      // The new, empty bucket's list has focus: the place to drop or paste files next.
      setTimeout(() => document.querySelector<HTMLElement>('[role=grid]')?.focus(), 50);
    } catch (err) {
      setError(message(err));
    }
  };

  return (
    <div className={`account${open ? ' open' : ''}`}>
      <div className="account-head">
        <button type="button" className="account-name" aria-expanded={open} onClick={() => onSelect(undefined)}>
          <MiddleName name={account.name} />
          {account.untested && (
            <span className="untested" title="Saved without a passing connection test: no quick look, and its links do not open from here, until a test passes.">
              {' '}
              (untested)
            </span>
          )}
        </button>
        <button type="button" className="icon" onClick={onEdit} aria-label={`Settings for ${account.name}`} title="Account settings">
          <Settings size={16} aria-hidden />
        </button>
      </div>
      {open && (
        <div className="buckets">
          {buckets && buckets.length > 0 && (
            // One Tab stop for all the buckets; arrow keys move between them.
            <Toolbar label={`Buckets of ${account.name}`} vertical role="group" className="bucket-list">
              {buckets.map((b) => (
                <button key={b.name} type="button" className={`bucket${b.name === selectedBucket ? ' selected' : ''}`} aria-current={b.name === selectedBucket} onClick={() => onSelect(b.name)}>
                  <Database size={14} aria-hidden />
                  <MiddleName name={b.name} />
                </button>
              ))}
            </Toolbar>
          )}
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
