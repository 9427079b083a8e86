import { useEffect, useId, useRef, type ReactNode } from 'react';

interface Props {
  title: string;
  children: ReactNode;
  onClose(): void;
  /** Buttons at the foot of the dialog. */
  actions?: ReactNode;
  /** Wider dialogs for forms and previews. */
  size?: 'small' | 'medium' | 'large';
  /** Marks a dialog that asks before something cannot be undone. */
  alert?: boolean;
  describedBy?: string;
}

/**
 * A modal dialog on the platform's own <dialog>: showModal() makes the rest of the window inert,
 * keeps Tab inside, and Escape closes it. Focus goes to the first field or [autofocus] inside,
 * and back to where it was when the dialog closes.
 */
export function Dialog({ title, children, onClose, actions, size = 'small', alert, describedBy }: Props) {
  const ref = useRef<HTMLDialogElement>(null);
  const titleId = useId();
  const close = useRef(onClose);
  close.current = onClose;
  useEffect(() => {
    const d = ref.current;
    if (!d) return;
    const before = document.activeElement as HTMLElement | null;
    if (!d.open) d.showModal();
    const first = d.querySelector<HTMLElement>('[autofocus], [data-autofocus], input:not([type=hidden]), select, textarea, button.primary');
    first?.focus();
    const onCancel = (e: Event) => {
      e.preventDefault();
      close.current();
    };
    d.addEventListener('cancel', onCancel);
    return () => {
      d.removeEventListener('cancel', onCancel);
      if (d.open) d.close();
      // Back where the user was, if that is still on the page; if it went with what the dialog
      // did (a deleted file's inspector, a menu), to the list or the place on screen, never the body.
      if (before && document.contains(before)) before.focus();
      // Checked once the window has drawn what the dialog did.
      setTimeout(() => {
        if (before && document.contains(before)) {
          if (document.activeElement === document.body) before.focus();
          return;
        }
        // In this order of preference (one selector list would take the first in the page: the sidebar).
        for (const where of ['[role=grid]', '.place h2', '.empty.big button', '.sidebar button']) {
          const el = document.querySelector<HTMLElement>(where);
          if (el) return el.focus();
        }
      }, 0);
    };
  }, []);
  return (
    <dialog ref={ref} className={`dialog ${size}`} aria-labelledby={titleId} {...(describedBy ? { 'aria-describedby': describedBy } : {})} role={alert ? 'alertdialog' : 'dialog'}>
      <h2 id={titleId}>{title}</h2>
      <div className="dialog-body">{children}</div>
      {actions && <div className="dialog-actions">{actions}</div>}
    </dialog>
  );
}
