import { app, net } from 'electron';
import { checkFeed, type FetchLike } from '../core/updates/feed';
import { updateTarget } from '../core/updates/target';
import { UPDATE_PUBLIC_KEY } from '../core/updates/update-key';
import { offUpdater, setupUpdater, type UpdateState, type UpdaterControl } from './updater';

/**
 * The updater of main/app/updater.ts over the real electron-updater, for the copies that update
 * themselves (else an updater that stays off and says why). electron-updater is loaded only then.
 */
export function startUpdater(deps: { enabled(): Promise<boolean>; notify(title: string, body: string): void; onChange(state: UpdateState): void }): UpdaterControl {
  let control: UpdaterControl = offUpdater('Looking whether this copy of Ferry updates itself');
  let stopped = false;
  void (async () => {
    const target = await updateTarget({ isPackaged: app.isPackaged, platform: process.platform, env: process.env, resourcesPath: process.resourcesPath, publicKey: UPDATE_PUBLIC_KEY });
    if (!target.ok || stopped) {
      // A packaged build that stays off says why once (a maintainer wondering why theirs does not update).
      if (!target.ok && app.isPackaged) console.warn(`Updates: ${target.reason}`);
      return void (control = offUpdater(target.ok ? 'Ferry is quitting' : target.reason));
    }
    // Loaded only here (some 40 ms). A require, not import(): the package is CommonJS and its
    // autoUpdater a getter that import()'s named exports do not carry.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { autoUpdater } = require('electron-updater') as typeof import('electron-updater');
    autoUpdater.logger = null;
    control = setupUpdater({
      ...deps,
      updater: autoUpdater,
      check: () => checkFeed({ feedUrl: target.feedUrl, currentVersion: app.getVersion(), platform: process.platform, arch: process.arch, publicKey: UPDATE_PUBLIC_KEY, fetch: net.fetch as FetchLike }),
      log: (message) => console.warn(message),
    });
    if (stopped) control.stop();
  })().catch((err: Error) => (control = offUpdater(`Updates could not start: ${err.message}`)));
  return {
    state: () => control.state(),
    restart: () => control.restart(),
    checkNow: () => control.checkNow(),
    stop: () => ((stopped = true), control.stop()),
  };
}
