import { useState } from 'react';
import { message } from '../api';
import { useKeepFocus } from './useKeepFocus';

/** Runs a dialog's action: busy while it runs, its error shown in the dialog (which stays open). */
export function useRun() {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | undefined>();
  // The button pressed is disabled while the action runs; if the dialog stays open (an error), focus goes back to it.
  useKeepFocus(busy);
  const run = async (fn: () => Promise<void>) => {
    setBusy(true);
    setError(undefined);
    try {
      await fn();
    } catch (err) {
      setError(message(err));
    } finally {
      setBusy(false);
    }
  };
  const shown = error && (
    <p className="error" role="alert">
      {error}
    </p>
  );
  return { busy, run, error: shown, clearError: () => setError(undefined) };
}
