/**
 * The window under test: the built renderer (out/renderer) served on localhost and opened in
 * Debian's Chromium, with window.ferry routed to the real IPC handler table running here, over
 * the real core, the real RADOS Gateway and the real keychain. Only the Electron window itself
 * is missing; the preload's job (named methods, events, dropped files' paths) is done by an init
 * script built from the same method map.
 */
import { existsSync, readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { extname, join, resolve } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { expect, inject } from 'vitest';
import { addFilesVia, events, methods, type AddFilesRequest } from '../../preload/api';
import { createAppCore, type AppCore, type Platform } from '../../main/app/handlers';
import type { DesktopControl } from '../../main/app/platform';
import { Ferry } from '../../main/core/ferry';
import { KeychainSecretStore } from '../../main/core/secrets/secrets';
import { tempDir } from '../support/helpers-fs';

const RENDERER = resolve(__dirname, '../../out/renderer');
const CHROMIUM = '/usr/bin/chromium';
const TYPES: Record<string, string> = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css', '.svg': 'image/svg+xml', '.png': 'image/png' };

export interface Harness {
  page: Page;
  core: AppCore;
  ferry: Ferry;
  dataDir: string;
  clipboard: string[];
  notifications: Array<{ title: string; body: string }>;
  /** Files shown in the file manager ("Show in folder"). */
  revealed: string[];
  /** What main asked in its own dialog (the user says yes to each). */
  confirmed: string[];
  /**
   * Lets the next drop carry these files: name → path on disk. This stands in for
   * webUtils.getPathForFile, and like it lives outside the page: page script cannot add to it.
   */
  setDropPaths(paths: Record<string, string>): Promise<void>;
  /** What the system file dialog (main's, shown by the Upload button) returns next. */
  setPickedPaths(paths: string[]): void;
  close(): Promise<void>;
}

function serve(root: string): Promise<{ server: Server; url: string }> {
  const server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    const file = join(root, path === '/' ? 'index.html' : path);
    if (!file.startsWith(root)) return void res.writeHead(403).end();
    readFile(file).then(
      (body) => res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream' }).end(body),
      () => res.writeHead(404).end(),
    );
  });
  return new Promise((r) => server.listen(0, '127.0.0.1', () => {
    const a = server.address();
    r({ server, url: `http://127.0.0.1:${typeof a === 'object' && a ? a.port : 0}/` });
  }));
}

/**
 * transfersShown: the user has the transfers drawer open with finished work shown (the window
 * remembers both), for tests that follow each transfer's row.
 */
