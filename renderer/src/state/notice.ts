import { useEffect, useState } from 'react';
import { message } from '../api';

/** A line at the top of the window: information, or an error. */
export type Notice = { text: string; error?: boolean };

/** The window's notice: information fades after a while; errors stay until dismissed. */
export function useNotice() {
  const [notice, setNotice] = useState<Notice | undefined>();
  useEffect(() => {
    if (!notice || notice.error) return;
    const t = setTimeout(() => setNotice(undefined), 6000);
    return () => clearTimeout(t);
  }, [notice]);
  /** Shows what went wrong, as main or the window worded it. */
  const fail = (err: unknown) => setNotice({ text: message(err), error: true });
  return { notice, setNotice, fail };
}
