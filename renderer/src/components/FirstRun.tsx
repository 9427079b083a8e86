import type { AccountView, PresetView } from '../../../preload/contract';
import { AccountForm } from './AccountForm';

/**
 * The window before there is an account: a welcome and the form for the first one. Once it is
 * added, its connection test stays on screen until the user goes on (onGoOn).
 */
export function FirstRun({ presets, onSaved, onGoOn }: { presets: PresetView[]; onSaved(account: AccountView): void; onGoOn: (() => void) | undefined }) {
  return (
    <main className="setup">
      <div className="welcome">
        <h1>Welcome to Ferry</h1>
        <p>Add the S3-compatible storage you want to upload to. Ferry keeps your keys in the system keychain and uses them only from this computer.</p>
      </div>
      {presets.length > 0 && <AccountForm presets={presets} headingLevel={2} onSaved={onSaved} {...(onGoOn ? { onCancel: onGoOn } : {})} />}
    </main>
  );
}
