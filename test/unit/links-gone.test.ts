/**
 * checkLinks with storage in memory: what counts as gone (the server's "no such object" only),
 * how many requests run at once, and that a slow answer never holds the listing past its deadline.
 */
import { describe, expect, it } from 'vitest';
import { FerryError } from '../../main/core/errors';
import { checkLinks, shareFiles, type HeadStorage } from '../../main/core/links/gone';
import type { LinkRecord } from '../../main/core/links/link-history';
import { jsonForScript } from '../../main/core/sharing/pages';

const link = (key: string, extra: Partial<LinkRecord> = {}): LinkRecord => ({
  account: 'work',
  endpoint: 'https://s3.example.test',
  bucket: 'b',
  key,
  createdAt: '2026-12-04T12:00:00.000Z',
  expiresAt: '2026-12-05T12:00:00.000Z',
  ...extra,
});

/** Storage whose objects are `present`; `fail` names keys whose HEAD fails with that error. */
function storage(present: string[], opts: { fail?: Record<string, Error>; delayMs?: number; pages?: Record<string, string> } = {}) {
  let running = 0;
  const seen = { max: 0, heads: 0 };
  const s: HeadStorage = {
    async exists(_bucket, key) {
      seen.heads++;
      running++;
      seen.max = Math.max(seen.max, running);
      try {
        await new Promise((r) => setTimeout(r, opts.delayMs ?? 1));
        if (opts.fail?.[key]) throw opts.fail[key];
        return present.includes(key);
      } finally {
        running--;
      }
    },
    async getBytes(_bucket, key) {
      const page = opts.pages?.[key];
      if (page === undefined) throw new FerryError('NO_SUCH_KEY', 'gone');
      return Buffer.from(page);
    },
  };
  return { s, seen };
}

const sharePage = (files: string[]) => `<html><script type="application/json" id="ferry-data">${jsonForScript({ title: 't', files: files.map((name) => ({ name, size: 1, url: 'https://x' })) })}</script></html>`;

describe('checkLinks', () => {
  it('only "no such object" is gone; a network error or refused keys leave the link unchecked, with the reason', async () => {
    const records = [link('there'), link('deleted'), link('unreachable'), link('denied')];
    const { s } = storage(['there'], {
      fail: {
        unreachable: new FerryError('ENDPOINT_UNREACHABLE', 'Cannot reach https://s3.example.test (ECONNREFUSED). Check the endpoint URL and your network connection, then try again.'),
        denied: new FerryError('ACCESS_DENIED', 'https://s3.example.test refused the request (403 Forbidden).'),
      },
    });
    const { states, unchecked } = await checkLinks(records, async () => s, { concurrency: 4, deadlineMs: 5_000 });
    expect(states.get(records[0]!)).toEqual({ objectGone: false });
    expect(states.get(records[1]!)).toEqual({ objectGone: true });
    expect(states.has(records[2]!)).toBe(false);
    expect(unchecked.map((u) => [u.record.key, u.why])).toEqual([
      ['unreachable', 'offline (Cannot reach https://s3.example.test (ECONNREFUSED))'],
      ['denied', 'https://s3.example.test refused the request (403 Forbidden).'],
    ]);
  });

  it('at most `concurrency` requests at once, over all the links', async () => {
    const records = Array.from({ length: 30 }, (_, i) => link(`k${i}`));
    const { s, seen } = storage(records.map((r) => r.key), { delayMs: 5 });
    const { states } = await checkLinks(records, async () => s, { concurrency: 3, deadlineMs: 5_000 });
    expect(states.size).toBe(30);
    expect(seen.heads).toBe(30);
    expect(seen.max).toBe(3);
  });

  it('a server slower than the deadline: the check returns at the deadline, the links unchecked', async () => {
    const records = [link('a'), link('b')];
    const { s } = storage(['a', 'b'], { delayMs: 10_000 });
    const started = Date.now();
    const { states, unchecked } = await checkLinks(records, async () => s, { concurrency: 8, deadlineMs: 200 });
    expect(Date.now() - started).toBeLessThan(1_500);
    expect(states.size).toBe(0);
    expect(unchecked.map((u) => u.why)).toEqual(['no answer within 200 ms', 'no answer within 200 ms']);
  });

  it("a one-link share's files are read from its page; a private link's from its record", async () => {
    const share = link('.ferry/shares/p.html', { share: { prefix: 'many/', title: 't', files: 3 } });
    const priv = link('.ferry/private/q.html', { private: { id: '0123456789abcdef', objects: ['o1', 'o2'], files: 2, title: 't', passphrase: false } });
    const { s } = storage(['.ferry/shares/p.html', 'many/a', 'many/c', '.ferry/private/q.html', 'o2'], { pages: { '.ferry/shares/p.html': sharePage(['many/a', 'many/b', 'many/c']) } });
    const { states } = await checkLinks([share, priv], async () => s, { concurrency: 2, deadlineMs: 5_000 });
    expect(states.get(share)).toEqual({ objectGone: false, files: { gone: 1, of: 3 } });
    expect(states.get(priv)).toEqual({ objectGone: false, files: { gone: 1, of: 2 } });
  });

  it('an account that cannot be connected to leaves its links unchecked with that reason', async () => {
    const { unchecked } = await checkLinks([link('a')], async () => 'There is no account named "work".', { concurrency: 2, deadlineMs: 5_000 });
    expect(unchecked).toMatchObject([{ why: 'There is no account named "work".' }]);
  });

  it('a page that is not a share page any more lists no files', () => {
    expect(shareFiles(Buffer.from(sharePage(['x/y'])))).toEqual(['x/y']);
    // Pages name a file by its path in the folder shared, and its key beside it; older pages named the key.
    const page = `<script type="application/json" id="ferry-data">${jsonForScript({ files: [{ name: 'y', key: 'x/y', size: 1, url: 'https://x' }] })}</script>`;
    expect(shareFiles(Buffer.from(page))).toEqual(['x/y']);
    expect(shareFiles(Buffer.from('<html>rewritten</html>'))).toBeUndefined();
    expect(shareFiles(Buffer.from('<script type="application/json" id="ferry-data">{"files":[{"name":3}]}</script>'))).toBeUndefined();
  });
});
