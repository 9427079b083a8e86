/** The known answers that pin the private object format (test/unit/private-format.test.ts, and the page in test/e2e/private-links.test.ts). */
export const KAT = {
  key: Buffer.from(Array.from({ length: 32 }, (_, i) => i)),
  salt: Buffer.alloc(16, 0xa0),
  content: Buffer.from(Array.from({ length: 150_000 }, (_, i) => i % 251)),
  name: 'kat.bin',
  share: { length: 150_143, sha256: '6d5ac0bc7b1a201ad991f06d88349461fe0df02adb1922293b80897b32225439', start: '464552525950010110a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0cb52e6392d9fba0522fc793b59cf1c37452385e7e03aa1' },
  request: { recipient: Buffer.alloc(32, 0x11), sender: Buffer.alloc(32, 0x22), length: 150_208, sha256: '71038661401e3887d84cb0e4ea353f9709a50f4d94359f10624a6943319037a8' },
};
