/**
 * Desktop integration that Ferry writes itself on Linux: start at login (XDG autostart) and
 * "Share with Ferry" in Nautilus, Nemo and Dolphin. Plain Node: every path is the caller's
 * (home, environment, executable), so the window's Settings and tests give theirs.
 * docs/desktop-integration.md says what the installers register on each system.
 */
export { quoteExecArg, execValue, escapeDesktopString, unescapeDesktopString, parseExecValue, desktopFile, parseDesktopFile, type DesktopGroup } from './desktop-entry';
export { ferryCommand, ferryLauncher, configHome, dataHome, type DesktopPlaces } from './launcher';
export { linuxAutostart, autostartPath, autostartEntry, AUTOSTART_MARKER, type LoginItem } from './autostart';
export {
  fileManagerItems,
  fileManagerFiles,
  fileManagerMarker,
  nautilusScript,
  nemoAction,
  dolphinServiceMenu,
  shellQuote,
  FILE_MANAGER_IDS,
  type FileManagerId,
  type FileManagerItem,
  type FileManagerItems,
} from './file-managers';
