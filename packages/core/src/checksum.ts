/**
 * A fast 32-bit checksum over a byte view (FNV-1a style over 32-bit words, two lanes so the
 * multiplies overlap). It guards against bytes that changed after publish; it is not a
 * cryptographic hash. Works on views over shared memory.
 */
export function checksum(bytes: Uint8Array): number {
  const length = bytes.byteLength;
  let a = 0x811c9dc5 ^ length;
  let b = 0x01000193;
  let i = 0;
  if ((bytes.byteOffset & 3) === 0) {
    const words = length >>> 2;
    const w = new Int32Array(bytes.buffer, bytes.byteOffset, words);
    const pairs = words & ~1;
    for (; i < pairs; i += 2) {
      a = Math.imul(a ^ w[i]!, 0x01000193);
      b = Math.imul(b ^ w[i + 1]!, 0x01000193);
    }
    if (i < words) a = Math.imul(a ^ w[i]!, 0x01000193);
    i = words << 2;
  }
  for (; i < length; i++) a = Math.imul(a ^ bytes[i]!, 0x01000193);
  return (Math.imul(a ^ (b >>> 15), 0x2c1b3c6d) ^ b) >>> 0;
}
