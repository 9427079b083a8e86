import { useState } from 'react';
import type { AccountView, PresetView } from '../../../preload/contract';
import { AccountForm } from '../components/AccountForm';
import { Dialog } from '../ui/Dialog';

interface Props {
  presets: PresetView[];
  /** The account whose settings these are; none to add one. */
  editing?: AccountView;
  onSaved(account: AccountView, added: boolean): void;
  onRemoved(name: string): void;
  onClose(): void;
}

/**
 * Adding an account, or an account's settings. Once a new account is saved, the same dialog
 * becomes that account's settings (its name in the title, keys kept in the keychain), with the
 * connection test still on screen.
 */
export function AccountDialog({ presets, editing, onSaved, onRemoved, onClose }: Props) {
  const [saved, setSaved] = useState<AccountView | undefined>();
  const current = editing ?? saved;
  return (
    <Dialog title={current ? `Account “${current.name}”` : 'Add an account'} size="medium" onClose={onClose}>
      <AccountForm
        presets={presets}
        noHeading
        {...(current ? { editing: current } : {})}
        onSaved={(a) => {
          onSaved(a, !current);
          setSaved(a);
        }}
        onRemoved={onRemoved}
        onCancel={onClose}
      />
    </Dialog>
  );
}
