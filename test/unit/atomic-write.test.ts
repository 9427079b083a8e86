import { spawn } from 'node:child_process';
import { readFile, readdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../support/helpers';

const writer = `
import { writeFileAtomic } from ${JSON.stringify(resolve(__dirname, '../../main/core/files.ts'))};
const path = process.argv[2];
for (let i = 1; ; i++) {
  await writeFileAtomic(path, JSON.stringify({ generation: i, padding: 'x'.repeat(2_000_000 + (i % 7) * 100_000) }));
  if (i === 1) process.stdout.write('first\\n');
}
`;

describe('writeFileAtomic', () => {
  it('leaves a complete old or new file when the writer is killed with SIGKILL mid-write', async () => {
    const dir = await tempDir();
    const script = join(dir, 'writer.mts');
    await writeFile(script, writer);
    const target = join(dir, 'settings.json');
    const generations = new Set<number>();
    for (let round = 0; round < 5; round++) {
      const child = spawn(process.execPath, ['--import', 'tsx', script, target], { stdio: ['ignore', 'pipe', 'inherit'] });
      await new Promise<void>((r) => child.stdout.once('data', () => r()));
      await new Promise((r) => setTimeout(r, 20 + round * 37));
      child.kill('SIGKILL');
      await new Promise((r) => child.once('exit', r));
      const parsed = JSON.parse(await readFile(target, 'utf8')) as { generation: number; padding: string };
      expect(parsed.padding.length).toBe(2_000_000 + (parsed.generation % 7) * 100_000);
      generations.add(parsed.generation);
    }
    // Each round's killed writer may leave its temporary file, never a torn target.
    const leftovers = (await readdir(dir)).filter((n) => n !== 'writer.mts' && n !== 'settings.json');
    expect(leftovers.every((n) => n.startsWith('settings.json.') && n.endsWith('.tmp'))).toBe(true);
    expect(generations.size).toBeGreaterThan(0);
  });
});
