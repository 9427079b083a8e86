import { ipcMain } from 'electron';
import { requests } from '../../preload/contract';
import type { AppCore } from './handlers';
import { isOwnUrl } from './security';
import type { WindowControl } from './window';

/**
 * Registers the handler table with ipcMain. A call from anything but Ferry's own window is
 * refused before its payload is even looked at; the table then validates the payload.
 */
export function setupIpc(core: AppCore, window: WindowControl, devServer: string | undefined): void {
  for (const channel of Object.keys(requests)) {
    ipcMain.handle(channel, (event, payload: unknown) => {
      if (!window.isOwn(event.sender.id) || !isOwnUrl(event.senderFrame?.url ?? '', devServer)) {
        return { ok: false, error: { code: 'FORBIDDEN', message: 'This request did not come from Ferry\'s window.' } };
      }
      return core.handle(channel, payload);
    });
  }
}
