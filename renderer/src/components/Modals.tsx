import { BUCKET_NAME_RULE } from '../../../preload/shared';
import type { AccountView, Prefs, PresetView } from '../../../preload/contract';
import { call, ferry } from '../api';
import { deletedBy, leafName, movedTo, shownName } from '../format';
import type { Notice } from '../state/notice';
import { AccountDialog } from '../dialogs/AccountDialog';
import { AskForFilesDialog } from '../dialogs/AskForFilesDialog';
import { ShareFolderDialog } from '../dialogs/ShareFolderDialog';
import { UnfinishedDialog } from '../dialogs/UnfinishedDialog';
import { Dialog } from '../ui/Dialog';
import { DeleteBucketDialog, DeleteDialog, NameDialog, PreviewDialog, QrDialog, SettingsDialog } from './Dialogs';

/** What is open over the window: at most one dialog at a time. */
export type Modal =
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
  | { kind: 'shareFolder'; prefix?: string }
  | { kind: 'askFiles' }
  | { kind: 'unfinished' }
  | { kind: 'replace'; text: string; answer(choice: 'replace' | 'skip' | 'keep-both'): void };

interface Props {
  modal: Modal;
  onClose(): void;
  presets: PresetView[];
  prefs: Prefs | undefined;
  onSavePrefs: Parameters<typeof SettingsDialog>[0]['onChange'];
  /** Where the window is. */
  account: string | undefined;
  bucket: string | undefined;
  prefix: string;
  /** The file whose share panel is open. */
  sharing: string | undefined;
  onSharing(key: string | undefined): void;
  onSelection(names: string[]): void;
  onSelect(account: string, bucket?: string): void;
  onNotice(notice: Notice): void;
  /** The folder on screen changed. */
  onRefresh(): void;
  /** The buckets changed (or may have: an account was added or changed). */
  onBucketsChanged(): void;
  loadAccounts(): Promise<AccountView[]>;
  /** A file request was made. */
  onRequestsChanged(): void;
}

/** The dialog open over the window, and what its answer does there. */
export function ModalView({ modal, onClose: close, presets, prefs, onSavePrefs, account, bucket, prefix, sharing, onSharing, onSelection, onSelect, onNotice, onRefresh, onBucketsChanged, loadAccounts, onRequestsChanged }: Props) {
  switch (modal.kind) {
    case 'addAccount':
    case 'editAccount': {
      const editing = modal.kind === 'editAccount' ? modal.account : undefined;
      return (
        <AccountDialog
          presets={presets}
          {...(editing ? { editing } : {})}
          onSaved={(a, added) => {
            void loadAccounts();
            if (added) onSelect(a.name);
            onBucketsChanged();
          }}
          onRemoved={(name) => {
            void loadAccounts().then((list) => {
              if (account === name) onSelect(list[0]?.name ?? '');
            });
            close();
          }}
          onClose={close}
        />
      );
    }
    case 'settings':
      return prefs ? <SettingsDialog prefs={prefs} onChange={onSavePrefs} onClose={close} /> : null;
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
              <button type="button" onClick={() => modal.answer('keep-both')}>
                Keep both
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
          help={`${BUCKET_NAME_RULE[0]!.toUpperCase()}${BUCKET_NAME_RULE.slice(1)}; the name is shared by everyone on the service.`}
          onClose={close}
          onSubmit={async (name) => {
            await call(ferry().createBucket({ account, bucket: name.trim() }));
            close();
            onBucketsChanged();
            onSelect(account, name.trim());
            // The new, empty bucket's list has focus: the place to drop or paste files next.
            setTimeout(() => document.querySelector<HTMLElement>('[role=grid]')?.focus(), 50);
          }}
        />
      );
  }
  if (!bucket) return null;
  const expiry = prefs?.defaultExpirySeconds ?? 86_400;
  switch (modal.kind) {
    case 'shareFolder':
      return <ShareFolderDialog account={account} bucket={bucket} prefix={modal.prefix ?? prefix} defaultExpirySeconds={expiry} onClose={close} />;
    case 'unfinished':
      return <UnfinishedDialog account={account} bucket={bucket} onClose={close} />;
    case 'askFiles':
      return <AskForFilesDialog account={account} bucket={bucket} defaultExpirySeconds={expiry} onClose={close} onMade={onRequestsChanged} />;
    case 'delete':
      return (
        <DeleteDialog
          account={account}
          bucket={bucket}
          names={modal.names}
          onClose={close}
          onDone={(deleted) => {
            close();
            onSelection([]);
            if (sharing && deletedBy(sharing, modal.names)) onSharing(undefined);
            onNotice({ text: `Deleted ${deleted} object${deleted === 1 ? '' : 's'} from ${bucket}.` });
            onRefresh();
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
          // A share link names the object: after a rename it points at nothing (Links says so).
          help={`${folder ? 'Every file in the folder is copied to the new name, then the old ones are deleted. ' : ''}Share links made to the old name stop working.`}
          onClose={close}
          onSubmit={async (value) => {
            const clean = value.trim().replace(/\/+$/, '');
            if (!clean || clean.includes('/')) throw new Error('A name cannot be empty or contain "/". To put it in another folder, use Move to…');
            const to = `${parent}${clean}${folder ? '/' : ''}`;
            await call(ferry().moveObject({ account, bucket, from: modal.name, to }));
            close();
            onSelection([to]);
            if (sharing) onSharing(movedTo(sharing, modal.name, to) ?? sharing);
            onNotice({ text: `Renamed to ${clean}.` });
            onRefresh();
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
          help="A folder path such as photos/2024/ (empty for the top of the bucket). Nothing is deleted until every copy is in place. Share links made to the old place stop working."
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
            if (followed !== sharing) onSharing(followed);
            close();
            onSelection([]);
            onNotice({ text: `Moved ${moved} object${moved === 1 ? '' : 's'} to ${bucket}/${folder}.` });
            onRefresh();
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
            onRefresh();
            onSelection([made.prefix]);
            // Focus on the list, where the new folder is selected: arrow keys work at once.
            setTimeout(() => document.querySelector<HTMLElement>('[role=grid]')?.focus(), 50);
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
            onNotice({ text: `Deleted the bucket ${bucket}.` });
            onBucketsChanged();
            onSelect(account);
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
            onSharing(modal.key);
          }}
        />
      );
  }
  return null;
}
