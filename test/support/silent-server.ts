import { createServer, type Socket } from 'node:net';

/**
 * A server that takes every connection and never answers: the lost answer a client's deadline
 * must end. `connections` counts what reached it; `close` drops them all.
 */
export async function silentServer(): Promise<{ endpoint: string; connections: () => number; close: () => void }> {
  const sockets = new Set<Socket>();
  const server = createServer((s) => {
    sockets.add(s);
    s.resume();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    endpoint: `http://127.0.0.1:${(server.address() as { port: number }).port}`,
    connections: () => sockets.size,
    close: () => {
      for (const s of sockets) s.destroy();
      server.close();
    },
  };
}
