/**
 * The requests that carry a transfer's bytes, each sent the lean way (wire.ts) where Ferry forms
 * it exactly as the SDK would, and by the SDK otherwise (the few bucket names only the SDK's
 * endpoint rules place). Callers see one interface, one answer shape and one error shape.
 */
import type { SdkClient } from './sdk';
import type { Readable } from 'node:stream';
import { sendOptions } from './sent';
import type { GetInput, GetOutput, PartInput, PutInput, PutOutput, SendControl, Wire } from './wire';

export class DataPath {
  constructor(
    private readonly wire: Wire,
    private readonly sdk: SdkClient,
  ) {}

  private options(control: SendControl) {
    return sendOptions(control.signal ?? new AbortController().signal, control.onSent ?? (() => {}));
  }

  putObject(input: PutInput, control: SendControl = {}): Promise<PutOutput> {
    if (this.wire.supports(input.Bucket)) return this.wire.putObject(input, control);
    return this.sdk.send((s) => new s.PutObjectCommand(input), this.options(control));
  }

  uploadPart(input: PartInput, control: SendControl = {}): Promise<PutOutput> {
    if (this.wire.supports(input.Bucket)) return this.wire.uploadPart(input, control);
    return this.sdk.send((s) => new s.UploadPartCommand(input), this.options(control));
  }

  async getObject(input: GetInput, control: SendControl = {}): Promise<GetOutput> {
    if (this.wire.supports(input.Bucket)) return this.wire.getObject(input, control);
    const out = await this.sdk.send((s) => new s.GetObjectCommand(input), control.signal ? { abortSignal: control.signal } : {});
    return { ...(out.ContentLength !== undefined ? { ContentLength: out.ContentLength } : {}), ...(out.ETag ? { ETag: out.ETag } : {}), ...(out.ContentRange ? { ContentRange: out.ContentRange } : {}), ...(out.$metadata.httpStatusCode ? { Status: out.$metadata.httpStatusCode } : {}), Body: out.Body as Readable };
  }

  destroy(): void {
    this.wire.destroy();
  }
}
