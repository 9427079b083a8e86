/**
 * A loopback TCP proxy that behaves like a link over the internet: every chunk is delivered
 * half a round trip later in each direction (so a request and its answer cost one RTT), and,
 * optionally, both directions share a bandwidth limit. `tc netem` is not available on these
 * machines; this stands in for it. Ordering within a connection is kept.
 */
import { spawn } from 'node:child_process';
import { createServer, Socket, type Server } from 'node:net';

export interface SlowLink {
  endpoint: string;
  close(): Promise<void>;
}

/**
 * Starts the link in its own process: the benchmark measures clients with spawnSync, which
 * blocks its own event loop, so a proxy living there would stall.
 */
export async function startSlowLink(target: string, opts: { rttMs: number; bytesPerSecond?: number }): Promise<SlowLink> {
  const child = spawn(process.execPath, ['--import', 'tsx', __filename, target, String(opts.rttMs), String(opts.bytesPerSecond ?? 0)], { stdio: ['ignore', 'pipe', 'inherit'] });
  const endpoint = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (b: Buffer) => {
      out += b.toString();
      const line = out.split('\n')[0];
      if (out.includes('\n') && line) resolve(line.trim());
    });
    child.on('exit', (code) => reject(new Error(`the slow link exited (${code})`)));
  });
  return {
    endpoint,
    close: () =>
      new Promise<void>((resolve) => {
        child.once('exit', () => resolve());
        child.kill();
      }),
  };
}

async function serveSlowLink(target: string, opts: { rttMs: number; bytesPerSecond?: number }): Promise<SlowLink> {
  const { hostname, port } = new URL(target);
  const oneWay = opts.rttMs / 2;
  const sockets = new Set<Socket>();
  // One shared pipe: a chunk may leave only when the link has carried the ones before it.
  let linkFreeAt = 0;
  const departure = (bytes: number) => {
    if (!opts.bytesPerSecond) return 0;
    const now = performance.now();
    linkFreeAt = Math.max(linkFreeAt, now) + (bytes / opts.bytesPerSecond) * 1000;
    return linkFreeAt - now;
  };
  /** Forwards from one socket to another, each chunk after the delay; reading pauses while much is in flight. */
  const pipe = (from: Socket, to: Socket) => {
    let pending = 0;
    let chain = Promise.resolve();
    from.on('data', (chunk: Buffer) => {
      pending += chunk.length;
      if (pending > 4 * 1024 * 1024) from.pause();
      const at = performance.now() + oneWay + departure(chunk.length);
      chain = chain.then(
        () =>
          new Promise<void>((resolve) => {
            setTimeout(() => {
              if (!to.destroyed) to.write(chunk);
              pending -= chunk.length;
              if (pending <= 1024 * 1024) from.resume();
              resolve();
            }, Math.max(0, at - performance.now()));
          }),
      );
    });
    from.on('end', () => void chain.then(() => to.end()));
    from.on('error', () => to.destroy());
    from.on('close', () => void chain.then(() => to.destroy()));
  };
  const server: Server = createServer((client) => {
    const upstream = new Socket();
    sockets.add(client);
    sockets.add(upstream);
    client.on('close', () => sockets.delete(client));
    upstream.on('close', () => sockets.delete(upstream));
    // Connecting costs a round trip too, as a TCP handshake does.
    client.pause();
    setTimeout(() => {
      upstream.connect(Number(port), hostname, () => {
        pipe(client, upstream);
        pipe(upstream, client);
        client.resume();
      });
    }, opts.rttMs);
    upstream.on('error', () => client.destroy());
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const address = server.address();
  const local = typeof address === 'object' && address ? address.port : 0;
  return {
    endpoint: `http://127.0.0.1:${local}`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

// Run as its own process: prints the endpoint, then serves until killed.
if (require.main === module) {
  const [target, rtt, bw] = process.argv.slice(2);
  void serveSlowLink(target!, { rttMs: Number(rtt), ...(Number(bw) ? { bytesPerSecond: Number(bw) } : {}) }).then((link) => process.stdout.write(`${link.endpoint}\n`));
}
