import type { MouseEvent } from 'react';
import { File, Folder } from 'lucide-react';
import type { ObjectView } from '../../../preload/contract';
import { formatDate, formatListDate, formatSize } from '../format';
import { MiddleName } from '../ui/MiddleName';

export type Row = { kind: 'folder'; name: string } | { kind: 'object'; name: string; object: ObjectView };

interface Props {
  row: Row;
  index: number;
  height: number;
  /** The name as shown: the leaf, or the path below the folder in search results. */
  label: string;
  selected: boolean;
  focused: boolean;
  onClick(e: MouseEvent): void;
  onOpen(): void;
  onContextMenu(e: MouseEvent): void;
}

/** One row of the file list: name (cut in the middle), size, date. */
export function FileRow({ row, index, height, label, selected, focused, onClick, onOpen, onContextMenu }: Props) {
  return (
    <div
      id={`row-${index}`}
      role="row"
      aria-rowindex={index + 2}
      aria-selected={selected}
      className={`row ${row.kind}${selected ? ' selected' : ''}${focused ? ' focused' : ''}`}
      style={{ top: index * height, height }}
      onMouseDown={(e) => e.preventDefault()}
      onClick={onClick}
      onDoubleClick={onOpen}
      onContextMenu={onContextMenu}
    >
      <div role="gridcell" className="name">
        {row.kind === 'folder' ? <Folder size={16} aria-hidden className="kind" /> : <File size={16} aria-hidden className="kind" />}
        <MiddleName name={label} />
        {row.kind === 'folder' && <span className="sr-only">, folder</span>}
      </div>
      <div role="gridcell" className="size">
        {row.kind === 'object' ? formatSize(row.object.size) : ''}
      </div>
      <div role="gridcell" className="date" {...(row.kind === 'object' && row.object.lastModified ? { title: formatDate(row.object.lastModified) } : {})}>
        {row.kind === 'object' ? formatListDate(row.object.lastModified) : ''}
      </div>
    </div>
  );
}
