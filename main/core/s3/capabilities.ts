import { createHash, randomBytes } from 'node:crypto';
import { isIP } from 'node:net';
import {
  AbortMultipartUploadCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListMultipartUploadsCommand,
  ListPartsCommand,
  PutObjectCommand,
  S3Client,
  UploadPartCommand,
  type PutObjectCommandInput,
} from '@aws-sdk/client-s3';
import { createPresignedPost } from '@aws-sdk/s3-presigned-post';
import type { Clock } from '../clock';
import { checksumHeader, type ChecksumAlgorithm } from './checksums';
import { createS3Client, type Profile } from './client';
import { guardedLookup } from './hosts';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';

/** What a server can do, learned once by "Test connection" and saved on the account. */
export { CapabilitiesSchema, type Capabilities } from './capabilities-schema';
import type { Capabilities } from './capabilities-schema';

export interface CapabilityLine {
  name: string;
  ok: boolean;
  detail: string;
}

const attempt = <T,>(p: Promise<T>) => p.then(
  (value) => ({ ok: true as const, value }),
  (error: unknown) => ({ ok: false as const, error }),
);

/**
 * Finds out, with harmless requests on a scratch key in `bucket` that are removed afterwards,
 * what the server supports. Each probe stands alone: one that fails says so and the rest go on.
 */
export async function probeCapabilities(client: S3Client, profile: Profile, bucket: string, clock: Clock): Promise<Capabilities> {
  const scratch = `.ferry-probe/${randomBytes(6).toString('hex')}`;
  const body = Buffer.from('ferry capability probe');
  const put = (key: string, extra: Partial<PutObjectCommandInput>) => attempt(client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ContentLength: body.length, ...extra })));
  const cleanup: string[] = [];

  // Content-MD5: a wrong one must be refused.
  const wrongMd5 = await put(`${scratch}/md5`, { ContentMD5: createHash('md5').update('something else').digest('base64') });
  if (wrongMd5.ok) cleanup.push(`${scratch}/md5`);

  // Flexible checksums: accepted when right, refused when wrong.
  const checksums: ChecksumAlgorithm[] = [];
  for (const algorithm of ['CRC32', 'CRC32C', 'CRC64NVME'] as const) {
    const field = `Checksum${algorithm}` as const;
    const wrong = await put(`${scratch}/${algorithm}-wrong`, { ChecksumAlgorithm: algorithm, [field]: checksumHeader(algorithm, Buffer.from('something else')) });
    if (wrong.ok) cleanup.push(`${scratch}/${algorithm}-wrong`);
    const right = await put(`${scratch}/${algorithm}`, { ChecksumAlgorithm: algorithm, [field]: checksumHeader(algorithm, body) });
    if (right.ok) cleanup.push(`${scratch}/${algorithm}`);
    if (right.ok && !wrong.ok) checksums.push(algorithm);
  }

  // Only-if-absent writes: a second PUT of a key just written, with If-None-Match: *, must be
  // refused (412); a 501 (Swift's S3 API) or a success is no.
  const first = await put(`${scratch}/if-absent`, {});
  let conditionalWrites = false;
  if (first.ok) {
    cleanup.push(`${scratch}/if-absent`);
    const again = await put(`${scratch}/if-absent`, { IfNoneMatch: '*' });
    conditionalWrites = !again.ok && (again.error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 412;
  }

  // Multipart: create, one part, list its parts, list uploads, abort, and check it is gone.
  let multipart = false;
  let listParts = false;
  let listMultipartUploads = false;
  let abortMultipart = false;
  const created = await attempt(client.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: `${scratch}/multipart` })));
  if (created.ok && created.value.UploadId) {
    const UploadId = created.value.UploadId;
    const key = `${scratch}/multipart`;
    const part = await attempt(client.send(new UploadPartCommand({ Bucket: bucket, Key: key, UploadId, PartNumber: 1, Body: body, ContentLength: body.length })));
    multipart = part.ok;
    const parts = await attempt(client.send(new ListPartsCommand({ Bucket: bucket, Key: key, UploadId })));
    listParts = parts.ok && (parts.value.Parts ?? []).some((p) => p.PartNumber === 1);
    const uploads = await attempt(client.send(new ListMultipartUploadsCommand({ Bucket: bucket, Prefix: key })));
    listMultipartUploads = uploads.ok && (uploads.value.Uploads ?? []).some((u) => u.UploadId === UploadId);
    const aborted = await attempt(client.send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId })));
    if (aborted.ok) {
      const after = await attempt(client.send(new ListMultipartUploadsCommand({ Bucket: bucket, Prefix: key })));
      abortMultipart = after.ok ? !(after.value.Uploads ?? []).some((u) => u.UploadId === UploadId) : true;
    }
  }

  // Region and clock, from a HEAD of the bucket.
  let serverDate: string | undefined;
  const head = new HeadBucketCommand({ Bucket: bucket });
  head.middlewareStack.add(
    (next) => async (args) => {
      const out = await next(args);
      serverDate = (out.response as { headers?: Record<string, string> }).headers?.date;
      return out;
    },
    { step: 'deserialize', name: 'ferryServerDate' },
  );
  const sentAt = clock.now();
  const headed = await attempt(client.send(head));
  const midpoint = (sentAt + clock.now()) / 2;
  // The bucket's region: from the answer, or from the hint in a redirect or an
  // AuthorizationHeaderMalformed error (the server names the region it wants).
  const failure = headed.ok ? undefined : (headed.error as { Region?: string; $response?: { headers?: Record<string, string> } });
  const region = headed.ok ? headed.value.BucketRegion : (failure?.Region ?? failure?.$response?.headers?.['x-amz-bucket-region']);
  const clockSkewSeconds = serverDate ? Math.round((Date.parse(serverDate) - midpoint) / 1000) || 0 : 0;

  // Virtual-hosted addressing: does bucket.host reach the server?
  // An address (or localhost) cannot take a bucket label in front of it: path-style only.
  const host = new URL(profile.endpoint ?? 'https://s3.amazonaws.com').hostname;
  let pathStyleOnly = profile.pathStyle || isIP(host.replace(/^\[|\]$/g, '')) !== 0 || host === 'localhost';
  if (profile.pathStyle && !pathStyleOnly) {
    const virtual = createS3Client({ ...profile, pathStyle: false }, { maxAttempts: 1, connectTimeoutMs: 3000, requestTimeoutMs: 5000 });
    pathStyleOnly = !(await attempt(virtual.send(new HeadBucketCommand({ Bucket: bucket })))).ok;
    virtual.destroy();
  }

  // Browser-form uploads: a POST with a signed policy, as file requests use.
  const post = await probePostPolicy({ client, profile }, bucket, `${scratch}/post`);
  if (post.ok) cleanup.push(`${scratch}/post`);

  await Promise.all(cleanup.map((Key) => client.send(new DeleteObjectCommand({ Bucket: bucket, Key })).catch(() => {})));
  return {
    checkedAt: new Date(clock.now()).toISOString(),
    bucket,
    multipart,
    listParts,
    listMultipartUploads,
    abortMultipart,
    verifiesContentMd5: !wrongMd5.ok,
    checksums,
    pathStyleOnly,
    ...(region ? { region } : {}),
    clockSkewSeconds,
    conditionalWrites,
    postPolicy: post.ok,
    ...(post.ok ? { postKeepsDisposition: post.keepsDisposition } : {}),
  };
}

