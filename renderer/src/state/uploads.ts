import { useEffect } from 'react';
import type { TransferView } from '../../../preload/contract';
import { ApiError, call, ferry } from '../api';
import type { Notice } from './notice';

type Choice = 'replace' | 'skip' | 'keep-both';
type Target = { account: string; bucket: string; prefix: string; onExisting: 'ask' | Choice };

/**
 * Files into the folder on screen, however they come: dropped (uploadFiles), pasted (listened
 * for here), or chosen in main's file dialog by the Upload button (pickAndUpload). Names that
 * already exist are asked about in the window.
 */
export function useUploads(
  where: { account: string | undefined; bucket: string | undefined; prefix: string },
  ui: {
    setNotice(notice: Notice): void;
    fail(err: unknown): void;
    /** Asks whether to replace files already there, keep them, or keep both; the answer queues the rest. */
    askReplace(text: string, answer: (choice: Choice) => void): void;
  },
) {
  const { account, bucket, prefix } = where;
  const { setNotice, fail } = ui;

  /**
   * Queues files for the folder on screen, however they came (drop, paste, the Upload button's
   * file dialog); `send` asks main, given what to do with names that already exist.
   */
  const queueUploads = async (send: (target: Target) => Promise<TransferView[]>) => {
    if (!account || !bucket) {
      setNotice({ text: 'Choose a bucket first: pick an account and a bucket on the left, then add your files again.', error: true });
      return;
    }
    const target = { account, bucket, prefix };
    const add = async (onExisting: 'ask' | Choice) => {
      const added = await send({ ...target, onExisting });
      if (!added.length) setNotice({ text: 'Nothing new to upload: every file is already there.' });
    };
    try {
      await add('ask');
    } catch (err) {
      if (err instanceof ApiError && err.code === 'OBJECTS_EXIST') {
        // Asked in the window, not with a native dialog: the answer queues the rest.
        ui.askReplace(err.message, (choice) => void add(choice).catch(fail));
        return;
      }
      fail(err);
    }
  };

  /** Files dropped on the window. */
  const uploadFiles = (files: File[]) => queueUploads((target) => call(ferry().addFiles(target, files)));

  /** The Upload button: main's own file dialog, so keyboard and screen-reader users can upload too. */
  const pickAndUpload = async (kind: 'files' | 'folder') => {
    try {
      const paths = await call(ferry().pickFiles({ kind }));
      if (paths.length) await queueUploads((target) => call(ferry().addUploads({ ...target, paths })));
    } catch (err) {
      fail(err);
    }
  };

  // Files copied in a file manager, or an image copied from anywhere, pasted into the window upload like a drop.
  useEffect(() => {
    const onPaste = (e: ClipboardEvent) => {
      const files = [...(e.clipboardData?.files ?? [])];
      // A paste into a text field is text; the event's target may also be the document itself.
      const target = e.target instanceof Element ? e.target : null;
      if (!files.length || target?.closest('input, textarea')) return;
      e.preventDefault();
      void queueUploads((t) => call(ferry().addFiles(t, files)));
    };
    document.addEventListener('paste', onPaste);
    return () => document.removeEventListener('paste', onPaste);
  });

  return { uploadFiles, pickAndUpload };
}
