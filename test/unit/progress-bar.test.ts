import { describe, expect, it } from 'vitest';
import { ProgressBar } from '../../main/cli/progress-bar';

/** A terminal of `columns` that keeps what a carriage-return-redrawn line shows. */
function terminal(columns: number) {
  let screen = '';
  const stream = Object.assign(
    {
      write(chunk: string) {
        for (const frame of chunk.split('\r').slice(1)) screen = frame + screen.slice(frame.length);
        return true;
      },
    },
    { columns },
  ) as unknown as NodeJS.WritableStream & { columns: number };
  return { stream, screen: () => screen.trimEnd() };
}

describe('the progress line', () => {
  it('a shorter line after a longer one leaves nothing of the longer one on a wide terminal', () => {
    const t = terminal(120);
    const bar = new ProgressBar(t.stream);
    const p = { bytesDone: 512 * 1024 ** 2, totalBytes: 2 * 1024 ** 3, bytesPerSecond: 1.23 * 1024 ** 2, etaSeconds: 1234, done: false };
    bar.update(p);
    expect(t.screen().length).toBeGreaterThan(60);
    bar.setWaiting(true);
    expect(t.screen()).toMatch(/waiting for network…$/);
    bar.setWaiting(false);
    bar.update({ ...p, etaSeconds: 5 });
    expect(t.screen()).toMatch(/5 seconds left$/);
    bar.clear();
    expect(t.screen()).toBe('');
  });

  it('never draws past the terminal, whatever its width', () => {
    for (const columns of [0, 10, 40]) {
      const t = terminal(columns);
      new ProgressBar(t.stream).update({ bytesDone: 1, totalBytes: 2, bytesPerSecond: 1, etaSeconds: 100_000, done: false });
      expect(t.screen().length).toBeLessThan(columns || 80);
    }
  });

  it('before a rate is known, bytes that move are shown without a "0 B/s" that reads as a stall', () => {
    const t = terminal(120);
    const bar = new ProgressBar(t.stream);
    bar.update({ bytesDone: 25 * 1024 ** 2, totalBytes: 300 * 1024 ** 2, bytesPerSecond: 0, done: false });
    expect(t.screen()).toBe('  8%  25 MiB of 300 MiB  measuring speed…');
    bar.update({ bytesDone: 85 * 1024 ** 2, totalBytes: 300 * 1024 ** 2, bytesPerSecond: 30 * 1024 ** 2, etaSeconds: 8, done: false });
    expect(t.screen()).toBe(' 28%  85 MiB of 300 MiB  30 MiB/s, 8 seconds left');
  });
});