/**
 * Whether the server accepts a browser-form upload (POST with a signed policy), and whether it
 * keeps the Content-Disposition such a form sets (file requests ask for "attachment"; Ceph
 * accepts the field and drops it). The object it stores is left at `key`.
 */
export async function probePostPolicy(storage: { client: S3Client; profile: Profile }, bucket: string, key: string): Promise<{ ok: boolean; keepsDisposition: boolean }> {
  const { client, profile } = storage;
  const post = await attempt(createPresignedPost(client, { Bucket: bucket, Key: key, Conditions: [['content-length-range', 0, 1024]], Fields: { 'Content-Disposition': 'attachment' }, Expires: 60 }));
  if (!post.ok) return { ok: false, keepsDisposition: false };
  const form = new FormData();
  for (const [k, v] of Object.entries(post.value.fields)) form.append(k, v);
  form.append('file', new Blob([Buffer.from('ferry capability probe')]), 'probe.txt');
  const status = await postForm(post.value.url, form, profile).catch(() => 0);
  if (status < 200 || status >= 300) return { ok: false, keepsDisposition: false };
  const head = await attempt(client.send(new HeadObjectCommand({ Bucket: bucket, Key: key })));
  return { ok: true, keepsDisposition: head.ok && /^attachment/i.test(head.value.ContentDisposition ?? '') };
}

