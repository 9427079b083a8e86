import { describe, expect, it } from 'vitest';
import type { AppCore } from '../../main/app/handlers';
import type { Platform } from '../../main/app/platform';
import type { TransferView } from '../../preload/contract';
import { buildTrayMenu, runTrayAction, trayProgress, type TrayItem } from '../../main/app/tray-menu';

const upload = (key: string) => ({ account: 'a', bucket: 'b', key, size: 1, finishedAt: '2026-11-29T12:00:00Z' });
/** The menu's items by label (their places change as items are added). */
const byLabel = (menu: TrayItem[]) => new Proxy({} as Record<string, TrayItem>, { get: (_, label) => menu.find((i) => i.label === label) });

describe('the tray menu', () => {
  it('disables "Copy share link" with an explanation until something was uploaded', () => {
    const menu = buildTrayMenu({ recent: [] });
    expect(byLabel(menu)['Copy share link']).toMatchObject({ label: 'Copy share link', enabled: false, sublabel: expect.stringMatching(/Upload a file first/) });
    expect(byLabel(menu)['Recent uploads']).toMatchObject({ label: 'Recent uploads', enabled: false, submenu: [] });
    expect(menu.filter((i) => !i.separator).map((i) => i.label)).toEqual(['Upload clipboard', 'Upload files…', 'Copy share link', 'Recent uploads', 'Share files privately…', 'Show Ferry', 'Quit Ferry']);
    // A private link goes where "Copy share link" works: there is no such bucket yet.
    expect(byLabel(menu)['Share files privately…']).toMatchObject({ label: 'Share files privately…', enabled: false, sublabel: expect.stringMatching(/Upload a file first/) });
  });

  it('offers "Share files privately…" into the bucket of the latest upload', () => {
    const menu = buildTrayMenu({ recent: [{ ...upload('a.txt'), bucket: 'photos\u202e' }, { ...upload('b.txt'), bucket: 'other' }] });
    expect(byLabel(menu)['Share files privately…']).toMatchObject({ label: 'Share files privately…', sublabel: 'encrypted here, into photos\\u202e', action: { type: 'share-private' } });
    expect(byLabel(menu)['Share files privately…']!.enabled).toBeUndefined();
  });

  it('offers a fresh link for the latest upload and one per recent upload', () => {
    const recent = Array.from({ length: 12 }, (_, i) => upload(`photos/2026/img-${i}.jpg`));
    const menu = buildTrayMenu({ recent });
    expect(byLabel(menu)['Copy share link']).toMatchObject({ label: 'Copy share link', sublabel: 'for photos/2026/img-0.jpg', action: { type: 'copy-latest' } });
    expect(byLabel(menu)['Recent uploads']!.submenu).toHaveLength(10);
    expect(byLabel(menu)['Recent uploads']!.submenu![3]).toMatchObject({ label: 'img-3.jpg', action: { type: 'copy', upload: recent[3] } });
  });

  it('shortens very long names in the menu', () => {
    const menu = buildTrayMenu({ recent: [upload(`${'x'.repeat(100)}.bin`)] });
    expect(byLabel(menu)['Recent uploads']!.submenu![0]!.label.length).toBeLessThanOrEqual(45);
  });
});

describe('names from a bucket in the tray, notifications and messages', () => {
  it('show bidi and control characters as escapes, so no name disguises itself', async () => {
    const { forWindow } = await import('../../main/app/window-words');
    const key = 'docs/invoice\u202Efdp.exe';
    const menu = buildTrayMenu({ recent: [upload(key)] });
    // What the menu shows (the action keeps the real key).
    const text = JSON.stringify(menu.flatMap((i) => [i, ...(i.submenu ?? [])]).map((i) => [i.label, i.sublabel]));
    expect(text).toContain('invoice\\\\u202efdp.exe');
    expect(text).not.toMatch(/[\u202a-\u202e]/);
    expect(forWindow(`No object s3://b/${key}\nsecond line \u001b[2J`)).toBe('No object s3://b/docs/invoice\\u202efdp.exe\nsecond line \\x1b[2J');
  });
});

