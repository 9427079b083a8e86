import { appendFile, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LinkHistory, type LinkRecord } from '../../main/core/links/link-history';
import { tempDir } from '../support/helpers-fs';

const record = (key: string): LinkRecord => ({
  account: 'a',
  endpoint: 'https://s3.example',
  bucket: 'b',
  key,
  createdAt: '2026-11-30T00:00:00.000Z',
  expiresAt: '2026-12-01T00:00:00.000Z',
});

describe('JSON Lines history', () => {
  it('a torn last line (a crash mid-append) does not swallow the next record', async () => {
    const dir = await tempDir();
    const log = new LinkHistory(dir);
    await log.add(record('first.txt'));
    // What a crash in the middle of writing a line leaves: no newline at the end.
    await appendFile(join(dir, 'links.jsonl'), '{"account":"a","endpoint":"https://s3.exa');
    await log.add(record('second.txt'));
    await log.add(record('third.txt'));
    expect((await log.list()).map((r) => r.key)).toEqual(['third.txt', 'second.txt', 'first.txt']);
  });

  it('reads newest first from the end, whatever the size of the file (here over 512 MiB)', async () => {
    const dir = await tempDir();
    const path = join(dir, 'links.jsonl');
    await writeFile(path, `${JSON.stringify(record('oldest.txt'))}\n`);
    // 600 MiB of garbage without a newline (a sparse file: no disk is used), then real records.
    await truncate(path, 600 * 1024 * 1024);
    await appendFile(path, '\n');
    const log = new LinkHistory(dir);
    for (let i = 0; i < 300; i++) await log.add(record(`file-${i}.txt`));
    const recent = await log.list(200);
    expect(recent).toHaveLength(200);
    expect(recent[0]!.key).toBe('file-299.txt');
    expect(recent[199]!.key).toBe('file-100.txt');
    // All of it, skipping the overlong line without holding it in memory.
    const all = await log.list();
    expect(all).toHaveLength(301);
    expect(all.at(-1)!.key).toBe('oldest.txt');
  });

  it('lines longer than one read, and chunk boundaries inside lines, parse', async () => {
    const dir = await tempDir();
    const log = new LinkHistory(dir);
    const keys = Array.from({ length: 40 }, (_, i) => `${'k'.repeat(1000 + i * 3001)}-${i}`);
    for (const k of keys) await log.add(record(k));
    expect((await log.list()).map((r) => r.key)).toEqual(keys.reverse());
  });
});
