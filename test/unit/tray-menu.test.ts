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
