import { ChevronRight, Copy, Download, Eye, FolderInput, PenLine, Share2, Trash2 } from 'lucide-react';
import type { MenuItem } from '../ui/Menu';
import { isMac, mod, type ObjectAction } from './ObjectBrowser';

/** The right-click (and Shift+F10) menu for the selected names: files and folders. */
export function objectMenu(target: string[], onAction: (action: ObjectAction, names: string[]) => void, onNavigate: (prefix: string) => void): MenuItem[] {
  const one = target.length === 1 ? target[0]! : undefined;
  const oneFile = one && !one.endsWith('/') ? one : undefined;
  const oneFolder = one?.endsWith('/') ? one : undefined;
  // Enter opens a folder and shares a file: the menu says which (a file has no "Open" that would share it).
  return [
    ...(oneFolder ? [{ label: 'Open', icon: <ChevronRight size={16} />, shortcut: 'Enter', run: () => onNavigate(oneFolder) }] : []),
    { label: 'Quick look', icon: <Eye size={16} />, shortcut: 'Space', disabled: !oneFile, run: () => onAction('preview', target) },
    { label: 'Download…', icon: <Download size={16} />, run: () => onAction('download', target) },
    { label: 'Copy link', icon: <Copy size={16} />, shortcut: `${mod}C`, disabled: !oneFile, run: () => onAction('copyLink', target) },
    { label: oneFolder ? 'Share folder as one link…' : 'Share…', icon: <Share2 size={16} />, ...(oneFile ? { shortcut: 'Enter' } : {}), disabled: !one, run: () => onAction('share', target) },
    { label: 'Rename…', icon: <PenLine size={16} />, shortcut: 'F2', disabled: !one, run: () => onAction('rename', target) },
    { label: 'Move to…', icon: <FolderInput size={16} />, run: () => onAction('move', target) },
    { label: 'Delete…', icon: <Trash2 size={16} />, shortcut: isMac ? '⌘⌫' : 'Del', danger: true, run: () => onAction('delete', target) },
  ];
}
