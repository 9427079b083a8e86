import { describe, expect, it } from 'vitest';
import { buildTrayMenu } from '../../main/app/tray-menu';

const upload = (key: string) => ({ account: 'a', bucket: 'b', key, size: 1, finishedAt: '2026-11-29T12:00:00Z' });

describe('the tray menu', () => {
  it('disables "Copy share link" with an explanation until something was uploaded', () => {
    const menu = buildTrayMenu({ recent: [] });
    expect(menu[0]).toMatchObject({ label: 'Copy share link', enabled: false, sublabel: expect.stringMatching(/Upload a file first/) });
    expect(menu[1]).toMatchObject({ label: 'Recent uploads', enabled: false, submenu: [] });
    expect(menu.filter((i) => !i.separator).map((i) => i.label)).toEqual(['Copy share link', 'Recent uploads', 'Show Ferry', 'Quit Ferry']);
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
