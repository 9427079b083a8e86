import { useEffect, useRef } from 'react';

/**
 * F5 and Ctrl+R (⌘R) refresh, wherever focus is in the window (not while a dialog is open).
 * Returns the ref to set to what refreshing does now.
 */
export function useRefreshKeys() {
  const run = useRef(() => {});
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.key !== 'F5' && !((e.ctrlKey || e.metaKey) && !e.shiftKey && !e.altKey && e.key.toLowerCase() === 'r')) return;
      if (document.querySelector('dialog[open]')) return;
      e.preventDefault();
      run.current();
    };
    document.addEventListener('keydown', onKey);
    return () => document.removeEventListener('keydown', onKey);
  }, []);
  return run;
}
