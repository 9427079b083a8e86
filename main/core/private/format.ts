/**
 * The private object format (issue 22; docs/private-links.md is its specification). One object
 * holds one file, encrypted on the desktop (a private share) or in a sender's browser (a private
 * request), so the provider stores only ciphertext:
 *
 *   header  = "FERRYP" | version 0x01 | kind | log2(chunk size) | salt (16) [| sender's P-256 key (65)]
 *   payload = the file's name, type and size (u32 length + JSON), then its bytes, cut into
 *             chunks of CHUNK bytes (the last one shorter, never empty)
 *   object  = header | AES-256-GCM(chunk 0) | AES-256-GCM(chunk 1) | …
 *
 * As in age's STREAM: the payload key is HKDF-SHA-256 of the share key (or of the ECDH secret)
 * with the salt; chunk i's nonce is i as 11 big-endian bytes and a last-chunk flag byte; each
 * chunk authenticates the header as associated data. So chunks cannot be changed, reordered,
 * dropped or cut off, and the last chunk cannot be removed, without decryption failing. The
 * browser's implementation (browser-crypto.ts) is the same format in WebCrypto; known-answer
 * tests pin both to the same bytes.
 */
import { createCipheriv, createDecipheriv, createECDH, hkdfSync, pbkdf2, randomBytes } from 'node:crypto';
import { FerryError } from '../errors';

export const MAGIC = Buffer.from('FERRYP', 'ascii');
export const VERSION = 1;
/** Encrypted to a share key (the link's fragment holds it). */
export const KIND_SHARE = 1;
/** Encrypted to a request's public key by a sender (a private file request). */
export const KIND_REQUEST = 2;
export const CHUNK_LOG2 = 16;
export const CHUNK = 2 ** CHUNK_LOG2;
export const TAG = 16;
export const SALT = 16;
export const P256_PUBLIC = 65;
/** The most bytes of name, type and size before the file's bytes (it must fit the first chunk). */
export const MAX_META = 4096;
export const INFO_SHARE = 'ferry private v1';
export const INFO_REQUEST = 'ferry private v1 request';
/** PBKDF2-SHA-256 iterations for a passphrase (OWASP's 2023 figure for PBKDF2-HMAC-SHA256). */
export const PBKDF2_ITERATIONS = 600_000;
/** A link naming more (or fewer) iterations is refused: it would hang the page, or be weak. */
export const PBKDF2_RANGE = [100_000, 10_000_000] as const;
export const WRAP_AAD = 'ferry passphrase v1';

export interface FileMeta {
  name: string;
  type: string;
  size: number;
}

export const headerLength = (kind: number) => MAGIC.length + 3 + SALT + (kind === KIND_REQUEST ? P256_PUBLIC : 0);

/** The header of a new object. */
export function makeHeader(kind: number, salt: Buffer, senderPublic?: Buffer): Buffer {
  if (kind === KIND_REQUEST && senderPublic?.length !== P256_PUBLIC) throw new Error('a request object needs the sender key');
  return Buffer.concat([MAGIC, Buffer.from([VERSION, kind, CHUNK_LOG2]), salt, ...(kind === KIND_REQUEST ? [senderPublic!] : [])]);
}

export interface Header {
  kind: number;
  salt: Buffer;
  senderPublic?: Buffer;
  bytes: Buffer;
}

const notFerry = () => new FerryError('PRIVATE_TAMPERED', 'This is not a file Ferry encrypted (or its beginning was changed): it cannot be opened.');

