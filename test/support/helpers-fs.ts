import { createHash, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdtemp, open, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Folders made by tempDir in this test file; the setup file removes them after the file's tests, passed or failed. */
export const madeDirs = new Set<string>();

export async function tempDir(prefix = 'ferry-test-'): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  madeDirs.add(dir);
  return dir;
}

export async function removeMadeDirs(): Promise<void> {
  const dirs = [...madeDirs];
  madeDirs.clear();
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
}

/** A file of pseudo-random bytes (not compressible, not all zero) and its SHA-256. */
export async function randomFile(dir: string, name: string, size: number): Promise<{ path: string; sha256: string; size: number }> {
  const path = join(dir, name);
  const hash = createHash('sha256');
  const fh = await open(path, 'w');
  const chunk = 8 * 1024 * 1024;
  for (let done = 0; done < size; done += chunk) {
    const buf = randomBytes(Math.min(chunk, size - done));
    hash.update(buf);
    await fh.write(buf);
  }
  await fh.close();
  return { path, sha256: hash.digest('hex'), size };
}

export async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

export async function sha256Stream(body: AsyncIterable<Uint8Array>): Promise<{ sha256: string; size: number }> {
  const hash = createHash('sha256');
  let size = 0;
  for await (const chunk of body) {
    hash.update(chunk);
    size += chunk.length;
  }
  return { sha256: hash.digest('hex'), size };
}

