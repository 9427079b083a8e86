import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { ArrowDown, ArrowUp, ChevronRight } from 'lucide-react';
import { useRefreshKeys } from '../ui/useRefreshKeys';
import { revealRow, useVisibleRows } from '../ui/useVisibleRows';
import { leafName } from '../format';
import { useObjects, useSearch, type Location } from '../state/objects';
import { comparator, sortIncrementally, type SortCache, type SortKey } from '../state/sort';
import { Menu, type MenuItem } from '../ui/Menu';
import { objectMenu } from './objectMenu';
import { MiddleName } from '../ui/MiddleName';
import { BrowserTools } from './BrowserTools';
import { FileRow, type Row } from './FileRow';
import type { ObjectView } from '../../../preload/contract';

/** What can be done to selected objects and folders; App carries each out. */
export type ObjectAction = 'open' | 'download' | 'share' | 'copyLink' | 'rename' | 'move' | 'delete' | 'preview' | 'newFolder' | 'deleteBucket' | 'uploadFiles' | 'uploadFolder' | 'shareFolder' | 'askFiles' | 'unfinished';


interface Props {
  location: Location;
  refreshToken: number;
  /** Selected names: object keys, and folder prefixes (ending in "/"). */
  selection: string[];
  onSelection(names: string[]): void;
  onNavigate(prefix: string): void;
  onAction(action: ObjectAction, names: string[]): void;
}

const ROW = 34;
export const isMac = typeof navigator !== 'undefined' && /Mac/.test(navigator.platform);
export const mod = isMac ? '⌘' : 'Ctrl+';
/** How soon the next key must follow for type-ahead to go on with the same name. */
const TYPE_AHEAD_MS = 800;

/**
 * A bucket's folders and objects as a desktop file list: a toolbar, breadcrumbs, a search that
 * covers this folder or everything below it, sortable columns, and a virtualised grid that is one
 * Tab stop with arrow keys, Home/End, type-ahead, Shift/Ctrl selection, a right-click menu and
 * shortcuts (Enter, Delete, F2, Ctrl+C).
 */
