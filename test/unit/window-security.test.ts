import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { windowOptions } from '../../main/app/window-options';
import { isOwnUrl } from '../../main/app/security-urls';

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
    });
  });

  it('lets the window navigate only within its own files (or the dev server while developing)', () => {
    expect(isOwnUrl('file:///opt/Ferry/resources/app.asar/out/renderer/index.html', undefined)).toBe(true);
    expect(isOwnUrl('https://evil.example/', undefined)).toBe(false);
    expect(isOwnUrl('http://localhost:5173/', undefined)).toBe(false);
    expect(isOwnUrl('http://localhost:5173/#/x', 'http://localhost:5173')).toBe(true);
    expect(isOwnUrl('not a url', undefined)).toBe(false);
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
