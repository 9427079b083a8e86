import { describe, expect, it } from 'vitest';
import type { AppCore } from '../../main/app/handlers';
import type { Platform } from '../../main/app/platform';
import { buildTrayMenu, runTrayAction } from '../../main/app/tray-menu';

const upload = (key: string) => ({ account: 'a', bucket: 'b', key, size: 1, finishedAt: '2026-11-29T12:00:00Z' });

describe('the tray menu', () => {
  it('disables "Copy share link" with an explanation until something was uploaded', () => {
    const menu = buildTrayMenu({ recent: [] });
    expect(menu[0]).toMatchObject({ label: 'Copy share link', enabled: false, sublabel: expect.stringMatching(/Upload a file first/) });
    expect(menu[1]).toMatchObject({ label: 'Recent uploads', enabled: false, submenu: [] });
    expect(menu.filter((i) => !i.separator).map((i) => i.label)).toEqual(['Copy share link', 'Recent uploads', 'Share files privately…', 'Show Ferry', 'Quit Ferry']);
    // A private link goes where "Copy share link" works: there is no such bucket yet.
    expect(menu[2]).toMatchObject({ label: 'Share files privately…', enabled: false, sublabel: expect.stringMatching(/Upload a file first/) });
  });

  it('offers "Share files privately…" into the bucket of the latest upload', () => {
    const menu = buildTrayMenu({ recent: [{ ...upload('a.txt'), bucket: 'photos\u202e' }, { ...upload('b.txt'), bucket: 'other' }] });
    expect(menu[2]).toMatchObject({ label: 'Share files privately…', sublabel: 'encrypted here, into photos\\u202e', action: { type: 'share-private' } });
    expect(menu[2]!.enabled).toBeUndefined();
  });

  it('offers a fresh link for the latest upload and one per recent upload', () => {
    const recent = Array.from({ length: 12 }, (_, i) => upload(`photos/2026/img-${i}.jpg`));
    const menu = buildTrayMenu({ recent });
    expect(menu[0]).toMatchObject({ label: 'Copy share link', sublabel: 'for photos/2026/img-0.jpg', action: { type: 'copy-latest' } });
    expect(menu[1]!.submenu).toHaveLength(10);
    expect(menu[1]!.submenu![3]).toMatchObject({ label: 'img-3.jpg', action: { type: 'copy', upload: recent[3] } });
  });

  it('shortens very long names in the menu', () => {
    const menu = buildTrayMenu({ recent: [upload(`${'x'.repeat(100)}.bin`)] });
    expect(menu[1]!.submenu![0]!.label.length).toBeLessThanOrEqual(45);
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
