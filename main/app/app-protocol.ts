import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { net, protocol } from 'electron';
import { APP_SCHEME, appFileFor } from './security-urls';

/** Must run before the app is ready: app:// behaves like https (a secure, standard origin). */
export function registerAppScheme(): void {
  protocol.registerSchemesAsPrivileged([{ scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true } }]);
}

/** Serves the built renderer, and only it, at app://ferry/. */
export function setupAppProtocol(rendererDir = join(__dirname, '../renderer')): void {
  protocol.handle(APP_SCHEME, (request) => {
    const file = appFileFor(request.url, rendererDir);
    if (!file) return new Response('Not found', { status: 404 });
    return net.fetch(pathToFileURL(file).toString());
  });
}