export async function openWindow(opts: { colorScheme?: 'light' | 'dark'; transfersShown?: boolean; desktop?: DesktopControl } = {}): Promise<Harness> {
  if (!existsSync(CHROMIUM)) throw new Error('The window tests need Chromium: apt-get install -y chromium');
  if (!existsSync(join(RENDERER, 'index.html'))) throw new Error('The renderer is not built. Run: npm run build');
  Object.assign(process.env, inject('keyring'));
  const dataDir = await tempDir('ferry-e2e-');
  const ferry = new Ferry({ dataDir, secrets: new KeychainSecretStore(), env: {} });
  const clipboard: string[] = [];
  const notifications: Array<{ title: string; body: string }> = [];
  const revealed: string[] = [];
  const confirmed: string[] = [];
  // What the file dialog stand-in "chooses" next.
  let picked: string[] = [];
  const platform: Platform = {
    copyText: (t) => void clipboard.push(t),
    notify: (title, body) => void notifications.push({ title, body }),
    openExternal: () => {},
    pickFiles: async () => picked,
    // The user confirms the server they typed (main's own dialog).
    confirm: async (q) => (confirmed.push(q.message), true),
    revealFile: (path) => void revealed.push(path),
    // Start at login, the global shortcut, file manager items (test/support/fake-desktop.ts); none: the window has no desktop.
    ...(opts.desktop ? { desktop: opts.desktop } : {}),
  };
  // The handler table exists before the page does; events go to the page once it is open.
  const target: { page?: Page } = {};
  const core = createAppCore({
    requestPollMs: 0,
    ferry,
    dataDir,
    platform,
    appInfo: { name: 'Ferry', version: 'test', platform: process.platform },
    emit: (event, payload) => void target.page?.evaluate(([e, p]) => (window as unknown as { __ferryEmit(e: string, p: unknown): void }).__ferryEmit(e, p), [event, payload] as const).catch(() => {}),
  });
  const { server, url } = await serve(RENDERER);
  const browser: Browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-sync'],
  });
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, colorScheme: opts.colorScheme ?? 'light' });
  if (opts.transfersShown) {
    await context.addInitScript(() => {
      for (const flag of ['ferry.drawerOpen', 'ferry.showFinished']) if (localStorage.getItem(flag) === null) localStorage.setItem(flag, '1');
    });
  }
  const page = await context.newPage();
  target.page = page;
  // What the user "dropped": file name → path. Held here, not in the page, as the real preload
  // holds webUtils in its isolated world.
  let dropPaths: Record<string, string> = {};
  // The named methods, as the preload exposes them: one channel each, never files:grant.
  const named = new Set<string>(Object.values(methods));
  await page.exposeBinding('__ferryCall', (_source, channel: string, payload: unknown) =>
    named.has(channel) ? core.handle(channel, payload) : { ok: false, error: { code: 'USAGE', message: `No method for ${channel}` } },
  );
  // The preload's addFiles, by the same code path (addFilesVia): resolve, grant, add.
  await page.exposeBinding('__ferryAddFiles', (_source, request: AddFilesRequest, names: string[]) =>
    addFilesVia((channel, payload) => core.handle(channel, payload), (file) => dropPaths[file.name] ?? '', request, names.map((n) => ({ name: n }) as File)),
  );
  await page.addInitScript(
    ({ methods, events }) => {
      const listeners = new Map<string, Set<(p: unknown) => void>>();
      const w = window as unknown as Record<string, unknown> & { __ferryCall(c: string, p: unknown): Promise<unknown>; __ferryAddFiles(r: unknown, names: string[]): Promise<unknown> };
      const api: Record<string, unknown> = {};
      for (const [method, channel] of Object.entries(methods)) api[method] = (request?: unknown) => w.__ferryCall(channel, request);
      api.addFiles = (request: unknown, files: File[]) => w.__ferryAddFiles(request, files.map((f) => f.name));
      api.on = (event: string, listener: (p: unknown) => void) => {
        if (!events.includes(event)) throw new Error(`Unknown event ${event}`);
        if (!listeners.has(event)) listeners.set(event, new Set());
        listeners.get(event)!.add(listener);
        return () => listeners.get(event)?.delete(listener);
      };
      w.ferry = api;
      w.__ferryEmit = (event: string, payload: unknown) => listeners.get(event)?.forEach((l) => l(payload));
    },
    { methods, events: [...events] as string[] },
  );
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  await page.goto(url);
  return {
    page,
    core,
    ferry,
    dataDir,
    clipboard,
    notifications,
    revealed,
    confirmed,
    setDropPaths: async (paths) => {
      dropPaths = paths;
    },
    setPickedPaths: (paths) => {
      picked = paths;
    },
    close: async () => {
      core.dispose();
      await browser.close();
      await new Promise((r) => server.close(r));
      if (errors.length) throw new Error(`The page logged errors:\n${errors.join('\n')}`);
    },
  };
}

/** Drops files on the window the way a file manager does: dragover, then drop, with File objects. */
export async function dropFiles(page: Page, files: Array<{ name: string; type?: string }>, target = '.app, .setup, main'): Promise<void> {
  await page.evaluate(
    ({ files, target }) => {
      const dt = new DataTransfer();
      for (const f of files) dt.items.add(new File(['x'], f.name, { type: f.type ?? '' }));
      const el = document.querySelector(target)!;
      el.dispatchEvent(new DragEvent('dragover', { dataTransfer: dt, bubbles: true, cancelable: true }));
      el.dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }));
    },
    { files, target },
  );
}

/** Runs axe-core in the page (both themes) and returns its violations, one line each. */
export async function axe(page: Page, where: string): Promise<string[]> {
  const found: string[] = [];
  for (const scheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme: scheme });
    // The page's CSP forbids injected script tags (as it should); evaluate is not a script tag.
    await page.evaluate(readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8'));
    const violations = await page.evaluate(async () => {
      const r = await (window as unknown as { axe: { run(): Promise<{ violations: Array<{ id: string; nodes: Array<{ target: unknown[] }> }> }> } }).axe.run();
      return r.violations.map((v) => `${v.id}: ${v.nodes.map((n) => JSON.stringify(n.target)).slice(0, 3).join(' ')}`);
    });
    found.push(...violations.map((v) => `${where} (${scheme}) ${v}`));
  }
  await page.emulateMedia({ colorScheme: 'light' });
  return found;
}

/** Opens one of the sidebar's places (Links, Requests) in the main area, and waits for its heading. */
export async function visit(page: Page, place: 'Links' | 'Requests'): Promise<void> {
  await page.getByRole('group', { name: 'Places' }).getByRole('button', { name: new RegExp(`^${place}`) }).click();
  await page.getByRole('heading', { name: place === 'Links' ? 'Links issued' : 'File requests' }).waitFor();
}

/** Back to a bucket's files from a place, by its name in the sidebar. */
export async function openBucket(page: Page, bucket: string): Promise<void> {
  await page.locator('.bucket', { hasText: bucket }).first().click();
  await page.getByRole('grid').waitFor();
}

