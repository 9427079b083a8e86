import { app } from 'electron';
import type { AppCore } from './handlers';
import { parseLaunch, type Launch } from './launch';

/**
 * What a launch asks for reaches the running Ferry: its own arguments, a second launch's
 * (Windows and Linux: Open With, the installers' "Upload with Ferry", a desktop shortcut bound to
 * --share-clipboard), and macOS's open-file (Open With, dock drops). The work is outside.ts's.
 */
export function setupLaunches(deps: { core: AppCore; launch: Launch; show(): void; shareClipboard(): void; capture(): void; early: string[]; onOpenFile(take: (paths: string[]) => void): void }): void {
  const fromCheckout = !app.isPackaged;
  const act = (launch: Launch, second: boolean) => {
    if (launch.files.length) void deps.core.outside.receive(launch.files);
    if (launch.notFiles.length) deps.core.outside.refuse(launch.notFiles);
    if (launch.shareClipboard) deps.shareClipboard();
    if (launch.capture) deps.capture();
    // A plain second launch is someone looking for the window.
    if (second && !launch.files.length && !launch.notFiles.length && !launch.shareClipboard && !launch.capture && !launch.hidden) deps.show();
  };
  act(deps.launch, false);
  if (deps.early.length) void deps.core.outside.receive(deps.early.splice(0));
  deps.onOpenFile((paths) => void deps.core.outside.receive(paths));
  app.on('second-instance', (_event, argv, workingDirectory) => act(parseLaunch(argv, { cwd: workingDirectory, fromCheckout }), true));
}
