/**
 * An update feed served by a test on 127.0.0.1: manifests as electron-builder writes them
 * (js-yaml's dump with electron-builder's options), signed as docs/updates.md says, with a key
 * pair made by the test.
 */
import { createHash, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { dump } from 'js-yaml';

export interface TestKey {
  privateKey: KeyObject;
  /** Base64 SPKI, the form update-key.ts holds. */
  publicKey: string;
}

export function testKey(): TestKey {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  return { privateKey, publicKey: publicKey.export({ format: 'der', type: 'spki' }).toString('base64') };
}

/** The signature as docs/updates.md specifies it, written out here apart from the code under test. */
export function signManifest(name: string, bytes: string | Buffer, key: KeyObject): string {
  return `${sign(null, Buffer.concat([Buffer.from(`ferry-update-feed-v1\n${name}\n`), Buffer.from(bytes)]), key).toString('base64')}\n`;
}

export const sha512 = (bytes: Buffer | string) => createHash('sha512').update(bytes).digest('base64');

/** A manifest in electron-builder's shape for the given installers. */
export function manifestText(version: string, files: { name: string; bytes: Buffer }[], extra: Record<string, unknown> = {}): string {
  const list = files.map((f) => ({ url: f.name, sha512: sha512(f.bytes), size: f.bytes.length }));
  return dump({ version, files: list, path: list[0]!.url, sha512: list[0]!.sha512, releaseDate: '2026-12-01T10:00:00.000Z', ...extra }, { lineWidth: 8000, noRefs: true });
}

type Route = string | Buffer | ((req: IncomingMessage, res: ServerResponse) => void);

export interface TestFeed {
  url: string;
  routes: Map<string, Route>;
  /** Paths asked for, in order. */
  asked: string[];
  close(): Promise<void>;
}

/** Serves `routes` (path under /feed/ → body or handler); anything else is S3's 404. */
export async function serveFeed(routes: Record<string, Route> = {}): Promise<TestFeed> {
  const map = new Map(Object.entries(routes));
  const asked: string[] = [];
  const sockets = new Set<Socket>();
  const server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url!, 'http://x').pathname);
    asked.push(path);
    const route = path.startsWith('/feed/') ? map.get(path.slice('/feed/'.length)) : undefined;
    if (route === undefined) {
      res.writeHead(404, { 'content-type': 'application/xml' }).end('<?xml version="1.0"?><Error><Code>NoSuchKey</Code></Error>');
      return;
    }
    if (typeof route === 'function') return route(req, res);
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': Buffer.byteLength(route) }).end(route);
  });
  server.on('connection', (s) => (sockets.add(s), s.on('close', () => sockets.delete(s))));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/feed/`,
    routes: map,
    asked,
    close: () => new Promise<void>((resolve) => (sockets.forEach((s) => s.destroy()), server.close(() => resolve()))),
  };
}
