import { describe, expect, it } from 'vitest';
import { isoTime } from './iso-time.js';

describe('isoTime', () => {
  it('formats as Date#toISOString does, across leap days, century rules and year ends', () => {
    const edges = [
      0, -1, 951_782_400_000 /* 2000-02-29 */, 4_107_542_400_000 /* 2100-03-01 */, 4_107_455_999_999 /* 2100-02-28T23:59:59.999 */,
      1_709_164_800_000 /* 2024-02-29 */, 1_735_689_599_999 /* 2024-12-31T23:59:59.999 */, 253_402_300_799_999 /* 9999-12-31 */,
      -62_167_219_200_000 /* 0000-01-01 */, Date.now(),
    ];
    for (const ms of edges) expect(isoTime(ms), String(ms)).toBe(new Date(ms).toISOString());
  });

  it('agrees with Date#toISOString on 100000 random instants in 0000-9999', () => {
    let seed = 0x2f6b_1d3c;
    const lo = -62_167_219_200_000;
    const span = 253_402_300_799_999 - 1000 - lo;
    for (let i = 0; i < 100_000; i++) {
      seed = (Math.imul(seed, 1_103_515_245) + 12_345) >>> 0;
      const ms = lo + Math.floor((seed / 2 ** 32) * span) + (i % 1000);
      const want = new Date(ms).toISOString();
      if (isoTime(ms) !== want) expect(isoTime(ms), String(ms)).toBe(want);
    }
  });
});
