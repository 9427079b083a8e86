import { ipcMain } from 'electron';
import { requests } from '../../preload/contract';
import type { AppCore } from './handlers';
import { isTrustedSender } from './security-urls';
import type { WindowControl } from './window';

/**
 * Registers the handler table with ipcMain. A call from anything but the main frame of Ferry's
 * own window, showing Ferry's own page, is refused before its payload is even looked at; the
 * table then validates the payload.
 */
export function setupIpc(core: AppCore, window: WindowControl, devServer: string | undefined): void {
  for (const channel of Object.keys(requests)) {
    ipcMain.handle(channel, (event, payload: unknown) => {
      const sender = { ownWindow: window.isOwn(event.sender.id), mainFrame: window.isMainFrame(event.senderFrame), frameUrl: event.senderFrame?.url ?? '' };
      if (!isTrustedSender(sender, devServer)) {
        return { ok: false, error: { code: 'FORBIDDEN', message: 'This request did not come from Ferry\'s window.' } };
      }
      return core.handle(channel, payload);
    });
  }
}
