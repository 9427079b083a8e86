/**
 * An HTTP proxy in front of the gateway that misbehaves on cue where a real server cannot: it
 * can answer a request itself, forward it and then drop the answer, or rewrite an answer. Every
 * other request goes to the gateway unchanged (the Host header too, so signatures still match).
 * Only loopback addresses are involved.
 */
import { createServer, request as httpRequest, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from 'node:http';

export interface StubRequest {
  method: string;
  /** Path and query, as sent. */
  url: URL;
  headers: IncomingHttpHeaders;
}

export interface StubAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

export type StubAction =
  /** Answer with this instead of asking the gateway; `early` answers before the request body has arrived. */
  | { respond: { status: number; headers?: Record<string, string>; body?: string; early?: boolean } }
  /**
   * Let the gateway do the work, then close the connection without answering, or with `keepOpen`
   * never answer at all (the client waits until it gives up). `onAnswer` hears what the gateway said.
   */
  | { dropAnswer: true; keepOpen?: boolean; onAnswer?: (answer: StubAnswer) => void }
  /** Let the gateway do the work, pass on its headers and the first `bytes` of its body, then close the connection. */
  | { cutAnswer: number }
  /** Handle the request only once `until` settles, then as `then` says (forwarded unchanged without it). */
  | { hold: Promise<unknown>; then?: StubAction }
  /** Ask the gateway and change its answer before passing it on. */
  | { rewrite: (answer: StubAnswer) => StubAnswer };

export interface StubProxy {
  endpoint: string;
  /** Every request seen, in order. */
  seen: StubRequest[];
  /** Requests arrived and not yet answered (the rule may read it: a server that serves so many at once). */
  inFlight(): number;
  close(): Promise<void>;
}

/** S3's XML error body. */
export function s3Error(code: string, message: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?><Error><Code>${code}</Code><Message>${message}</Message></Error>`;
}

export async function startStubProxy(target: string, rule: (req: StubRequest) => StubAction | undefined): Promise<StubProxy> {
  const { hostname, port } = new URL(target);
  const seen: StubRequest[] = [];
  let inFlight = 0;
  const server: Server = createServer((req, res) => {
    const stub: StubRequest = { method: req.method ?? 'GET', url: new URL(req.url ?? '/', 'http://stub'), headers: req.headers };
    seen.push(stub);
    inFlight++;
    res.once('close', () => inFlight--);
    const first = rule(stub);
    if (first && 'hold' in first) {
      req.pause();
      const go = () => handle(req, res, stub, first.then);
      void first.hold.then(go, go);
      return;
    }
    handle(req, res, stub, first);
  });
  const handle = (req: IncomingMessage, res: ServerResponse, stub: StubRequest, action: StubAction | undefined): void => {
    if (action && 'hold' in action) throw new Error('a held request is handled once');
    if (action && 'respond' in action) {
      const answer = () => {
        const body = action.respond.body ?? '';
        res.writeHead(action.respond.status, { 'content-type': 'application/xml', 'content-length': Buffer.byteLength(body), ...action.respond.headers });
        res.end(body);
      };
      req.resume();
      if (action.respond.early) answer();
      else req.on('end', answer);
      return;
    }
    const upstream = httpRequest({ host: hostname, port: Number(port), method: req.method, path: req.url, headers: req.headers }, (answer) => {
      if (action && 'dropAnswer' in action) {
        const chunks: Buffer[] = [];
        answer.on('data', (c: Buffer) => chunks.push(c));
        answer.on('end', () => {
          action.onAnswer?.({ status: answer.statusCode ?? 502, headers: { ...answer.headers }, body: Buffer.concat(chunks) });
          if (!action.keepOpen) res.socket?.destroy();
        });
        return;
      }
      if (action && 'cutAnswer' in action) {
        const chunks: Buffer[] = [];
        answer.on('data', (c: Buffer) => chunks.push(c));
        answer.on('end', () => {
          const body = Buffer.concat(chunks);
          res.writeHead(answer.statusCode ?? 502, { ...answer.headers, 'content-length': String(body.length) });
          res.write(body.subarray(0, action.cutAnswer), () => res.socket?.destroy());
        });
        return;
      }
      if (!action) {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
        return;
      }
      const chunks: Buffer[] = [];
      answer.on('data', (c: Buffer) => chunks.push(c));
      answer.on('end', () => {
        const changed = action.rewrite({ status: answer.statusCode ?? 502, headers: { ...answer.headers }, body: Buffer.concat(chunks) });
        const { 'transfer-encoding': _chunked, ...headers } = changed.headers;
        // A HEAD answer's length is the object's, not its (empty) body's.
        res.writeHead(changed.status, stub.method === 'HEAD' ? headers : { ...headers, 'content-length': String(changed.body.length) });
        res.end(changed.body);
      });
    });
    upstream.on('error', () => res.socket?.destroy());
    req.pipe(upstream);
    req.resume();
  };
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const listening = typeof address === 'object' && address ? address.port : 0;
  return {
    endpoint: `http://127.0.0.1:${listening}`,
    seen,
    inFlight: () => inFlight,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