/** POSTs a form through the same address guard as every other request (see hosts.ts); the status. */
async function postForm(url: string, form: FormData, profile: Profile): Promise<number> {
  const encoded = new Response(form);
  const body = Buffer.from(await encoded.arrayBuffer());
  const target = new URL(url);
  const lookup = guardedLookup({ ...(profile.allowLinkLocal ? { allowLinkLocal: true } : {}), ...(profile.lookup ? { lookup: profile.lookup } : {}) });
  const send = target.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    // At most 20 s and 64 KiB for the whole answer: a server dripping it cannot hold the test.
    const deadline = setTimeout(() => req.destroy(new Error('timed out')), 20_000);
    const req = send(target, { method: 'POST', lookup, timeout: 10_000, headers: { 'content-type': encoded.headers.get('content-type') ?? '', 'content-length': body.length } }, (res) => {
      let got = 0;
      res.on('data', (chunk: Buffer) => {
        got += chunk.length;
        if (got > 64 * 1024) req.destroy(new Error('answer too large'));
      });
      res.on('end', () => (clearTimeout(deadline), resolve(res.statusCode ?? 0)));
      res.on('error', (e) => (clearTimeout(deadline), reject(e)));
    });
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.on('close', () => clearTimeout(deadline));
    req.on('error', reject);
    req.end(body);
  });
}

/** The report in words, one line per ability. */
export function describeCapabilities(c: Capabilities): CapabilityLine[] {
  const yes = (ok: boolean, good: string, bad: string): [boolean, string] => [ok, ok ? good : bad];
  const lines: Array<[string, [boolean, string]]> = [
    ['multipart upload', yes(c.multipart, 'large files go up in parallel parts', 'not supported: files are sent in one request, at most 5 GiB')],
    ['resume (ListParts)', yes(c.listParts, 'an interrupted upload continues where it stopped', 'not supported: an interrupted upload starts over')],
    ['unfinished uploads (ListMultipartUploads)', yes(c.listMultipartUploads, 'can be listed and cleaned up', 'cannot be listed; Ferry cleans up only its own')],
    ['cancel (AbortMultipartUpload)', yes(c.abortMultipart, 'cancelled uploads leave no parts', 'NOT supported: parts of a cancelled upload may stay on the server and cost money')],
    ['Content-MD5', yes(c.verifiesContentMd5, 'verified: damaged bytes are refused', 'NOT verified: the server stores what arrives')],
    ['checksums', [c.checksums.length > 0, c.checksums.length ? `verifies ${c.checksums.join(', ')}` : 'verifies no CRC checksum']],
    ['addressing', [true, c.pathStyleOnly ? 'path-style (bucket.host does not reach it)' : 'path-style and virtual-hosted']],
    ['region', [true, c.region ? `the server names ${c.region}` : 'the server names none']],
    // The server's Date header has whole seconds: a second either way is no difference.
    ['clock', [Math.abs(c.clockSkewSeconds) < 600, `${Math.abs(c.clockSkewSeconds) <= 1 ? 'in step with the server (within a second)' : `this computer is ${Math.abs(c.clockSkewSeconds)} s ${c.clockSkewSeconds > 0 ? 'behind' : 'ahead of'} the server`}${Math.abs(c.clockSkewSeconds) >= 600 ? ': set its clock automatically, S3 refuses requests over 15 minutes off' : ''}`]],
    ...(c.conditionalWrites !== undefined
      ? [
          [
            'only-if-absent writes (If-None-Match)',
            yes(
              c.conditionalWrites,
              'a name another writer takes while Ferry uploads is never replaced',
              'NOT supported: Ferry looks just before storing instead, which leaves a moment in which another writer’s object of the same name can be replaced',
            ),
          ] as [string, [boolean, string]],
        ]
      : []),
    ['browser uploads (POST policy)', yes(c.postPolicy, 'work: file requests are possible', 'not supported: file requests cannot be offered')],
    ...(c.postPolicy && c.postKeepsDisposition !== undefined
      ? [
          [
            'received files kept as downloads',
            yes(
              c.postKeepsDisposition,
              'the server keeps the "download" marking a file request sets',
              "NOT kept: the server drops a file request's \"download\" marking, so files people send are stored as whatever type they say. Ferry's own links still make every file that could run as a page a download; open received files through Ferry, not the provider's console",
            ),
          ] as [string, [boolean, string]],
        ]
      : []),
  ];
  return lines.map(([name, [ok, detail]]) => ({ name, ok, detail }));
}
