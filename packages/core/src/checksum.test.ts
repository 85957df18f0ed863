import { describe, expect, it } from 'vitest';
import { checksum } from './checksum.js';

describe('checksum', () => {
  it('changes when any single byte changes, at any offset and alignment', () => {
    const bytes = new Uint8Array(67).map((_, i) => (i * 37) & 0xff);
    const base = checksum(bytes);
    for (let i = 0; i < bytes.length; i++) {
      const copy = bytes.slice();
      copy[i]! ^= 1;
      expect(checksum(copy)).not.toBe(base);
    }
    // An unaligned view over the same content gives the same sum as an aligned copy.
    const shifted = new Uint8Array(new SharedArrayBuffer(80), 1, 67);
    shifted.set(bytes);
    expect(checksum(shifted)).toBe(base);
  });

  it('tells apart lengths and swapped words', () => {
    expect(checksum(new Uint8Array(8))).not.toBe(checksum(new Uint8Array(12)));
    const a = new Uint8Array([1, 0, 0, 0, 2, 0, 0, 0]);
    const b = new Uint8Array([2, 0, 0, 0, 1, 0, 0, 0]);
    expect(checksum(a)).not.toBe(checksum(b));
    expect(checksum(a)).toBeGreaterThanOrEqual(0);
  });
});
