import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { windowOptions } from '../../main/app/window-options';
import { appFileFor, isOwnUrl, isTrustedSender } from '../../main/app/security-urls';

describe("the window's security settings", () => {
  it('isolates and sandboxes the page, with no Node.js and no webviews', () => {
    expect(windowOptions('/app/preload/index.js').webPreferences).toMatchObject({
      preload: '/app/preload/index.js',
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webviewTag: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      disableBlinkFeatures: 'Auxclick',
    });
  });

  it('lets the window navigate only within its own origin, app://ferry (or the dev server while developing)', () => {
    expect(isOwnUrl('app://ferry/index.html', undefined)).toBe(true);
    expect(isOwnUrl('app://ferry/assets/index-abc.js', undefined)).toBe(true);
    // Any local HTML file could end up in the window: none is Ferry's.
    expect(isOwnUrl('file:///opt/Ferry/resources/app.asar/out/renderer/index.html', undefined)).toBe(false);
    expect(isOwnUrl('file:///home/u/Downloads/evil.html', undefined)).toBe(false);
    expect(isOwnUrl('app://evil/index.html', undefined)).toBe(false);
    expect(isOwnUrl('https://evil.example/', undefined)).toBe(false);
    expect(isOwnUrl('http://localhost:5173/', undefined)).toBe(false);
    expect(isOwnUrl('http://localhost:5173/#/x', 'http://localhost:5173')).toBe(true);
    expect(isOwnUrl('not a url', undefined)).toBe(false);
  });

  it('answers IPC only from the main frame of its own window showing its own page', () => {
    const own = { ownWindow: true, mainFrame: true, frameUrl: 'app://ferry/index.html' };
    expect(isTrustedSender(own, undefined)).toBe(true);
    expect(isTrustedSender({ ...own, frameUrl: 'file:///tmp/other.html' }, undefined)).toBe(false);
    expect(isTrustedSender({ ...own, mainFrame: false }, undefined)).toBe(false);
    expect(isTrustedSender({ ...own, ownWindow: false }, undefined)).toBe(false);
    expect(isTrustedSender({ ...own, frameUrl: 'https://evil.example/' }, undefined)).toBe(false);
  });

  it("serves only the built renderer's own files at app://ferry/", () => {
    const root = '/opt/Ferry/resources/app.asar/out/renderer';
    expect(appFileFor('app://ferry/', root)).toBe(`${root}/index.html`);
    expect(appFileFor('app://ferry/assets/index-abc.js', root)).toBe(`${root}/assets/index-abc.js`);
    // The URL parser already folds plain dot segments: they stay inside the root.
    expect(appFileFor('app://ferry/../../../../etc/passwd', root)).toBe(`${root}/etc/passwd`);
    for (const url of ['app://ferry/..%2f..%2f..%2f..%2fetc%2fpasswd', 'app://ferry/assets/..%2F..%2F..%2Fsecret', 'app://other/index.html', 'file:///etc/passwd', 'app://ferry/%00', 'app://ferry/%E0%A4%A']) {
      expect(appFileFor(url, root), url).toBeUndefined();
    }
  });

  it('ships a strict Content-Security-Policy: no remote origins, no inline script or style', async () => {
    const html = await readFile(resolve(__dirname, '../../renderer/index.html'), 'utf8');
    const csp = /http-equiv="Content-Security-Policy"\s+content="([^"]+)"/.exec(html)?.[1] ?? '';
    const directives = Object.fromEntries(csp.split(';').map((d) => d.trim().split(/\s+/)).map(([k, ...v]) => [k, v]));
    expect(directives['default-src']).toEqual(["'none'"]);
    expect(directives['script-src']).toEqual(["'self'"]);
    expect(directives['style-src']).toEqual(["'self'"]);
    expect(directives['connect-src']).toEqual(["'none'"]);
    expect(directives['object-src']).toEqual(["'none'"]);
    expect(csp).not.toMatch(/unsafe-inline|unsafe-eval|https?:/);
  });
});
