/**
 * The private object format (main/core/private/format.ts, docs/private-links.md), pinned by
 * known answers: a key, salt and file give exactly these bytes, today and in any later Ferry, so
 * every page and every Ferry opens what any other wrote. And every change to an object (a byte,
 * chunks swapped, the last chunk dropped, cut short) is refused, leaving no output file.
 */
import { createECDH, createHash } from 'node:crypto';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CHUNK, KIND_REQUEST, KIND_SHARE, makeHeader, recipientKey, requestKey, shareKey, TAG, unwrapKey, wrapKey, parseHeader } from '../../main/core/private/format';
import { metaOf, openFile, sealFile } from '../../main/core/private/seal';
import { tempDir } from '../support/helpers';
import { KAT } from '../support/private-kat';


const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

async function sealKat(dir: string): Promise<Buffer> {
  const src = join(dir, KAT.name);
  await writeFile(src, KAT.content);
  const out = join(dir, 'kat.enc');
  await sealFile(src, out, makeHeader(KIND_SHARE, KAT.salt), shareKey(KAT.key, KAT.salt), { name: KAT.name, type: 'application/octet-stream' });
  return readFile(out);
}

describe('the private object format', () => {
  it('a known key, salt and file give exactly the pinned bytes (share and request kinds), and open to the file', async () => {
    const dir = await tempDir();
    const sealed = await sealKat(dir);
    expect(sealed.length).toBe(KAT.share.length);
    expect(sealed.subarray(0, 48).toString('hex')).toBe(KAT.share.start);
    expect(sha(sealed)).toBe(KAT.share.sha256);
    const meta = await openFile(join(dir, 'kat.enc'), join(dir, 'back.bin'), (h) => shareKey(KAT.key, h.salt));
    expect(meta).toEqual({ name: KAT.name, type: 'application/octet-stream', size: KAT.content.length });
    expect(await readFile(join(dir, 'back.bin'))).toEqual(KAT.content);

    const r = createECDH('prime256v1');
    r.setPrivateKey(KAT.request.recipient);
    const e = createECDH('prime256v1');
    e.setPrivateKey(KAT.request.sender);
    const header = makeHeader(KIND_REQUEST, KAT.salt, e.getPublicKey());
    await sealFile(join(dir, KAT.name), join(dir, 'req.enc'), header, requestKey(e.computeSecret(r.getPublicKey()), KAT.salt, r.getPublicKey(), e.getPublicKey()), { name: KAT.name, type: 'application/octet-stream' });
    const req = await readFile(join(dir, 'req.enc'));
    expect(req.length).toBe(KAT.request.length);
    expect(sha(req)).toBe(KAT.request.sha256);
    // The recipient opens it with its private key alone.
    await openFile(join(dir, 'req.enc'), join(dir, 'req.bin'), (h) => recipientKey(KAT.request.recipient, h));
    expect(await readFile(join(dir, 'req.bin'))).toEqual(KAT.content);
    expect(metaOf(req.subarray(0, 70_000), req.length, (h) => recipientKey(KAT.request.recipient, h)).name).toBe(KAT.name);
  });

  it('no 16-byte run of the file or of its name is in the object', async () => {
    const dir = await tempDir();
    const sealed = await sealKat(dir);
    for (let at = 0; at + 16 <= KAT.content.length; at += 997) expect(sealed.includes(KAT.content.subarray(at, at + 16))).toBe(false);
    expect(sealed.includes(Buffer.from(KAT.name))).toBe(false);
  });

  it('every change is refused, and leaves no file: a flipped byte, two chunks swapped, the last chunk dropped, cut short, a wrong key', async () => {
    const dir = await tempDir();
    const sealed = await sealKat(dir);
    const h = 25;
    const full = CHUNK + TAG;
    const chunk = (i: number) => sealed.subarray(h + i * full, h + (i + 1) * full);
    const cases: Record<string, Buffer> = {
      'a flipped byte': Buffer.from(sealed).fill(sealed[70_000]! ^ 1, 70_000, 70_001),
      'a flipped header byte': Buffer.from(sealed).fill(sealed[12]! ^ 1, 12, 13),
      'two chunks swapped': Buffer.concat([sealed.subarray(0, h), chunk(1), chunk(0), sealed.subarray(h + 2 * full)]),
      'the last chunk dropped': sealed.subarray(0, h + 2 * full),
      'cut short': sealed.subarray(0, sealed.length - 100),
      'a last chunk of its tag alone': sealed.subarray(0, h + 2 * full + TAG),
    };
    for (const [what, bytes] of Object.entries(cases)) {
      await writeFile(join(dir, 'bad.enc'), bytes);
      const err = await openFile(join(dir, 'bad.enc'), join(dir, 'out.bin'), (x) => shareKey(KAT.key, x.salt)).catch((e: Error & { code?: string }) => e);
      expect((err as { code?: string }).code, what).toBe('PRIVATE_TAMPERED');
      expect((await readdir(dir)).filter((f) => f.startsWith('out.bin')), what).toEqual([]);
    }
    await writeFile(join(dir, 'ok.enc'), sealed);
    const wrong = await openFile(join(dir, 'ok.enc'), join(dir, 'out.bin'), (x) => shareKey(Buffer.alloc(32, 9), x.salt)).catch((e: { code?: string }) => e);
    expect((wrong as { code?: string }).code).toBe('PRIVATE_TAMPERED');
    expect(parseHeader(sealed).kind).toBe(KIND_SHARE);
  });

  it('a passphrase wraps the key: the right one unwraps it, a wrong one is refused', async () => {
    const w = await wrapKey(KAT.key, 'correct horse battery', 100_000, KAT.salt);
    expect(await unwrapKey(w, 'correct horse battery')).toEqual(KAT.key);
    await expect(unwrapKey(w, 'correct horse batterY')).rejects.toMatchObject({ code: 'PRIVATE_PASSPHRASE' });
    // A link asking for a weak (or absurd) work factor is not followed.
    await expect(unwrapKey({ ...w, i: 1000 }, 'correct horse battery')).rejects.toMatchObject({ code: 'PRIVATE_TAMPERED' });
  });

  it("Ferry's working folder: the folders of Ferry processes that are gone are removed with what they held, a live one's never", async () => {
    const { mkdir } = await import('node:fs/promises');
    const { PrivateShares } = await import('../../main/core/private/shares');
    const { processIdentity } = await import('../../main/core/lock');
    const { LinkHistory } = await import('../../main/core/links/link-history');
    const { MemorySecretStore } = await import('../../main/core/secrets/secrets');
    const dataDir = await tempDir();
    const root = join(dataDir, 'private-tmp');
    // A killed share left a plaintext copy; the parent (the test runner) is alive and sharing.
    const dead = join(root, `999999-${Buffer.from('x:1').toString('hex')}`);
    const live = join(root, `${process.ppid}-${Buffer.from(processIdentity(process.ppid) ?? '').toString('hex')}`);
    const reused = join(root, `${process.ppid}-${Buffer.from('another-boot:42').toString('hex')}`);
    for (const d of [dead, live, reused]) {
      await mkdir(d, { recursive: true });
      await writeFile(join(d, 'source-1'), 'a plain copy');
    }
    const shares = new PrivateShares({ secrets: new MemorySecretStore(), links: new LinkHistory(dataDir), clock: { now: () => Date.now() }, dataDir });
    const mine = await shares.tempFile('sealed');
    const left = (await readdir(root)).sort();
    expect(left).toContain(live.slice(root.length + 1));
    expect(left).not.toContain(dead.slice(root.length + 1));
    // The same process ID with another identity is another process: it is gone too.
    expect(left).not.toContain(reused.slice(root.length + 1));
    expect(mine.startsWith(join(root, `${process.pid}-`))).toBe(true);
  });
});