/** Reads a header from the start of an object. */
export function parseHeader(start: Buffer): Header {
  if (start.length < headerLength(KIND_SHARE) || !start.subarray(0, MAGIC.length).equals(MAGIC)) throw notFerry();
  const [version, kind, log2] = start.subarray(MAGIC.length, MAGIC.length + 3);
  if (version !== VERSION) throw new FerryError('PRIVATE_TAMPERED', `This file was encrypted by a newer Ferry (format ${version}); update Ferry to open it.`);
  if ((kind !== KIND_SHARE && kind !== KIND_REQUEST) || log2 !== CHUNK_LOG2 || start.length < headerLength(kind)) throw notFerry();
  const at = MAGIC.length + 3;
  const salt = Buffer.from(start.subarray(at, at + SALT));
  const senderPublic = kind === KIND_REQUEST ? Buffer.from(start.subarray(at + SALT, at + SALT + P256_PUBLIC)) : undefined;
  return { kind, salt, ...(senderPublic ? { senderPublic } : {}), bytes: Buffer.from(start.subarray(0, headerLength(kind))) };
}

/** The payload key of a share object. */
export function shareKey(key: Buffer, salt: Buffer): Buffer {
  if (key.length !== 32) throw new FerryError('PRIVATE_TAMPERED', 'The key in this link is not whole: ask for the whole link again.');
  return Buffer.from(hkdfSync('sha256', key, salt, INFO_SHARE, 32));
}

/** The payload key of a request object, from the ECDH secret and both public keys. */
export function requestKey(secret: Buffer, salt: Buffer, recipientPublic: Buffer, senderPublic: Buffer): Buffer {
  return Buffer.from(hkdfSync('sha256', secret, salt, Buffer.concat([Buffer.from(INFO_REQUEST, 'utf8'), recipientPublic, senderPublic]), 32));
}

export function nonce(index: number, last: boolean): Buffer {
  const n = Buffer.alloc(12);
  // 11 big-endian bytes of the index; 2^53 chunks is more than any object holds.
  n.writeUIntBE(Math.floor(index / 2 ** 32), 3, 4);
  n.writeUInt32BE(index >>> 0, 7);
  n[11] = last ? 1 : 0;
  return n;
}

export function sealChunk(key: Buffer, header: Buffer, index: number, last: boolean, plain: Buffer): Buffer {
  const c = createCipheriv('aes-256-gcm', key, nonce(index, last));
  c.setAAD(header);
  return Buffer.concat([c.update(plain), c.final(), c.getAuthTag()]);
}

const tampered = () => new FerryError('PRIVATE_TAMPERED', 'This file was changed or damaged after it was encrypted (its chunks do not authenticate): it was not opened. Ask the sender for it again.');

export function openChunk(key: Buffer, header: Buffer, index: number, last: boolean, sealed: Buffer): Buffer {
  if (sealed.length <= TAG) throw tampered();
  const d = createDecipheriv('aes-256-gcm', key, nonce(index, last));
  d.setAAD(header);
  d.setAuthTag(sealed.subarray(sealed.length - TAG));
  try {
    return Buffer.concat([d.update(sealed.subarray(0, sealed.length - TAG)), d.final()]);
  } catch {
    throw tampered();
  }
}

/** The name, type and size that go before the file's bytes. */
export function metaPrefix(meta: FileMeta): Buffer {
  const json = Buffer.from(JSON.stringify({ name: meta.name, type: meta.type, size: meta.size }), 'utf8');
  if (json.length > MAX_META) throw new FerryError('USAGE', `The file's name is too long to share privately (${json.length} bytes with its type; at most ${MAX_META}).`);
  const len = Buffer.alloc(4);
  len.writeUInt32BE(json.length);
  return Buffer.concat([len, json]);
}

/** How long an object is whose payload (name, type and size, then the file) is `payload` bytes. */
export function sealedLength(kind: number, payload: number): number {
  return headerLength(kind) + payload + Math.max(1, Math.ceil(payload / CHUNK)) * TAG;
}

/** Where chunk i starts in an object, and how long it is. */
export function chunkSpan(kind: number, objectLength: number, index: number): { start: number; length: number; last: boolean; count: number } {
  const body = objectLength - headerLength(kind);
  const full = CHUNK + TAG;
  const count = Math.ceil(body / full);
  const lastLength = body - (count - 1) * full;
  if (count < 1 || lastLength <= TAG) throw new FerryError('PRIVATE_TAMPERED', 'This file was cut short or changed after it was encrypted: it was not opened. Ask the sender for it again.');
  const start = headerLength(kind) + index * full;
  return { start, length: index === count - 1 ? lastLength : full, last: index === count - 1, count };
}