export function ObjectBrowser({ location, refreshToken, selection, onSelection, onNavigate, onAction }: Props) {
  const { account, bucket, prefix } = location;
  const loc = useMemo(() => ({ account, bucket, prefix, refreshToken }), [account, bucket, prefix, refreshToken]);
  const listing = useObjects(loc);
  const [query, setQuery] = useState('');
  const [scope, setScope] = useState<'folder' | 'tree'>('folder');
  const search = useSearch(scope === 'tree' ? loc : undefined, scope === 'tree' ? query : '');
  const [sort, setSort] = useState<{ by: SortKey; descending: boolean }>({ by: 'name', descending: false });
  const [focus, setFocus] = useState(0);
  const [anchor, setAnchor] = useState(0);
  const [menu, setMenu] = useState<{ x: number; y: number; items: MenuItem[]; label: string } | undefined>();
  const gridRef = useRef<HTMLDivElement>(null);
  const typed = useRef({ text: '', at: 0 });

  const searching = scope === 'tree' && query.trim().length > 0;
  const sortCache = useRef<SortCache>({ source: [], sorted: [], key: '' });
  // One row object per listed object, made once: a page merged into 100,000 rows then costs a
  // pass over references, not 100,000 new objects (bench: no frame of a fast scroll is dropped).
  const rowCache = useRef(new WeakMap<ObjectView, Row>());
  const rowOf = (object: ObjectView): Row => {
    let row = rowCache.current.get(object);
    if (!row) rowCache.current.set(object, (row = { kind: 'object', name: object.key, object }));
    return row;
  };
  const rows = useMemo<Row[]>(() => {
    const order = comparator(sort.by, sort.descending);
    if (searching) return sortIncrementally(sortCache.current, search.objects, order, `search-${sort.by}-${sort.descending}`).map(rowOf);
    const f = query.trim().toLowerCase();
    const match = (name: string) => !f || leafName(name).toLowerCase().includes(f);
    // Folders first, as in a file manager; objects in the chosen order (of what is loaded so far).
    const sorted = sortIncrementally(sortCache.current, listing.objects, order, `${prefix}-${sort.by}-${sort.descending}`);
    const out: Row[] = [];
    for (const name of listing.folders) if (match(name)) out.push({ kind: 'folder', name });
    for (const o of sorted) if (o.key !== prefix && match(o.key)) out.push(rowOf(o));
    return out;
  }, [listing.folders, listing.objects, search.objects, searching, query, prefix, sort]);

  const reloadRef = useRefreshKeys();

  // A new folder starts at the top with nothing focused beyond the first row.
  useEffect(() => {
    setFocus(0);
    setAnchor(0);
    setQuery('');
    gridRef.current?.scrollTo({ top: 0 });
  }, [account, bucket, prefix]);

  const focusIndex = Math.min(focus, Math.max(0, rows.length - 1));
  const focused = rows[focusIndex];
  const selected = useMemo(() => new Set(selection), [selection]);
  const hasMore = searching ? search.hasMore : listing.hasMore;
  const loadMore = searching ? search.loadMore : listing.loadMore;
  const loading = searching ? search.loading : listing.loading;
  const error = searching ? search.error : listing.error;

  const { first, last, height, onScroll } = useVisibleRows(gridRef, rows.length, ROW, 400, hasMore ? loadMore : undefined);
  const slots = Math.ceil((last - first) / 16) * 16 || 16;

  /** Moves focus to a row (scrolling it into view) and selects as the keys say. */
  const moveTo = useCallback(
    (i: number, how: 'select' | 'extend' | 'keep') => {
      if (!rows.length) return;
      const j = Math.max(0, Math.min(rows.length - 1, i));
      setFocus(j);
      if (how === 'select') {
        setAnchor(j);
        onSelection([rows[j]!.name]);
      } else if (how === 'extend') {
        const [a, b] = anchor <= j ? [anchor, j] : [j, anchor];
        onSelection(rows.slice(a, b + 1).map((r) => r.name));
      }
      if (gridRef.current) revealRow(gridRef.current, j, ROW, ROW);
    },
    [rows, anchor, onSelection],
  );

  const open = (row: Row) => (row.kind === 'folder' ? onNavigate(row.name) : onAction('open', [row.name]));

  const menuFor = (target: string[]) => objectMenu(target, onAction, onNavigate);

  // The keyboard acts on the selection, or on the focused row when nothing is selected.
  const keyTargets = selection.length ? selection : focused ? [focused.name] : [];
  const onKeyDown = (e: React.KeyboardEvent) => {
    const ctrl = e.ctrlKey || e.metaKey;
    const page = Math.max(1, Math.floor(height / ROW) - 1);
    const how = e.shiftKey ? 'extend' : ctrl ? 'keep' : 'select';
    switch (e.key) {
      case 'ArrowDown':
        return (e.preventDefault(), moveTo(focusIndex + 1, how));
      case 'ArrowUp':
        return (e.preventDefault(), moveTo(focusIndex - 1, how));
      case 'PageDown':
        return (e.preventDefault(), moveTo(focusIndex + page, how));
      case 'PageUp':
        return (e.preventDefault(), moveTo(focusIndex - page, how));
      case 'Home':
        return (e.preventDefault(), moveTo(0, how));
      case 'End':
        return (e.preventDefault(), moveTo(rows.length - 1, how));
      case 'Enter':
        if (focused) {
          e.preventDefault();
          open(focused);
        }
        return;
      case ' ':
        e.preventDefault();
        // A space within a name being typed ("holiday v") is part of the type-ahead, not Quick look.
        if (!ctrl && typed.current.text && Date.now() - typed.current.at <= TYPE_AHEAD_MS) break;
        if (!focused) return;
        if (ctrl) onSelection(selected.has(focused.name) ? selection.filter((n) => n !== focused.name) : [...selection, focused.name]);
        else if (focused.kind === 'object') onAction('preview', [focused.name]);
        return;
      case 'Delete':
        if (keyTargets.length) {
          e.preventDefault();
          onAction('delete', keyTargets);
        }
        return;
      case 'Backspace':
        if (ctrl && keyTargets.length) {
          e.preventDefault();
          e.stopPropagation();
          onAction('delete', keyTargets);
        }
        return;
      case 'F2':
        if (focused) {
          e.preventDefault();
          onAction('rename', [selection.length === 1 ? selection[0]! : focused.name]);
        }
        return;
      case 'ContextMenu':
      case 'F10':
        if (e.key === 'F10' && !e.shiftKey) return;
        if (focused) {
          e.preventDefault();
          const box = gridRef.current?.getBoundingClientRect();
          setMenu({ x: (box?.left ?? 0) + 40, y: (box?.top ?? 0) + (focusIndex + 1) * ROW - (gridRef.current?.scrollTop ?? 0) + ROW, items: menuFor(keyTargets), label: 'Actions' });
        }
        return;
    }
    if (ctrl && e.key.toLowerCase() === 'a') {
      e.preventDefault();
      onSelection(rows.map((r) => r.name));
      return;
    }
    if (ctrl && e.key.toLowerCase() === 'c') {
      if (focused) {
          e.preventDefault();
          onAction('copyLink', keyTargets);
        }
      return;
    }
    // Type-ahead: letters typed quickly jump to the next name that starts with them.
    if (e.key.length === 1 && !ctrl && !e.altKey) {
      const now = Date.now();
      typed.current = { text: now - typed.current.at > TYPE_AHEAD_MS ? e.key.toLowerCase() : typed.current.text + e.key.toLowerCase(), at: now };
      const t = typed.current.text;
      const start = t.length === 1 ? focusIndex + 1 : focusIndex;
      for (let k = 0; k < rows.length; k++) {
        const i = (start + k) % rows.length;
        if (leafName(rows[i]!.name).toLowerCase().startsWith(t)) return moveTo(i, 'select');
      }
    }
  };

  const header = (by: SortKey, label: string, className: string) => (
    <div role="columnheader" className={className} aria-sort={sort.by === by ? (sort.descending ? 'descending' : 'ascending') : 'none'}>
      <button type="button" className="link" tabIndex={-1} onClick={() => setSort((s) => ({ by, descending: s.by === by ? !s.descending : false }))}>
        {label}
        {sort.by === by && (sort.descending ? <ArrowDown size={12} aria-hidden /> : <ArrowUp size={12} aria-hidden />)}
      </button>
    </div>
  );

  const crumbs = prefix.split('/').filter(Boolean);
  const reload = () => (searching ? search.reload() : listing.reload());
  reloadRef.current = reload;

  return (
    <section className="browser" aria-label={`Files in ${bucket}`}>
      <BrowserTools bucket={bucket} selection={selection} onAction={onAction} onMenu={setMenu} menuOpen={menu?.label} onRefresh={reload} onSort={setSort} query={query} onQuery={setQuery} scope={scope} onScope={setScope} />
      <nav aria-label="Folder path" className="crumbs">
        <button type="button" className="link" onClick={() => onNavigate('')} aria-current={crumbs.length === 0 ? 'location' : undefined}>
          <MiddleName name={bucket} />
        </button>
        {crumbs.map((c, i) => (
          <span key={i} className="crumb">
            <ChevronRight size={14} aria-hidden />
            <button type="button" className="link" onClick={() => onNavigate(`${crumbs.slice(0, i + 1).join('/')}/`)} aria-current={i === crumbs.length - 1 ? 'location' : undefined}>
              <MiddleName name={c} />
            </button>
          </span>
        ))}
      </nav>
      {error && (
        <p className="error list-error" role="alert">
          {error} <span className="hint">Ferry asks again every few seconds.</span>{' '}
          <button type="button" onClick={reload}>
            Retry
          </button>
        </p>
      )}
      <div
        ref={gridRef}
        className="grid"
        role="grid"
        aria-label={searching ? `Search results for ${query}` : `Folders and files in ${bucket}/${prefix}`}
        aria-multiselectable="true"
        aria-rowcount={rows.length + 1}
        aria-activedescendant={focused ? `row-${focusIndex}` : undefined}
        tabIndex={0}
        onKeyDown={onKeyDown}
        onScroll={onScroll}
      >
        <div role="row" className="grid-head" aria-rowindex={1}>
          {header('name', 'Name', 'name')}
          {header('size', 'Size', 'size')}
          {header('date', 'Modified', 'date')}
        </div>
        <div role="rowgroup" style={{ height: rows.length * ROW, position: 'relative' }}>
          {rows.slice(first, last).map((row, k) => {
            const i = first + k;
            const isSel = selected.has(row.name);
            const label = searching ? row.name.slice(prefix.length) : leafName(row.name);
            return (
              <FileRow
                // Keyed by slot, not by name: a row scrolled out gives its elements to the row
                // scrolled in, so a fast scroll through 100,000 rows changes text instead of
                // building and removing every row's elements each frame. The slot count moves in
                // steps of 16, so a row or two more in view does not reshuffle every slot.
                key={i % slots}
                row={row}
                index={i}
                height={ROW}
                label={label}
                selected={isSel}
                focused={i === focusIndex}
                onClick={(e) => {
                  gridRef.current?.focus();
                  if (e.shiftKey) moveTo(i, 'extend');
                  else if (e.ctrlKey || e.metaKey) {
                    setFocus(i);
                    setAnchor(i);
                    onSelection(isSel ? selection.filter((n) => n !== row.name) : [...selection, row.name]);
                  } else moveTo(i, 'select');
                }}
                onOpen={() => open(row)}
                onContextMenu={(e) => {
                  e.preventDefault();
                  gridRef.current?.focus();
                  if (!isSel) moveTo(i, 'select');
                  setFocus(i);
                  setMenu({ x: e.clientX, y: e.clientY, items: menuFor(isSel ? selection : [row.name]), label: 'Actions' });
                }}
              />
            );
          })}
        </div>
      </div>
      {!error && !loading && rows.length === 0 && (
          <div className="empty">
            <p>{searching ? `Nothing below this folder matches “${query}”.` : query ? 'Nothing in this folder matches the filter.' : 'This folder is empty.'}</p>
            {!query && <p className="hint">Drop files or folders anywhere on the window, paste them, or use Upload.</p>}
          </div>
        )}
      <p className="status" role="status">
        {loading ? (searching ? 'Searching…' : 'Loading…') : searching ? `${rows.length} found${search.hasMore ? ' so far (scroll for more)' : ''}` : `${rows.length} item${rows.length === 1 ? '' : 's'}${hasMore ? ' (more as you scroll)' : ''}${selection.length ? `, ${selection.length} selected` : ''}`}
      </p>
      {menu && <Menu label={menu.label} items={menu.items} at={menu} onClose={() => setMenu(undefined)} />}
    </section>
  );
}