describe('the tray\'s "Share files privately…"', () => {
  /** A platform whose file dialog returns `picked`, and a core that makes the link (or fails as told). */
  const setup = (picked: string[], make: (files: string[]) => Promise<{ bucket: string; expiresAt: string }>) => {
    const notes: Array<{ title: string; body: string }> = [];
    const shared: string[][] = [];
    const platform = { pickFiles: async () => picked, notify: (title: string, body: string) => void notes.push({ title, body }) } as unknown as Platform;
    const core = { sharePrivately: async (files: string[]) => (shared.push(files), make(files)) } as unknown as AppCore;
    const run = () => runTrayAction({ type: 'share-private' }, { core, platform, show: () => {}, quit: () => {} });
    return { notes, shared, run };
  };

  it('shares the files picked in the system dialog and says the link is copied, until when and where', async () => {
    const expiresAt = '2026-12-01T12:00:00.000Z';
    const { notes, shared, run } = setup(['/home/u/tax 2026.pdf'], async () => ({ bucket: 'b', expiresAt }));
    await run();
    expect(shared).toEqual([['/home/u/tax 2026.pdf']]);
    expect(notes).toEqual([{ title: 'Private link copied', body: expect.stringMatching(/^tax 2026\.pdf, encrypted here into b, until .+\. End it sooner in Ferry's Links\.$/) }]);
    const two = setup(['/x/a', '/x/b'], async () => ({ bucket: 'b', expiresAt }));
    await two.run();
    expect(two.notes[0]!.body).toMatch(/^2 files, encrypted here/);
  });

  it('does nothing when the dialog is cancelled, and says why when the link cannot be made', async () => {
    const cancelled = setup([], async () => ({ bucket: 'b', expiresAt: '' }));
    await cancelled.run();
    expect(cancelled.shared).toEqual([]);
    expect(cancelled.notes).toEqual([]);
    const failing = setup(['/x/a'], async () => {
      throw new Error('Upload a file first: a private link from the tray goes into the bucket of your latest upload.');
    });
    await failing.run();
    expect(failing.notes).toEqual([{ title: 'Could not make a private link', body: expect.stringMatching(/^Upload a file first/) }]);
  });
});

describe('the tray outside the window', () => {
  const view = (over: Partial<TransferView>): TransferView => ({ id: Math.random().toString(), direction: 'upload', account: 'a', bucket: 'b', key: 'k', file: '/f', size: 100, status: 'running', bytesDone: 0, bytesPerSecond: 0, ...over });

  it('offers Upload clipboard and Upload files… to the destination, Capture only where a tool was found, and Pause all or Resume all as transfers are', () => {
    const plain = byLabel(buildTrayMenu({ recent: [] }));
    expect(plain['Upload clipboard']).toMatchObject({ sublabel: expect.stringMatching(/^Choose where in Settings first/), action: { type: 'share-clipboard' } });
    expect(plain['Capture an area and share']).toBeUndefined();
    expect(plain['Pause all']).toBeUndefined();
    expect(plain['Resume all']).toBeUndefined();
    const busy = byLabel(buildTrayMenu({ recent: [], destination: { bucket: 'photos', prefix: 'in/' }, capture: 'gnome-screenshot', transfers: { moving: 3, paused: 1 } }));
    expect(busy['Upload files…']).toMatchObject({ sublabel: 'to photos/in/; the link is copied', action: { type: 'upload-files' } });
    expect(busy['Capture an area and share']).toMatchObject({ sublabel: 'with gnome-screenshot, to photos/in/', action: { type: 'capture' } });
    expect(busy['Pause all']).toMatchObject({ sublabel: '3 transfers running or waiting', action: { type: 'pause-all' } });
    expect(byLabel(buildTrayMenu({ recent: [], transfers: { moving: 0, paused: 2 } }))['Resume all']).toMatchObject({ sublabel: '2 paused transfers', action: { type: 'resume-all' } });
    const update = { label: 'Restart to update Ferry 1.2.3', sublabel: 'Ferry quits, installs it and starts again', action: { type: 'restart-to-update' as const } };
    expect(byLabel(buildTrayMenu({ recent: [], update }))['Restart to update Ferry 1.2.3']).toEqual(update);
  });

  it('Pause all pauses what runs or waits, Resume all what is paused; finished ones are left alone', async () => {
    const views = [view({ id: '1' }), view({ id: '2', status: 'queued' }), view({ id: '3', status: 'paused' }), view({ id: '4', status: 'done' })];
    const calls: string[] = [];
    const core = { queue: { list: () => views, pause: (id: string) => calls.push(`pause ${id}`), resume: (id: string) => calls.push(`resume ${id}`) } } as unknown as AppCore;
    const ctx = { core, platform: {} as Platform, show: () => {}, quit: () => {} };
    await runTrayAction({ type: 'pause-all' }, ctx);
    await runTrayAction({ type: 'resume-all' }, ctx);
    expect(calls).toEqual(['pause 1', 'pause 2', 'resume 3']);
  });

  it('Upload files… shares what the dialog chose; Upload clipboard what is copied; a cancelled dialog does nothing', async () => {
    const shared: unknown[] = [];
    const core = { outside: { share: async (p: string[]) => void shared.push(['files', p]), shareClipboard: async (i: unknown) => void shared.push(['clipboard', i]) } } as unknown as AppCore;
    let picked = ['/home/u/a.txt'];
    const ctx = { core, platform: { pickFiles: async () => picked } as unknown as Platform, show: () => {}, quit: () => {}, clipboard: async () => ({ kind: 'text' as const, text: 'hi' }) };
    await runTrayAction({ type: 'upload-files' }, ctx);
    picked = [];
    await runTrayAction({ type: 'upload-files' }, ctx);
    await runTrayAction({ type: 'share-clipboard' }, ctx);
    expect(shared).toEqual([['files', ['/home/u/a.txt']], ['clipboard', { kind: 'text', text: 'hi' }]]);
  });

  it('the tooltip says what runs, how far and how long; plain Ferry when nothing does', () => {
    expect(trayProgress([])).toEqual({ tooltip: 'Ferry', title: '' });
    expect(trayProgress([view({ status: 'done', bytesDone: 100 })])).toEqual({ tooltip: 'Ferry', title: '' });
    const p = trayProgress([view({ bytesDone: 50, bytesPerSecond: 10, etaSeconds: 5 }), view({ status: 'queued' }), view({ direction: 'download', bytesDone: 25 })]);
    expect(p.tooltip).toMatch(/^Ferry: uploading 2 files, downloading 1 file, 25%/);
    expect(p.title).toBe('25%');
    expect(trayProgress([view({ status: 'paused', bytesDone: 10 })]).tooltip).toBe('Ferry: 1 transfer paused');
  });
});
