/**
 * The AWS SDK's S3 client for one profile, made (and the SDK loaded, about a third of a second of
 * CPU) only when a request first needs it. Ferry's own requests (wire.ts) carry uploads, parts,
 * downloads and listings, so `ferry ls`, a small `ferry cp` or a download never load the SDK;
 * bucket management, multipart Create/Complete, copies and capabilities do.
 */
import type { S3Client } from '@aws-sdk/client-s3';
import type { HttpHandlerOptions } from '@smithy/types';
import type { ClientOptions, Profile } from './client';
import { checkEndpointHost, checkRegion } from './hosts';

export type Sdk = typeof import('@aws-sdk/client-s3');

/** What a command sends back (the SDK's commands carry it in their middleware's type). */
type OutputOf<C> = C extends { resolveMiddleware(...args: never[]): (...args: never[]) => Promise<{ output: infer O }> } ? O : never;

interface Made {
  client: S3Client;
  clockOffset: (client: S3Client) => number | undefined;
}

export class SdkClient {
  private making?: Promise<Made>;
  private made?: Made;
  private destroyed = false;

  constructor(
    readonly profile: Profile,
    private readonly opts: ClientOptions = {},
  ) {
    // Judged now, as before the SDK was loaded lazily: a bad region or a forbidden endpoint is
    // refused when the connection is opened, not at its first request.
    checkRegion(profile.region);
    checkEndpointHost(profile);
  }

  /** Around a client made elsewhere (a test's, with its clock set wrong). */
  static of(profile: Profile, client: S3Client): SdkClient {
    const made = new SdkClient(profile);
    made.made = { client, clockOffset: () => undefined };
    made.making = Promise.resolve(made.made);
    return made;
  }

  /** The SDK's client, made the first time it is asked for. */
  async get(): Promise<S3Client> {
    return (await this.make()).client;
  }

  /**
   * Sends a command: one made by `build` from the SDK's classes once they are loaded
   * (`(s) => new s.HeadObjectCommand(…)`), or one its caller made (who has loaded the SDK).
   */
  async send<C extends object>(command: C | ((sdk: Sdk) => C), options?: HttpHandlerOptions): Promise<OutputOf<C>> {
    const [{ client }, sdk] = await Promise.all([this.make(), loadSdk()]);
    // Closed meanwhile (while the SDK loaded): nothing is sent on a closed connection.
    if (this.destroyed) throw Object.assign(new Error('The connection was closed before the request was sent.'), { name: 'AbortError' });
    const made = typeof command === 'function' ? command(sdk) : command;
    return (await client.send(made as never, options)) as OutputOf<C>;
  }

  /** How far the server's clock is ahead of this machine's, from the SDK's latest answer (none if it made no request). */
  clockOffset(): number | undefined {
    return this.made ? this.made.clockOffset(this.made.client) : undefined;
  }

  destroy(): void {
    this.destroyed = true;
    this.made?.client.destroy();
  }

  private make(): Promise<Made> {
    this.making ??= import('./client').then(({ createS3Client, serverClockOffset }) => {
      const client = createS3Client(this.profile, this.opts);
      this.made = { client, clockOffset: serverClockOffset };
      // Destroyed while the SDK loaded: its sockets are freed as soon as it exists.
      if (this.destroyed) client.destroy();
      return this.made;
    });
    return this.making;
  }
}

let sdk: Promise<Sdk> | undefined;

/** The SDK's module, loaded once. */
export function loadSdk(): Promise<Sdk> {
  sdk ??= import('@aws-sdk/client-s3');
  return sdk;
}
