import { crc32 as zlibCrc32 } from 'node:zlib';

/** The flexible checksums S3 defines (besides SHA-1 and SHA-256): the header value is the big-endian bytes, base64. */
export type ChecksumAlgorithm = 'CRC32' | 'CRC32C' | 'CRC64NVME';

function table32(poly: number): Uint32Array {
  const t = new Uint32Array(256);
  for (let i = 0; i < 256; i++) {
    let c = i;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ poly : c >>> 1;
    t[i] = c >>> 0;
  }
  return t;
}

function table64(poly: bigint): BigUint64Array {
  const t = new BigUint64Array(256);
  for (let i = 0n; i < 256n; i++) {
    let c = i;
    for (let k = 0; k < 8; k++) c = c & 1n ? (c >> 1n) ^ poly : c >> 1n;
    t[Number(i)] = c;
  }
  return t;
}

let crc32cTable: Uint32Array | undefined;
let crc64Table: BigUint64Array | undefined;

/** CRC-32C (Castagnoli), reflected polynomial 0x82F63B78. */
export function crc32c(data: Uint8Array): number {
  const t = (crc32cTable ??= table32(0x82f63b78));
  let c = 0xffffffff;
  for (const b of data) c = t[(c ^ b) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** CRC-64/NVME, reflected polynomial 0x9A6C9329AC4BC9B5. */
export function crc64nvme(data: Uint8Array): bigint {
  const t = (crc64Table ??= table64(0x9a6c9329ac4bc9b5n));
  let c = 0xffffffffffffffffn;
  for (const b of data) c = t[Number((c ^ BigInt(b)) & 0xffn)]! ^ (c >> 8n);
  return c ^ 0xffffffffffffffffn;
}

/** The value of the x-amz-checksum-* header for these bytes. */
export function checksumHeader(algorithm: ChecksumAlgorithm, data: Uint8Array): string {
  if (algorithm === 'CRC64NVME') {
    const b = Buffer.alloc(8);
    b.writeBigUInt64BE(crc64nvme(data));
    return b.toString('base64');
  }
  const b = Buffer.alloc(4);
  b.writeUInt32BE(algorithm === 'CRC32' ? zlibCrc32(data) >>> 0 : crc32c(data));
  return b.toString('base64');
}
