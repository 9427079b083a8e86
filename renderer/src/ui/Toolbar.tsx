import { useEffect, useRef, type ReactNode } from 'react';

/**
 * A row (or, vertical, a column) of buttons that is one Tab stop: Tab enters at the last button used, arrow keys (and
 * Home/End) move between buttons, as in a desktop app's toolbar (WAI-ARIA toolbar pattern).
 */
export function Toolbar({ label, children, className = '', vertical = false, role = 'toolbar' }: { label: string; children: ReactNode; className?: string; vertical?: boolean; role?: 'toolbar' | 'group' }) {
  const ref = useRef<HTMLDivElement>(null);
  // Its own items only: not those of a menu, a form or a toolbar nested inside it (each of those
  // is a Tab stop of its own, with its own keys).
  const items = () =>
    [...(ref.current?.querySelectorAll<HTMLElement>('button:not(:disabled), input, select') ?? [])].filter((el) => el.parentElement?.closest('[data-toolbar], [role=menu], form') === ref.current);
  // After every render: exactly one item can be reached with Tab (the current one, or the first).
  useEffect(() => {
    const all = items();
    const current = all.find((el) => el.dataset.current === 'true') ?? all.find((el) => el.getAttribute('aria-current') === 'true') ?? all[0];
    for (const el of all) el.tabIndex = el === current ? 0 : -1;
  });
  const onFocus = (e: React.FocusEvent) => {
    for (const el of items()) {
      const here = el === e.target;
      el.dataset.current = String(here);
      el.tabIndex = here ? 0 : -1;
    }
  };
  const onKey = (e: React.KeyboardEvent) => {
    const target = e.target as HTMLElement;
    // Text fields keep their arrow keys.
    if (target.tagName === 'INPUT' && (e.key === 'ArrowLeft' || e.key === 'ArrowRight' || e.key === 'Home' || e.key === 'End')) return;
    if (target.tagName === 'SELECT' && (e.key === 'ArrowUp' || e.key === 'ArrowDown')) return;
    const all = items();
    const i = all.indexOf(target);
    if (i < 0) return;
    const go = (j: number) => all[(j + all.length) % all.length]?.focus();
    if (e.key === (vertical ? 'ArrowDown' : 'ArrowRight')) go(i + 1);
    else if (e.key === (vertical ? 'ArrowUp' : 'ArrowLeft')) go(i - 1);
    else if (e.key === 'Home') go(0);
    else if (e.key === 'End') go(all.length - 1);
    else return;
    e.preventDefault();
  };
  return (
    <div ref={ref} data-toolbar role={role} aria-label={label} {...(role === 'toolbar' && vertical ? { 'aria-orientation': 'vertical' as const } : {})} className={`${role === 'toolbar' ? 'toolbar ' : ''}${className}`} onFocus={onFocus} onKeyDown={onKey}>
      {children}
    </div>
  );
}
