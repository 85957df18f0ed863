import { describe, expect, it } from 'vitest';
import type { IpRanges } from './ip-ranges.js';
import { mergeRangeSets } from './merge-ranges.js';
import { radixSortPairs } from './radix-sort.js';
import { RangeSetBuilder } from './range-set-builder.js';

/** Deterministic pseudo-random uint32s (xorshift32). */
function words(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return x >>> 0;
  };
}

/** `count` random IPv4 ranges of up to `span` addresses, clustered in a small space so they touch and overlap. */
function randomPairs(count: number, seed: number, space: number, span: number): [number, number][] {
  const next = words(seed);
  return Array.from({ length: count }, () => {
    const first = 0xc0000000 + (next() % space);
    return [first, Math.min(0xffffffff, first + (next() % span))];
  });
}

function built(pairs: readonly (readonly [number, number])[]): IpRanges {
  const builder = new RangeSetBuilder();
  for (const [first, last] of pairs) builder.addV4(first, last);
  return builder.build();
}

describe('mergeRangeSets', () => {
  it('equals building all ranges together, for a few inline ranges beside a big set and for two big sets', () => {
    for (const [small, big, seed] of [
      [3, 20_000, 1],
      [100, 20_000, 2],
      [5_000, 20_000, 3],
      [0, 10_000, 4],
      [40, 40, 5],
    ] as const) {
      const a = randomPairs(small, seed, 400_000, 40);
      const b = randomPairs(big, seed + 100, 400_000, 40);
      const merged = mergeRangeSets([built(a), built(b)]);
      expect(Array.from(merged.v4), `${small} + ${big}`).toEqual(Array.from(built([...a, ...b]).v4));
    }
  });

  it('returns a lone table as it is, without copying it', () => {
    const only = built(randomPairs(1000, 9, 1_000_000, 10));
    expect(mergeRangeSets([built([]), only]).v4).toBe(only.v4);
  });

  it('merges ranges that touch at the ends of the address space', () => {
    const merged = mergeRangeSets([built([[0xfffffff0, 0xffffffff]]), built([[0, 5], [6, 9], [0xffffffe0, 0xffffffef]])]);
    expect(Array.from(merged.v4)).toEqual([0, 9, 0xffffffe0, 0xffffffff]);
  });
});

describe('radixSortPairs', () => {
  it('sorts pairs by first, keeping each pair together, like a comparison sort', () => {
    for (const count of [1, 2, 4097, 50_000]) {
      const pairs = randomPairs(count, count, 0x3fffffff, 1000);
      const table = new Uint32Array(pairs.flat());
      const sorted = radixSortPairs(table, count);
      const expected = [...pairs].sort((x, y) => x[0] - y[0]);
      const got: [number, number][] = [];
      for (let i = 0; i < count; i++) got.push([sorted[2 * i]!, sorted[2 * i + 1]!]);
      // Stable sort: equal firsts keep their input order in both.
      expect(got).toEqual(expected);
    }
  });
});
