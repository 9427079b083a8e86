import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import type { Readable } from 'node:stream';
import { S3Client, type S3ClientConfig } from '@aws-sdk/client-s3';
import { NodeHttpHandler } from '@smithy/node-http-handler';
export { endpointLabel } from './endpoint';
import type { ChecksumMode, Provider } from '../accounts/presets';
import type { Credentials } from '../secrets/secrets';
import type { Capabilities } from './capabilities';
import { boundResponses } from './bounds';
import { checkEndpointHost, checkRegion, guardedLookup, type AddressCheck } from './hosts';
import { sentListener, watchSent } from './sent';

/** Everything needed to talk to one endpoint as one identity. */
export interface Profile {
  /** The account name, or "environment" for AWS_* variables. */
  name: string;
  provider: Provider;
  endpoint?: string;
  region: string;
  pathStyle: boolean;
  checksums: ChecksumMode;
  partSize?: number;
  /** What the server supports, as "Test connection" found (saved accounts only). */
  capabilities?: Capabilities;
  credentials: Credentials;
  /** The user explicitly allowed a link-local endpoint for this account. */
  allowLinkLocal?: boolean;
  /** Name resolution (tests give a fake one); the system's by default. */
  lookup?: AddressCheck['lookup'];
}

export interface ClientOptions {
  /** Sockets per host; uploads use one per concurrent part. */
  maxSockets?: number;
  /** SDK attempts per request. Upload parts use 1: their bodies are file streams, which the SDK cannot replay. */
  maxAttempts?: number;
  /** A request whose socket sees no traffic this long fails (and is retried): a stalled server cannot hang Ferry. */
  requestTimeoutMs?: number;
  connectTimeoutMs?: number;
}

const silentLogger = { trace() {}, debug() {}, info() {}, warn() {}, error() {} };

/**
 * The SDK's handler, with a deadline for the headers of every request whose body is not a stream,
 * and a streamed body's progress told as the network takes it (sent.ts).
 */
class BoundedHandler extends NodeHttpHandler {
  private readonly headersMs: number;
  constructor(options: ConstructorParameters<typeof NodeHttpHandler>[0] & { socketTimeout: number }) {
    super(options);
    this.headersMs = 2 * options.socketTimeout;
  }
  override handle(request: Parameters<NodeHttpHandler['handle']>[0], options: Parameters<NodeHttpHandler['handle']>[1] = {}) {
    const body = request.body as { pipe?: unknown } | undefined;
    const streamed = body !== undefined && typeof body === 'object' && typeof body.pipe === 'function';
    const onSent = sentListener(options);
    if (streamed && onSent) watchSent(request.body as Readable, onSent);
    return super.handle(request, streamed ? options : { ...options, requestTimeout: options.requestTimeout ?? this.headersMs });
  }
}

export function createS3Client(profile: Profile, opts: ClientOptions = {}): S3Client {
  checkRegion(profile.region);
  checkEndpointHost(profile);
  const lookup = guardedLookup({ ...(profile.allowLinkLocal ? { allowLinkLocal: true } : {}), ...(profile.lookup ? { lookup: profile.lookup } : {}) });
  const agentOptions = { keepAlive: true, maxSockets: opts.maxSockets ?? 16, lookup };
  const config: S3ClientConfig = {
    region: profile.region,
    forcePathStyle: profile.pathStyle,
    credentials: { ...profile.credentials },
    maxAttempts: opts.maxAttempts ?? 3,
    // A logger of our own: the SDK otherwise writes some warnings straight to the console,
    // which would break the CLI's one-line errors and its clean stdout.
    logger: silentLogger,
    requestHandler: new BoundedHandler({
      httpAgent: new HttpAgent(agentOptions),
      httpsAgent: new HttpsAgent(agentOptions),
      connectionTimeout: opts.connectTimeoutMs ?? 10_000,
      // Idle time on an open socket before the request fails, so a stalled server cannot hang
      // Ferry. A request with no streamed body must also have its answer's headers within two
      // periods (a server dripping a header byte every few seconds is never idle); a part on a
      // slow link may rightly take minutes to send, so bodies are judged by bounds.ts instead.
      socketTimeout: opts.requestTimeoutMs ?? 60_000,
      throwOnRequestTimeout: true,
    }),
  };
  if (profile.endpoint) config.endpoint = profile.endpoint;
  if (profile.checksums === 'when-required') {
    config.requestChecksumCalculation = 'WHEN_REQUIRED';
    config.responseChecksumValidation = 'WHEN_REQUIRED';
  }
  const client = new S3Client(config);
  client.middlewareStack.add(recordServerClock(client), { step: 'deserialize', name: 'ferryServerClock' });
  // Innermost: every body is bounded, and a web page refused, before the SDK reads it (see bounds.ts).
  client.middlewareStack.add(boundResponses(opts.requestTimeoutMs ?? 60_000), { step: 'deserialize', name: 'ferryBounds', priority: 'low' });
  return client;
}

const offsets = new WeakMap<S3Client, number>();

/** How far the server's clock is ahead of this machine's (ms), from the Date header of its latest answer. */
export function serverClockOffset(client: S3Client): number | undefined {
  return offsets.get(client);
}

function recordServerClock(client: S3Client) {
  return (<T extends object>(next: (args: T) => Promise<{ response: unknown }>) =>
    async (args: T) => {
      const out = await next(args);
      const date = (out.response as { headers?: Record<string, string> } | undefined)?.headers?.date;
      const at = date ? Date.parse(date) : NaN;
      if (Number.isFinite(at)) offsets.set(client, at - Date.now());
      return out;
    }) as unknown as Parameters<S3Client['middlewareStack']['add']>[0];
}
