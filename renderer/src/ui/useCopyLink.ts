import { useState } from 'react';
import { call, ferry, message } from '../api';

/** Copying a link made in a dialog: whether it was copied (the button says "Copied"), and why not. */
export function useCopyLink(onError: (text: string) => void) {
  const [copied, setCopied] = useState(false);
  const copy = async (url: string | undefined) => {
    if (!url) return;
    try {
      await call(ferry().copyLink({ url }));
      setCopied(true);
    } catch (err) {
      onError(message(err));
    }
  };
  return { copied, copy };
}
