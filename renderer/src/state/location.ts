import { useCallback, useState } from 'react';

/** What the main area shows: a bucket's files, every link issued, or every file request. */
export type Place = 'files' | 'links' | 'requests';

const focusList = () => setTimeout(() => document.querySelector<HTMLElement>('[role=grid]')?.focus(), 0);

/**
 * Where the window is: the place in the sidebar, the account, bucket and folder open, the
 * selection, and the file whose share inspector is open. Every move goes through here, so
 * leaving a folder always closes its inspector and clears its selection.
 */
export function useLocation() {
  const [place, setPlace] = useState<Place>('files');
  const [account, setAccount] = useState<string | undefined>();
  const [bucket, setBucket] = useState<string | undefined>();
  const [prefix, setPrefix] = useState('');
  const [selection, setSelection] = useState<string[]>([]);
  const [sharing, setSharing] = useState<string | undefined>();
  /** Counts the times sharing was asked for: the inspector takes focus then, not when it follows a rename. */
  const [shareAsked, setShareAsked] = useState(0);

  /** Opens the share inspector for a file of the folder on screen. */
  const share = useCallback((key: string) => {
    setSharing(key);
    setShareAsked((n) => n + 1);
  }, []);

  /** Opens an account (and a bucket of it) in the file list. */
  const select = useCallback((acc: string, b?: string, p = '') => {
    setPlace('files');
    setAccount(acc);
    setBucket(b);
    setPrefix(b ? p : '');
    setSelection([]);
    setSharing(undefined);
    // From a place (Requests' Show files, Links' New link…), whose button is gone with it: focus
    // goes to the list, unless something else (a dialog, the sidebar) has taken it meanwhile.
    if (b) {
      setTimeout(() => {
        const now = document.activeElement;
        if (!now || now === document.body) document.querySelector<HTMLElement>('[role=grid]')?.focus();
      }, 50);
    }
  }, []);

  /** Another folder of the open bucket; focus goes to its list. */
  const navigate = useCallback((p: string) => {
    setPrefix(p);
    setSelection([]);
    setSharing(undefined);
    focusList();
  }, []);

  /** A file's folder, the file selected and its share inspector open (from Links, a transfer, a request). */
  const reveal = useCallback((acc: string, b: string, key: string, share = true) => {
    setPlace('files');
    setAccount(acc);
    setBucket(b);
    setPrefix(key.slice(0, key.lastIndexOf('/') + 1));
    setSelection([key]);
    setSharing(share ? key : undefined);
    if (share) setShareAsked((n) => n + 1);
  }, []);

  /** Closes the share inspector; focus goes back to the list. */
  const closeInspector = useCallback(() => {
    setSharing(undefined);
    focusList();
  }, []);

  const openPlace = useCallback((p: Place) => {
    setPlace(p);
    setSharing(undefined);
    // Focus goes to the place's heading, so a screen reader says where the user is.
    setTimeout(() => document.querySelector<HTMLElement>('.place h2')?.focus(), 0);
  }, []);

  return { place, account, bucket, prefix, selection, sharing, shareAsked, share, select, navigate, reveal, closeInspector, openPlace, setSelection, setSharing, setPrefix };
}
