import { useEffect, useRef } from 'react';

/**
 * A button disabled while its action runs drops focus to the page body. Once the action is over
 * (busy is false again and the button enabled), focus goes back to the control that had it, if
 * it is still there and nothing else took focus meanwhile: a failed Save, Make link or Delete
 * leaves the keyboard where the user was, in every dialog and panel that uses this.
 */
export function useKeepFocus(busy: boolean): void {
  const pressed = useRef<HTMLElement | null>(null);
  // Taken as busy turns on, while the control still has focus (disabled comes with the commit).
  if (busy && !pressed.current && typeof document !== 'undefined') pressed.current = document.activeElement as HTMLElement | null;
  // After the render that enables it again: a focus() on a disabled button does nothing.
  useEffect(() => {
    if (busy) return;
    const el = pressed.current;
    pressed.current = null;
    if (el && el !== document.body && document.contains(el) && (document.activeElement === document.body || !document.activeElement)) el.focus();
  }, [busy]);
}
