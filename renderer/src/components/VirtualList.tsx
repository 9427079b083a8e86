import { useEffect, useRef, useState, type ReactNode } from 'react';

interface Props<T> {
  items: T[];
  rowHeight: number;
  render(item: T, index: number): ReactNode;
  /** Called when the list is scrolled near its end (to load the next page). */
  onNearEnd?(): void;
  label: string;
}

/**
 * Renders only the rows in view (plus a few around them), so a list of 100,000 entries costs
 * the same to draw and scroll as a list of 30.
 */
export function VirtualList<T>({ items, rowHeight, render, onNearEnd, label }: Props<T>) {
  const ref = useRef<HTMLDivElement>(null);
  const [scrollTop, setScrollTop] = useState(0);
  const [height, setHeight] = useState(600);

  useEffect(() => {
    const el = ref.current;
    if (!el) return;
    const observer = new ResizeObserver(() => setHeight(el.clientHeight));
    observer.observe(el);
    return () => observer.disconnect();
  }, []);

  const overscan = 8;
  const first = Math.max(0, Math.floor(scrollTop / rowHeight) - overscan);
  const last = Math.min(items.length, Math.ceil((scrollTop + height) / rowHeight) + overscan);

  useEffect(() => {
    if (onNearEnd && last >= items.length - overscan) onNearEnd();
  }, [last, items.length, onNearEnd]);

  return (
    // Focusable, so a keyboard user can scroll it (one Tab stop for the whole list).
    <div ref={ref} className="virtual-list" role="list" aria-label={label} tabIndex={0} onScroll={(e) => setScrollTop(e.currentTarget.scrollTop)}>
      <div style={{ height: items.length * rowHeight, position: 'relative' }}>
        {items.slice(first, last).map((item, i) => (
          <div key={first + i} role="listitem" style={{ position: 'absolute', top: (first + i) * rowHeight, height: rowHeight, left: 0, right: 0 }}>
            {render(item, first + i)}
          </div>
        ))}
      </div>
    </div>
  );
}
