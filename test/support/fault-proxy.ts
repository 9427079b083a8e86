/**
 * A TCP proxy between Ferry and the gateway that misbehaves on request: it can reset
 * connections after a number of bytes, stall them (forward nothing, answer nothing), or go away
 * entirely (refuse connections) and come back. Only loopback addresses are involved.
 */
import { createServer, Socket, type Server } from 'node:net';

export interface FaultProxy {
  endpoint: string;
  /** Resets each of the next `count` connections once it has carried `afterBytes` towards the server. */
  resetNext(count: number, afterBytes: number): void;
  /** Stalls each of the next `count` connections once it has carried `afterBytes`: bytes go nowhere, nothing comes back. */
  stallNext(count: number, afterBytes: number): void;
  /** Flips one byte, `atByte` bytes into each of the next `count` connections, on its way to the server. */
  corruptNext(count: number, atByte: number): void;
  /** Drops every connection and refuses new ones until up(). */
  down(): Promise<void>;
  up(): Promise<void>;
  /** Connections seen so far. */
  connections(): number;
  close(): Promise<void>;
}

export async function startFaultProxy(target: string): Promise<FaultProxy> {
  const { hostname, port: targetPort } = new URL(target);
  const sockets = new Set<Socket>();
  let resets: Array<{ after: number }> = [];
  let stalls: Array<{ after: number }> = [];
  let corruptions: Array<{ after: number }> = [];
  let seen = 0;
  let server: Server | undefined;
  let port = 0;

  const onConnection = (client: Socket) => {
    seen++;
    const upstream = new Socket();
    sockets.add(client);
    sockets.add(upstream);
    const reset = resets.shift();
    const stall = reset ? undefined : stalls.shift();
    const corrupt = reset || stall ? undefined : corruptions.shift();
    let flipped = false;
    let carried = 0;
    let stalled = false;
    upstream.connect(Number(targetPort), hostname);
    client.on('data', (chunk: Buffer) => {
      if (stalled) return;
      carried += chunk.length;
      if (reset && carried >= reset.after) {
        client.resetAndDestroy();
        upstream.destroy();
        return;
      }
      if (stall && carried >= stall.after) {
        stalled = true;
        return;
      }
      if (corrupt && !flipped && carried >= corrupt.after) {
        // Flip a bit in this chunk: TCP will not notice, only an end-to-end checksum can.
        flipped = true;
        const i = Math.max(0, chunk.length - 1 - (carried - corrupt.after));
        chunk = Buffer.from(chunk);
        chunk[i] = chunk[i]! ^ 0x01;
      }
      if (!upstream.write(chunk)) client.pause();
    });
    upstream.on('drain', () => client.resume());
    upstream.on('data', (chunk: Buffer) => {
      if (!stalled) client.write(chunk);
    });
    const end = () => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on('close', end);
    upstream.on('close', () => {
      if (!stalled) end();
    });
    client.on('error', end);
    upstream.on('error', end);
  };

  const listen = () =>
    new Promise<void>((resolve, reject) => {
      if (server) return resolve();
      server = createServer(onConnection);
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => {
        const a = server!.address();
        port = typeof a === 'object' && a ? a.port : port;
        resolve();
      });
    });
  const stop = async () => {
    for (const s of sockets) s.destroy();
    sockets.clear();
    await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
    server = undefined;
  };
  await listen();

  return {
    endpoint: `http://127.0.0.1:${port}`,
    resetNext: (count, afterBytes) => (resets = Array.from({ length: count }, () => ({ after: afterBytes }))),
    stallNext: (count, afterBytes) => (stalls = Array.from({ length: count }, () => ({ after: afterBytes }))),
    corruptNext: (count, atByte) => (corruptions = Array.from({ length: count }, () => ({ after: atByte }))),
    down: stop,
    up: listen,
    connections: () => seen,
    close: stop,
  };
}
