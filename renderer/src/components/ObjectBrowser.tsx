import { useMemo, useState, type ReactNode } from 'react';
import type { ObjectView } from '../../../preload/contract';
import { formatDate, formatSize, leafName } from '../format';
import { useObjects, type Location } from '../state/objects';
import { VirtualList } from './VirtualList';

type Row = { kind: 'folder'; prefix: string } | { kind: 'object'; object: ObjectView };

interface Props {
  location: Location;
  selectedKey: string | undefined;
  refreshToken: number;
  onNavigate(prefix: string): void;
  onSelect(key: string): void;
  /** Buttons for the folder on screen (Upload), shown in the bar. */
  actions?: ReactNode;
}

type SortKey = 'name' | 'size' | 'date';

/** A bucket's folders and objects: breadcrumbs, a filter, sortable columns, and a virtualised list loaded as you scroll. */
export function ObjectBrowser({ location, selectedKey, refreshToken, onNavigate, onSelect, actions }: Props) {
  const { account, bucket, prefix } = location;
  // A new object (and so a fresh listing) when the folder changes or a refresh is asked for.
  const loc = useMemo(() => ({ account, bucket, prefix, refreshToken }), [account, bucket, prefix, refreshToken]);
  const { folders, objects, hasMore, loading, error, reload, loadMore } = useObjects(loc);
  const [filter, setFilter] = useState('');
  const [sort, setSort] = useState<{ by: SortKey; descending: boolean }>({ by: 'name', descending: false });

  const rows = useMemo<Row[]>(() => {
    const f = filter.trim().toLowerCase();
    const match = (name: string) => !f || name.toLowerCase().includes(f);
    // Folders first, as in a file manager; objects in the chosen order (of what is loaded so far).
    const order = (a: ObjectView, b: ObjectView) => {
      const d =
        sort.by === 'size' ? a.size - b.size : sort.by === 'date' ? (a.lastModified ?? '').localeCompare(b.lastModified ?? '') : leafName(a.key).localeCompare(leafName(b.key), undefined, { numeric: true });
      return sort.descending ? -d : d;
    };
    return [
      ...folders.filter((p) => match(leafName(p))).map((prefix) => ({ kind: 'folder' as const, prefix })),
      ...objects
        .filter((o) => o.key !== location.prefix && match(leafName(o.key)))
        .sort(order)
        .map((object) => ({ kind: 'object' as const, object })),
    ];
  }, [folders, objects, filter, location.prefix, sort]);

  const header = (by: SortKey, label: string) => (
    <span>
      <button
        type="button"
        className="link"
        aria-label={`${label}${sort.by === by ? `, sorted ${sort.descending ? 'descending' : 'ascending'}` : ''}: sort by ${label.toLowerCase()}`}
        onClick={() => setSort((s) => ({ by, descending: s.by === by ? !s.descending : false }))}
      >
        {label}
        {sort.by === by ? (sort.descending ? ' ↓' : ' ↑') : ''}
      </button>
    </span>
  );

  const crumbs = location.prefix.split('/').filter(Boolean);

  return (
    <section className="browser" aria-label="Objects">
      <header className="browser-bar">
        <nav aria-label="Breadcrumbs" className="crumbs">
          <button type="button" className="link" onClick={() => onNavigate('')}>
            {location.bucket}
          </button>
          {crumbs.map((c, i) => (
            <span key={i}>
              {' / '}
              <button type="button" className="link" onClick={() => onNavigate(`${crumbs.slice(0, i + 1).join('/')}/`)}>
                {c}
              </button>
            </span>
          ))}
        </nav>
        {actions}
        <input className="filter" type="search" placeholder="Filter" aria-label="Filter by name" value={filter} onChange={(e) => setFilter(e.target.value)} />
        <button type="button" onClick={reload} aria-label="Refresh" title="Refresh">
          ↻
        </button>
      </header>
      <div className="list-head">
        {header('name', 'Name')}
        {header('size', 'Size')}
        {header('date', 'Modified')}
      </div>
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      {!error && !loading && rows.length === 0 && (
        <div className="empty">
          <p>{filter ? 'Nothing matches the filter.' : 'This folder is empty.'}</p>
          {!filter && <p className="hint">Drop files or folders anywhere on the window to upload them here.</p>}
        </div>
      )}
      <VirtualList
        label="Folders and objects"
        items={rows}
        rowHeight={34}
        onNearEnd={hasMore ? loadMore : undefined}
        render={(row) =>
          row.kind === 'folder' ? (
            <button type="button" className="row folder" onClick={() => onNavigate(row.prefix)}>
              <span className="name">📁 {leafName(row.prefix)}</span>
              <span />
              <span />
            </button>
          ) : (
            <button
              type="button"
              className={`row object${row.object.key === selectedKey ? ' selected' : ''}`}
              aria-pressed={row.object.key === selectedKey}
              onClick={() => onSelect(row.object.key)}
            >
              <span className="name">{leafName(row.object.key)}</span>
              <span className="size">{formatSize(row.object.size)}</span>
              <span className="date">{formatDate(row.object.lastModified)}</span>
            </button>
          )
        }
      />
      {loading && <p className="status">Loading…</p>}
    </section>
  );
}
