import { app, session, type WebContents } from 'electron';
import { isOwnUrl } from './security-urls';

export { isOwnUrl };

/**
 * Locks every web contents down: no navigation away from Ferry's page, no new windows (https
 * links go to the system browser after parsing), no permissions, no webviews.
 */
export function setupSecurity(devServer: string | undefined): void {
  app.on('web-contents-created', (_event, contents: WebContents) => {
    contents.on('will-navigate', (event, url) => {
      if (!isOwnUrl(url, devServer)) event.preventDefault();
    });
    contents.on('will-attach-webview', (event) => event.preventDefault());
    // Ferry's page opens nothing itself; links go through the links:open handler, which opens
    // only links Ferry made.
    contents.setWindowOpenHandler(() => ({ action: 'deny' }));
  });
  session.defaultSession.setPermissionRequestHandler((_wc, _permission, callback) => callback(false));
  session.defaultSession.setPermissionCheckHandler(() => false);
}
