import type { AccountView, Prefs } from '../../../preload/contract';
import { FileSharePanel } from '../components/FileSharePanel';
import { ObjectBrowser, type ObjectAction } from '../components/ObjectBrowser';
import type { Modal } from '../components/Modals';
import { shownName } from '../format';

interface Props {
  account: string;
  bucket: string;
  prefix: string;
  accounts: AccountView[];
  prefs: Prefs | undefined;
  refreshToken: number;
  selection: string[];
  onSelection(names: string[]): void;
  onNavigate(prefix: string): void;
  onAction(action: ObjectAction, names: string[]): void;
  /** The file whose share inspector is open. */
  sharing: string | undefined;
  /** Changes each time sharing is asked for (the inspector takes focus). */
  shareAsked: number;
  onCloseInspector(): void;
  onIssued(): void;
  onModal(m: Modal): void;
}

/**
 * A bucket's files, filling the main area; the share inspector opens beside the list (over it
 * when the window is narrow) only while a file is being shared.
 */
export function Browser(props: Props) {
  const { account, bucket, prefix, accounts, prefs, refreshToken, selection, sharing, onModal } = props;
  return (
    <div className={`workspace${sharing ? ' with-panel' : ''}`}>
      <div className="list-column">
        <ObjectBrowser location={{ account, bucket, prefix }} refreshToken={refreshToken} selection={selection} onSelection={props.onSelection} onNavigate={props.onNavigate} onAction={props.onAction} />
      </div>
      {sharing && prefs && (
        <FileSharePanel
          account={account}
          bucket={bucket}
          objectKey={sharing}
          focusToken={props.shareAsked}
          defaultExpirySeconds={prefs.defaultExpirySeconds}
          onClose={props.onCloseInspector}
          onIssued={props.onIssued}
          onDelete={() => onModal({ kind: 'delete', names: [sharing] })}
          onRotateKeys={() => {
            const a = accounts.find((x) => x.name === account);
            if (a) onModal({ kind: 'editAccount', account: a });
          }}
          onEnlargeQr={(svg) => onModal({ kind: 'qr', svg, name: shownName(sharing) })}
        />
      )}
    </div>
  );
}
