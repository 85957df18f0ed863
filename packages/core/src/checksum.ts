/**
 * A fast 32-bit checksum over a byte view (FNV-1a style over 32-bit little-endian words, two
 * lanes so the multiplies overlap). It guards against bytes that changed after publish; it is
 * not a cryptographic hash. Works on views over shared memory, at any alignment: unaligned
 * views assemble the same words byte by byte (slower, but slots are always aligned).
 */
export function checksum(bytes: Uint8Array): number {
  const length = bytes.byteLength;
  const words = length >>> 2;
  const pairs = words & ~1;
  let a = 0x811c9dc5 ^ length;
  let b = 0x01000193;
  let i = 0;
  if ((bytes.byteOffset & 3) === 0 && littleEndian) {
    const w = new Int32Array(bytes.buffer, bytes.byteOffset, words);
    for (; i < pairs; i += 2) {
      a = Math.imul(a ^ w[i]!, 0x01000193);
      b = Math.imul(b ^ w[i + 1]!, 0x01000193);
    }
    if (i < words) a = Math.imul(a ^ w[i]!, 0x01000193);
  } else {
    for (; i < pairs; i += 2) {
      a = Math.imul(a ^ wordAt(bytes, i << 2), 0x01000193);
      b = Math.imul(b ^ wordAt(bytes, (i + 1) << 2), 0x01000193);
    }
    if (i < words) a = Math.imul(a ^ wordAt(bytes, i << 2), 0x01000193);
  }
  for (let j = words << 2; j < length; j++) a = Math.imul(a ^ bytes[j]!, 0x01000193);
  return (Math.imul(a ^ (b >>> 15), 0x2c1b3c6d) ^ b) >>> 0;
}

const littleEndian = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

function wordAt(bytes: Uint8Array, at: number): number {
  return bytes[at]! | (bytes[at + 1]! << 8) | (bytes[at + 2]! << 16) | (bytes[at + 3]! << 24);
}