/** Reads the name, type and size from a first chunk's plaintext. */
export function readMeta(first: Buffer): { meta: FileMeta; offset: number } {
  if (first.length < 4) throw tampered();
  const len = first.readUInt32BE(0);
  if (len > MAX_META || 4 + len > first.length) throw tampered();
  let v: unknown;
  try {
    v = JSON.parse(first.subarray(4, 4 + len).toString('utf8'));
  } catch {
    throw tampered();
  }
  const m = v as Partial<FileMeta>;
  if (typeof m?.name !== 'string' || typeof m.type !== 'string' || !Number.isSafeInteger(m.size) || m.size! < 0) throw tampered();
  return { meta: { name: m.name, type: m.type, size: m.size! }, offset: 4 + len };
}

/** A new ECDH P-256 key pair for private requests: the private key (32 bytes) and the public key (65, uncompressed). */
export function newRequestKeyPair(): { privateKey: Buffer; publicKey: Buffer } {
  const ecdh = createECDH('prime256v1');
  ecdh.generateKeys();
  return { privateKey: ecdh.getPrivateKey(), publicKey: ecdh.getPublicKey() };
}

/** The payload key of a request object, for its recipient (Ferry) who holds the private key. */
export function recipientKey(privateKey: Buffer, header: Header): Buffer {
  if (header.kind !== KIND_REQUEST || !header.senderPublic) throw notFerry();
  const ecdh = createECDH('prime256v1');
  ecdh.setPrivateKey(privateKey);
  let secret: Buffer;
  try {
    secret = ecdh.computeSecret(header.senderPublic);
  } catch {
    throw tampered();
  }
  return requestKey(secret, header.salt, ecdh.getPublicKey(), header.senderPublic);
}

export const b64url = (b: Buffer) => b.toString('base64url');

/** The share key wrapped under a passphrase: what the link carries instead of the key. */
export interface Wrapped {
  /** Salt, base64url. */
  s: string;
  /** PBKDF2 iterations. */
  i: number;
  /** The key sealed with AES-256-GCM under the derived key (zero nonce: the salt makes each derived key new), base64url. */
  c: string;
}

const derive = (passphrase: string, salt: Buffer, iterations: number) =>
  new Promise<Buffer>((resolve, reject) => pbkdf2(Buffer.from(passphrase.normalize('NFC'), 'utf8'), salt, iterations, 32, 'sha256', (err, k) => (err ? reject(err) : resolve(k))));

export async function wrapKey(key: Buffer, passphrase: string, iterations = PBKDF2_ITERATIONS, salt = randomBytes(SALT)): Promise<Wrapped> {
  const kek = await derive(passphrase, salt, iterations);
  const c = createCipheriv('aes-256-gcm', kek, Buffer.alloc(12));
  c.setAAD(Buffer.from(WRAP_AAD, 'utf8'));
  return { s: b64url(salt), i: iterations, c: b64url(Buffer.concat([c.update(key), c.final(), c.getAuthTag()])) };
}

export async function unwrapKey(w: Wrapped, passphrase: string): Promise<Buffer> {
  if (!Number.isSafeInteger(w.i) || w.i < PBKDF2_RANGE[0] || w.i > PBKDF2_RANGE[1]) throw notFerry();
  const kek = await derive(passphrase, Buffer.from(w.s, 'base64url'), w.i);
  const sealed = Buffer.from(w.c, 'base64url');
  const d = createDecipheriv('aes-256-gcm', kek, Buffer.alloc(12));
  d.setAAD(Buffer.from(WRAP_AAD, 'utf8'));
  d.setAuthTag(sealed.subarray(sealed.length - TAG));
  try {
    return Buffer.concat([d.update(sealed.subarray(0, sealed.length - TAG)), d.final()]);
  } catch {
    throw new FerryError('PRIVATE_PASSPHRASE', 'That passphrase is not the one this link was made with.');
  }
}
