import type { ReactNode } from 'react';
import { Copy, Download, Eye, File, Folder, FolderInput, FolderTree, FolderPlus, Inbox, Link2, MoreHorizontal, PenLine, RefreshCw, Search, Share2, Trash2, Upload } from 'lucide-react';
import type { SortKey } from '../state/sort';
import type { MenuItem } from '../ui/Menu';
import { Toolbar } from '../ui/Toolbar';
import { leafName, shownName } from '../format';
import { isMac, type ObjectAction } from './ObjectBrowser';

interface Props {
  bucket: string;
  selection: string[];
  onAction(action: ObjectAction, names: string[]): void;
  /** Opens a menu under a toolbar button. */
  onMenu(menu: { x: number; y: number; items: MenuItem[]; label: string }): void;
  /** The label of the menu open now, if one is. */
  menuOpen: string | undefined;
  onRefresh(): void;
  onSort(update: (s: { by: SortKey; descending: boolean }) => { by: SortKey; descending: boolean }): void;
  query: string;
  onQuery(q: string): void;
  scope: 'folder' | 'tree';
  onScope(s: 'folder' | 'tree'): void;
}

/**
 * The file list's toolbar, one Tab stop (arrow keys move along it): what is done most often as
 * buttons (labels fold into icons when the window is narrow), the rest under More, then search.
 */
export function BrowserTools({ bucket, selection, onAction, onMenu, menuOpen, onRefresh, onSort, query, onQuery, scope, onScope }: Props) {
  const oneSelected = selection.length === 1 ? selection[0] : undefined;
  const oneFile = oneSelected && !oneSelected.endsWith('/') ? oneSelected : undefined;
  const tool = (label: string, icon: ReactNode, run: () => void, disabled = false, extra: Partial<{ className: string; shortcut: string }> = {}) => (
    <button type="button" className={`tool ${extra.className ?? ''}`} onClick={run} disabled={disabled} title={extra.shortcut ? `${label} (${extra.shortcut})` : label} aria-label={label} {...(extra.shortcut ? { 'aria-keyshortcuts': extra.shortcut } : {})}>
      {icon}
      <span className="tool-label">{label}</span>
    </button>
  );
  const act = (action: ObjectAction) => () => onAction(action, selection);
  const menuButton = (label: string, icon: ReactNode, items: MenuItem[], className = '') => (
    <button
      type="button"
      className={`tool ${className}`}
      aria-haspopup="menu"
      aria-expanded={menuOpen === label}
      aria-label={label}
      title={label}
      onClick={(e) => {
        const r = e.currentTarget.getBoundingClientRect();
        onMenu({ x: r.left, y: r.bottom + 2, items, label });
      }}
    >
      {icon}
      <span className="tool-label">{label}</span>
    </button>
  );
  return (
    <Toolbar label="File actions" className="browser-tools">
      {menuButton(
        'Upload',
        <Upload size={16} aria-hidden />,
        [
          { label: 'Upload files…', icon: <File size={16} />, run: () => onAction('uploadFiles', []) },
          { label: 'Upload a folder…', icon: <Folder size={16} />, run: () => onAction('uploadFolder', []) },
        ],
        'primary',
      )}
      {tool('New folder', <FolderPlus size={16} aria-hidden />, act('newFolder'))}
      {tool('Download', <Download size={16} aria-hidden />, act('download'), !selection.length)}
      {tool('Copy link', <Copy size={16} aria-hidden />, act('copyLink'), !oneFile, { shortcut: `${isMac ? 'Meta' : 'Control'}+C` })}
      {tool('Share…', <Share2 size={16} aria-hidden />, act('share'), !oneFile, { shortcut: 'Enter' })}
      {tool('Delete', <Trash2 size={16} aria-hidden />, act('delete'), !selection.length, { className: 'danger', shortcut: 'Delete' })}
      {tool('Refresh', <RefreshCw size={16} aria-hidden />, onRefresh, false, { shortcut: 'F5' })}
      {menuButton('More', <MoreHorizontal size={16} aria-hidden />, [
        { label: 'Rename…', icon: <PenLine size={16} />, shortcut: 'F2', disabled: !oneSelected, run: act('rename') },
        { label: 'Move to…', icon: <FolderInput size={16} />, disabled: !selection.length, run: act('move') },
        { label: 'Quick look', icon: <Eye size={16} />, shortcut: 'Space', disabled: !oneFile, run: act('preview') },
        { label: oneSelected?.endsWith('/') ? `Share “${shownName(leafName(oneSelected))}” as one link…` : 'Share folder as one link…', icon: <Link2 size={16} />, run: () => onAction('shareFolder', selection) },
        { label: 'Ask for files…', icon: <Inbox size={16} />, run: () => onAction('askFiles', []) },
        { label: 'Unfinished uploads…', icon: <Upload size={16} />, run: () => onAction('unfinished', []) },
        { label: 'Sort by name', run: () => onSort((s) => ({ by: 'name', descending: s.by === 'name' ? !s.descending : false })) },
        { label: 'Sort by size', run: () => onSort((s) => ({ by: 'size', descending: s.by === 'size' ? !s.descending : true })) },
        { label: 'Sort by date', run: () => onSort((s) => ({ by: 'date', descending: s.by === 'date' ? !s.descending : true })) },
        { label: `Delete bucket ${bucket}…`, icon: <Trash2 size={16} />, danger: true, run: () => onAction('deleteBucket', []) },
      ])}
      <span className="search">
        <Search size={14} aria-hidden />
        {/* Short hints, whole at 720 px; the field's name and the toggle say the rest. */}
        <input type="search" placeholder={scope === 'tree' ? 'Search below' : 'Filter'} aria-label={scope === 'tree' ? 'Search this folder and all below it' : 'Filter this folder by name'} value={query} onChange={(e) => onQuery(e.target.value)} />
        <button type="button" className="tool scope" aria-pressed={scope === 'tree'} aria-label="Search subfolders too" title={scope === 'tree' ? 'Searching this folder and all below it' : 'Search subfolders too'} onClick={() => onScope(scope === 'tree' ? 'folder' : 'tree')}>
          <FolderTree size={16} aria-hidden />
        </button>
      </span>
    </Toolbar>
  );
}
