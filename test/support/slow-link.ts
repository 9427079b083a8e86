/**
 * A slow uplink in front of the gateway: a loopback TCP proxy that reads what Ferry sends only
 * at a fixed rate, shared by all connections as one link is. It pauses a connection after each
 * chunk it reads until the link would have carried that chunk, so it holds at most one read
 * (64 KiB) per connection itself: everything else Ferry has written waits in the kernel's socket
 * buffers, where a real uplink's back-pressure keeps it. Answers come back at full speed.
 *
 * It counts what it has passed on to the server, and socketQueues() reads how many bytes sit in
 * the kernel between Ferry and it, so a test can say where every byte Ferry counted as sent is.
 */
import { readFileSync } from 'node:fs';
import { createServer, Socket } from 'node:net';

export interface SlowLink {
  endpoint: string;
  port: number;
  /** Bytes passed on to the server (their write to its socket done), over every connection so far. */
  passed(): number;
  /** Bytes the proxy has read from Ferry and not passed on yet: at most a read or two per connection. */
  held(): number;
  close(): Promise<void>;
}

export async function startSlowLink(target: string, bytesPerSecond: number): Promise<SlowLink> {
  const { hostname, port: targetPort } = new URL(target);
  const sockets = new Set<Socket>();
  const clients = new Set<Socket>();
  let passed = 0;
  let inWrites = 0;
  // When the link is free again: every connection's reads are spaced out by the same clock.
  let linkFreeAt = 0;

  const server = createServer({ highWaterMark: 16 * 1024 }, (client) => {
    const upstream = new Socket();
    sockets.add(client).add(upstream);
    clients.add(client);
    upstream.connect(Number(targetPort), hostname);
    client.on('data', (chunk: Buffer) => {
      client.pause();
      inWrites += chunk.length;
      upstream.write(chunk, (err) => {
        inWrites -= chunk.length;
        if (!err) passed += chunk.length;
      });
      const now = performance.now();
      linkFreeAt = Math.max(linkFreeAt, now) + (chunk.length / bytesPerSecond) * 1000;
      setTimeout(() => client.resume(), linkFreeAt - now);
    });
    upstream.on('data', (chunk: Buffer) => client.write(chunk));
    const end = () => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
      clients.delete(client);
    };
    for (const s of [client, upstream]) {
      s.on('close', end);
      s.on('error', end);
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    port,
    passed: () => passed,
    held: () => inWrites + [...clients].reduce((n, c) => n + c.readableLength, 0),
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/**
 * Bytes waiting in the kernel between the clients of a local port and the server listening on
 * it, read from /proc/net/tcp: the send queues of sockets connected to the port (tx_queue) plus
 * the receive queues of the sockets it accepted (rx_queue). Node cannot see these queues; they
 * are the one place bytes Ferry counted as sent may still be.
 */
export function socketQueues(port: number): { sendQueues: number; receiveQueues: number } {
  let sendQueues = 0;
  let receiveQueues = 0;
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text: string;
    try {
      text = readFileSync(table, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      // sl local_address rem_address st tx_queue:rx_queue …, addresses as HEXIP:HEXPORT.
      const [, local, remote, state, queues] = line.trim().split(/\s+/);
      if (!local || !remote || !queues || state === '0A') continue;
      const [tx, rx] = queues.split(':').map((h) => parseInt(h, 16)) as [number, number];
      if (parseInt(remote.split(':')[1]!, 16) === port) sendQueues += tx;
      if (parseInt(local.split(':')[1]!, 16) === port) receiveQueues += rx;
    }
  }
  return { sendQueues, receiveQueues };
}
