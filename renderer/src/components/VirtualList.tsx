import { useLayoutEffect, useRef, useState, type ReactNode } from 'react';
import { revealRow, useVisibleRows } from '../ui/useVisibleRows';

interface Props<T> {
  items: T[];
  rowHeight: number;
  render(item: T, index: number): ReactNode;
  /** Names a row for screen readers when it has focus (its controls are read on their own). */
  rowLabel(item: T): string;
  /** Called when the list is scrolled near its end (to load the next page). */
  onNearEnd?(): void;
  label: string;
}

const controlsOf = (row: Element | null | undefined) => [...(row?.querySelectorAll<HTMLElement>('button:not(:disabled)') ?? [])];

/**
 * Renders only the rows in view (plus a few around them), so a list of 100,000 entries costs the
 * same to draw and scroll as a list of 30.
 *
 * The list is one Tab stop, however many rows and buttons it holds: Tab lands on the current row
 * (drawn even when scrolled away, so it keeps focus);
 * Up/Down, Page Up/Down and Home/End move between rows (scrolling rows into being as needed);
 * Right enters a row's buttons, Left and Escape go back to the row.
 */
export function VirtualList<T>({ items, rowHeight, render, rowLabel, onNearEnd, label }: Props<T>) {
  const ref = useRef<HTMLDivElement>(null);
  const { first, last, onScroll, sync } = useVisibleRows(ref, items.length, rowHeight, 600, onNearEnd);
  const [active, setActive] = useState(0);
  /** A row to focus once it is drawn (after a move that scrolled it into view). */
  const pending = useRef<number | undefined>(undefined);

  const current = Math.min(active, Math.max(0, items.length - 1));
  // The current row is always drawn, even scrolled out of view, so it keeps focus and stays the
  // list's Tab stop while the user scrolls.
  const drawn: number[] = [];
  if (items.length && current < first) drawn.push(current);
  for (let i = first; i < last; i++) drawn.push(i);
  if (items.length && current >= last) drawn.push(current);

  // Buttons inside rows are reached with the arrow keys, never with Tab.
  useLayoutEffect(() => {
    for (const b of controlsOf(ref.current)) b.tabIndex = -1;
    if (pending.current !== undefined) {
      const row = ref.current?.querySelector<HTMLElement>(`[data-row="${pending.current}"]`);
      if (row) {
        pending.current = undefined;
        row.focus({ preventScroll: true });
      }
    }
  });

  const moveTo = (i: number) => {
    const el = ref.current;
    if (!el || items.length === 0) return;
    const target = Math.max(0, Math.min(items.length - 1, i));
    setActive(target);
    revealRow(el, target, rowHeight);
    sync();
    const row = el.querySelector<HTMLElement>(`[data-row="${target}"]`);
    if (row) row.focus({ preventScroll: true });
    else pending.current = target;
  };

  const onKeyDown = (e: React.KeyboardEvent) => {
    const target = e.target as HTMLElement;
    const row = target.closest<HTMLElement>('[data-row]');
    const index = row ? Number(row.dataset.row) : current;
    const page = Math.max(1, Math.floor((ref.current?.clientHeight ?? rowHeight) / rowHeight) - 1);
    if (target !== row && row) {
      // On a button inside a row.
      const buttons = controlsOf(row);
      const at = buttons.indexOf(target);
      if (e.key === 'ArrowRight') buttons[Math.min(buttons.length - 1, at + 1)]?.focus();
      else if (e.key === 'ArrowLeft') (at > 0 ? buttons[at - 1] : row)?.focus();
      else if (e.key === 'Escape') row.focus();
      else if (e.key === 'ArrowDown') moveTo(index + 1);
      else if (e.key === 'ArrowUp') moveTo(index - 1);
      else return;
      e.preventDefault();
      e.stopPropagation();
      return;
    }
    if (e.key === 'ArrowDown') moveTo(index + 1);
    else if (e.key === 'ArrowUp') moveTo(index - 1);
    else if (e.key === 'PageDown') moveTo(index + page);
    else if (e.key === 'PageUp') moveTo(index - page);
    else if (e.key === 'Home') moveTo(0);
    else if (e.key === 'End') moveTo(items.length - 1);
    else if (e.key === 'ArrowRight' && row) controlsOf(row)[0]?.focus();
    else return;
    e.preventDefault();
  };

  return (
    <div
      ref={ref}
      className="virtual-list"
      role="list"
      aria-label={label}
      // Its current row is the Tab stop; a click on the list's blank space moves focus there.
      tabIndex={-1}
      onFocus={(e) => {
        if (e.target === e.currentTarget && items.length) moveTo(current);
      }}
      onScroll={onScroll}
      onKeyDown={onKeyDown}
    >
      <div style={{ height: items.length * rowHeight, position: 'relative' }}>
        {drawn.map((index) => {
          const item = items[index]!;
          return (
            <div
              key={index}
              role="listitem"
              data-row={index}
              aria-label={rowLabel(item)}
              aria-posinset={index + 1}
              aria-setsize={items.length}
              tabIndex={index === current ? 0 : -1}
              onFocus={(e) => {
                if (e.target === e.currentTarget || e.currentTarget.contains(e.target)) setActive(index);
              }}
              style={{ position: 'absolute', top: index * rowHeight, height: rowHeight, left: 0, right: 0 }}
            >
              {render(item, index)}
            </div>
          );
        })}
      </div>
    </div>
  );
}