/**
 * What the user cannot read whole on this screen, one line each: a control, cell or label whose
 * text does not fit its box (cut or ellipsised), a field whose placeholder or a select whose
 * choice is cut, and a control that sticks out of the panel that clips it. Names cut in the
 * middle on purpose (MiddleName, with the whole name on hover and for screen readers) and text
 * hidden for screen readers only are not counted.
 */
export async function clippedControls(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const found: string[] = [];
    const canvas = document.createElement('canvas').getContext('2d')!;
    const textWidth = (text: string, el: Element) => {
      const cs = getComputedStyle(el);
      canvas.font = `${cs.fontStyle} ${cs.fontWeight} ${cs.fontSize} ${cs.fontFamily}`;
      return canvas.measureText(text).width;
    };
    const name = (el: Element) => ((el.getAttribute('aria-label') || (el as HTMLElement).innerText || (el as HTMLInputElement).placeholder || el.tagName).trim().replace(/\s+/g, ' ').slice(0, 50));
    const shown = (el: Element) => {
      const r = el.getBoundingClientRect();
      if (r.width <= 2 || r.height <= 2) return false;
      if (el.closest('.sr-only, .middle-name, [aria-hidden=true]')) return false;
      const cs = getComputedStyle(el);
      return cs.visibility !== 'hidden' && cs.display !== 'none';
    };
    const dialogs = [...document.querySelectorAll('dialog[open], [role=dialog], [role=alertdialog]')];
    const under = dialogs.length ? dialogs : [document.body];
    const all = under.flatMap((root) => [...root.querySelectorAll('button, a, label, select, input, [role=gridcell], [role=columnheader], [role=menuitem], h1, h2, h3, p, li, legend, summary, small, span, time, .tool, .totals')]);
    for (const el of all) {
      if (!shown(el)) continue;
      const cs = getComputedStyle(el);
      const box = el as HTMLElement;
      if (el instanceof HTMLInputElement && ['text', 'search', 'url', 'email', 'password', 'number', ''].includes(el.type)) {
        const room = box.clientWidth - parseFloat(cs.paddingLeft) - parseFloat(cs.paddingRight) - (el.type === 'search' ? 16 : 0);
        const text = el.value || el.placeholder;
        if (text && !el.value && textWidth(text, el) > room + 1) found.push(`the field "${name(el)}" cuts its hint "${text}" (${Math.ceil(textWidth(text, el))} px in ${Math.floor(room)})`);
        continue;
      }
      if (el instanceof HTMLSelectElement) {
        const text = el.selectedOptions[0]?.text ?? '';
        const room = box.clientWidth - parseFloat(cs.paddingLeft) - parseFloat(cs.paddingRight) - 16;
        if (textWidth(text, el) > room + 1) found.push(`the choice "${text}" of "${name(el)}" is cut (${Math.ceil(textWidth(text, el))} px in ${Math.floor(room)})`);
        continue;
      }
      // Text that does not fit its own box, where the box clips it (hidden, clip, ellipsis).
      if (cs.display !== 'inline' && cs.overflowX !== 'visible' && cs.overflowX !== 'auto' && cs.overflowX !== 'scroll' && box.scrollWidth > box.clientWidth + 1) {
        found.push(`"${name(el)}" is cut (${box.scrollWidth} px in ${box.clientWidth})`);
        continue;
      }
      // A control sticking out of a panel that clips it.
      if (!el.matches('button, a, select, .tool')) continue;
      const r = el.getBoundingClientRect();
      for (let a = el.parentElement; a && a !== document.body; a = a.parentElement) {
        const o = getComputedStyle(a).overflowX;
        if (o === 'visible') continue;
        const p = a.getBoundingClientRect();
        if (r.right > p.right + 1 || r.left < p.left - 1) found.push(`"${name(el)}" sticks out of its panel (${Math.round(r.left)}–${Math.round(r.right)} in ${Math.round(p.left)}–${Math.round(p.right)})`);
        break;
      }
    }
    // A name cut in the middle shows its own characters, spaces included (only the cut itself is hidden).
    for (const m of document.querySelectorAll('.middle-name')) {
      if (m.getBoundingClientRect().width <= 2 || m.closest('.sr-only')) continue;
      const whole = m.querySelector('.sr-only')?.textContent ?? '';
      const drawn = [...m.querySelectorAll<HTMLElement>('.head, .tail')].map((p) => p.innerText).join('');
      if (drawn !== whole) found.push(`the name "${whole}" is drawn as "${drawn}"`);
    }
    return [...new Set(found)];
  });
}

/** Turns "Search subfolders too" on or off (the toggle beside the file list's search field). */
export async function searchBelow(page: Page, on: boolean): Promise<void> {
  const toggle = page.getByRole('button', { name: 'Search subfolders too' });
  if ((await toggle.getAttribute('aria-pressed')) !== String(on)) await toggle.click();
  await expect(toggle.getAttribute('aria-pressed')).resolves.toBe(String(on));
}
