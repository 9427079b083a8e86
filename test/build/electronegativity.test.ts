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
    // SARIF (JSON), not CSV: the tool's CSV does not escape quotes inside a finding's sample (the
    // CSP's <meta content="…">), which merged findings depending on the order they came in.
    const report = join(src, 'findings.sarif');
    const r = spawnSync(process.execPath, [join(ROOT, 'node_modules/@doyensec/electronegativity/dist/index.js'), '-i', src, '-r', '-e', version, '-v', 'false', '-o', report], {
      encoding: 'utf8',
      timeout: 120_000,
    });
    expect(r.status, r.stderr || r.stdout).toBe(0);
    const sarif = JSON.parse(await readFile(report, 'utf8')) as { runs: Array<{ results: Array<{ ruleId: string; locations?: Array<{ physicalLocation?: { artifactLocation?: { uri?: string } } }> }> }> };
    const found = sarif.runs.flatMap((run) => run.results).map((f) => ({ check: f.ruleId, file: (f.locations?.[0]?.physicalLocation?.artifactLocation?.uri ?? '').replace(/\\/g, '/') }));
    expect(found.length, 'the audit found nothing at all: it did not run on the sources').toBeGreaterThan(0);
    const { allowed } = JSON.parse(await readFile(join(__dirname, 'electronegativity-allow.json'), 'utf8')) as { allowed: Allowed[] };
    for (const a of allowed) expect(a.reason.length, `${a.check} in ${a.file} needs a reason`).toBeGreaterThan(40);
    const unexplained = found.filter((f) => !allowed.some((a) => a.check === f.check && a.file === f.file));
    expect(unexplained, 'new findings: fix them, or review them and add them with a reason to electronegativity-allow.json').toEqual([]);
    const stale = allowed.filter((a) => !found.some((f) => f.check === a.check && f.file === a.file));
    expect(stale, 'allowed findings that no longer occur: remove them from electronegativity-allow.json').toEqual([]);
  }, 180_000);
});
