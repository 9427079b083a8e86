import { useEffect, useRef, type ReactNode } from 'react';

export interface MenuItem {
  label: string;
  /** Shown at the right, e.g. "Del" or "Ctrl+C". */
  shortcut?: string;
  icon?: ReactNode;
  danger?: boolean;
  disabled?: boolean;
  run(): void;
}

interface Props {
  label: string;
  items: MenuItem[];
  /** Where the menu opens (a right-click's position, or under its button). */
  at: { x: number; y: number };
  onClose(): void;
}

/**
 * A menu of actions (right-click menu, or a toolbar button's menu): arrow keys, Home/End and
 * the first letter move between items, Enter runs one, Escape or a click elsewhere closes it and
 * focus goes back where it was.
 */
export function Menu({ label, items, at, onClose }: Props) {
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const before = document.activeElement as HTMLElement | null;
    ref.current?.querySelector<HTMLElement>('[role=menuitem]:not([aria-disabled=true])')?.focus();
    const away = (e: MouseEvent) => {
      if (!ref.current?.contains(e.target as Node)) onClose();
    };
    document.addEventListener('mousedown', away, true);
    return () => {
      document.removeEventListener('mousedown', away, true);
      if (before && document.contains(before)) before.focus();
    };
  }, [onClose]);
  // Kept inside the window, whatever its size.
  const style = { left: Math.max(4, Math.min(at.x, window.innerWidth - 244)), top: Math.max(4, Math.min(at.y, window.innerHeight - (items.length * 34 + 12))) };
  const onKey = (e: React.KeyboardEvent) => {
    const all = [...(ref.current?.querySelectorAll<HTMLElement>('[role=menuitem]:not([aria-disabled=true])') ?? [])];
    const i = all.indexOf(document.activeElement as HTMLElement);
    const go = (j: number) => all[(j + all.length) % all.length]?.focus();
    if (e.key === 'ArrowDown') go(i + 1);
    else if (e.key === 'ArrowUp') go(i - 1);
    else if (e.key === 'Home') go(0);
    else if (e.key === 'End') go(all.length - 1);
    else if (e.key === 'Escape' || e.key === 'Tab') onClose();
    else if (e.key.length === 1) {
      const k = e.key.toLowerCase();
      const from = all.slice(i + 1).concat(all.slice(0, i + 1));
      from.find((el) => el.textContent?.trim().toLowerCase().startsWith(k))?.focus();
    } else return;
    e.preventDefault();
    e.stopPropagation();
  };
  return (
    <div ref={ref} className="menu" role="menu" aria-label={label} style={style} onKeyDown={onKey}>
      {items.map((item) => (
        <button
          key={item.label}
          type="button"
          role="menuitem"
          tabIndex={-1}
          className={item.danger ? 'danger' : undefined}
          aria-disabled={item.disabled || undefined}
          onClick={() => {
            if (item.disabled) return;
            onClose();
            item.run();
          }}
        >
          <span className="menu-icon" aria-hidden>
            {item.icon}
          </span>
          <span className="menu-label">{item.label}</span>
          {item.shortcut && <kbd>{item.shortcut}</kbd>}
        </button>
      ))}
    </div>
  );
}
