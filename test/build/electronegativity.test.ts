import { spawnSync } from 'node:child_process';
import { cp, mkdir, readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../support/helpers-fs';

const ROOT = resolve(__dirname, '../..');

interface Allowed {
  check: string;
  file: string;
  reason: string;
}

/**
 * Doyensec's Electronegativity audits the Electron code (main, preload, the renderer's page and
 * source). Every finding must be one reviewed in electronegativity-allow.json, with its reason;
 * a new finding fails, and so does an allowed one that no longer occurs (the list stays true).
 */
describe('Electronegativity', () => {
  it('finds nothing that is not reviewed and explained', async () => {
    const { version } = JSON.parse(await readFile(join(ROOT, 'node_modules/electron/package.json'), 'utf8')) as { version: string };
    const src = await tempDir('ferry-audit-');
    for (const part of ['main', 'preload', 'renderer/src', 'renderer/index.html', 'package.json']) {
      await mkdir(join(src, part, '..'), { recursive: true });
      await cp(join(ROOT, part), join(src, part), { recursive: true });
    }
    const csv = join(src, 'findings.csv');
    const r = spawnSync(process.execPath, [join(ROOT, 'node_modules/@doyensec/electronegativity/dist/index.js'), '-i', src, '-r', '-e', version, '-v', 'false', '-o', csv], {
      encoding: 'utf8',
      timeout: 120_000,
    });
    expect(r.status, r.stderr || r.stdout).toBe(0);
    const found = parseCsv(await readFile(csv, 'utf8'))
      .slice(1)
      .filter((row) => row.length >= 5)
      .map(([check, , , file, at]) => ({ check: check!, file: file!.replace(/\\/g, '/'), at: at! }));
    const { allowed } = JSON.parse(await readFile(join(__dirname, 'electronegativity-allow.json'), 'utf8')) as { allowed: Allowed[] };
    for (const a of allowed) expect(a.reason.length, `${a.check} in ${a.file} needs a reason`).toBeGreaterThan(40);
    const unexplained = found.filter((f) => !allowed.some((a) => a.check === f.check && a.file === f.file));
    expect(unexplained, 'new findings: fix them, or review them and add them with a reason to electronegativity-allow.json').toEqual([]);
    const stale = allowed.filter((a) => !found.some((f) => f.check === a.check && f.file === a.file));
    expect(stale, 'allowed findings that no longer occur: remove them from electronegativity-allow.json').toEqual([]);
  }, 180_000);
});

/** RFC 4180 CSV: quoted fields may hold commas, doubled quotes and line breaks (a finding's sample can). */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(field.trim());
      field = '';
    } else if (c === '\n') {
      row.push(field.trim());
      rows.push(row);
      row = [];
      field = '';
    } else field += c;
  }
  if (field || row.length) rows.push([...row, field.trim()]);
  return rows;
}
