import { useEffect, useState, type RefObject, type UIEvent } from 'react';

/** Rows drawn beyond the visible ones on each side, so a fast scroll never shows a gap. */
export const OVERSCAN = 8;

/**
 * Which rows of a scrolled list of fixed-height rows to draw: those in view and a few around them.
 * Follows the list's scroll position and its height (as the window is resized), and asks for more
 * (`onNearEnd`) once the drawn rows come near the end of what is loaded.
 */
export function useVisibleRows(ref: RefObject<HTMLElement | null>, count: number, rowHeight: number, initialHeight: number, onNearEnd?: () => void) {
  const [scrollTop, setScrollTop] = useState(0);
  const [height, setHeight] = useState(initialHeight);

  useEffect(() => {
    const el = ref.current;
    if (!el) return;
    const observer = new ResizeObserver(() => setHeight(el.clientHeight));
    observer.observe(el);
    return () => observer.disconnect();
  }, [ref]);

  const first = Math.max(0, Math.floor(scrollTop / rowHeight) - OVERSCAN);
  const last = Math.min(count, Math.ceil((scrollTop + height) / rowHeight) + OVERSCAN);

  useEffect(() => {
    if (onNearEnd && last >= count - OVERSCAN) onNearEnd();
  }, [last, count, onNearEnd]);

  return {
    first,
    last,
    height,
    onScroll: (e: UIEvent<HTMLElement>) => setScrollTop(e.currentTarget.scrollTop),
    /** Takes the scroll position now, after setting it from code, so the rows it shows are drawn in this render. */
    sync: () => setScrollTop(ref.current?.scrollTop ?? 0),
  };
}

/**
 * Scrolls a list just enough to show row `index` whole; `covered` is the height at the top that
 * the list's own sticky header hides.
 */
export function revealRow(el: HTMLElement, index: number, rowHeight: number, covered = 0): void {
  const top = index * rowHeight;
  const visible = el.clientHeight - covered;
  if (top < el.scrollTop) el.scrollTop = top;
  else if (top + rowHeight > el.scrollTop + visible) el.scrollTop = top + rowHeight - visible;
}
