import { type IpRanges, V4_WORDS, V6_WORDS } from './ip-ranges.js';
import { RangeSetBuilder } from './range-set-builder.js';

/**
 * The union of range sets that are each sorted and merged already (RangeSetBuilder's output,
 * e.g. a cached list file's table beside the config's inline CIDRs). IPv4 tables are merged in
 * one linear pass; a set with nothing to merge with is returned as it is, not copied, which is
 * what makes reusing a cached million-range table cheap. IPv6 tables (rarely big) go through a
 * builder.
 */
export function mergeRangeSets(sets: readonly IpRanges[]): IpRanges {
  const v4 = sets.map((s) => s.v4).filter((t) => t.length > 0);
  const v6 = sets.map((s) => s.v6).filter((t) => t.length > 0);
  return { v4: v4.length === 0 ? new Uint32Array(0) : v4.reduce(mergeV4), v6: v6.length <= 1 ? (v6[0] ?? new Uint32Array(0)) : mergeV6(v6) };
}

/** Two sorted, disjoint, non-adjacent IPv4 tables into one with the same properties. */
function mergeV4(a: Uint32Array, b: Uint32Array): Uint32Array {
  if (a.length > b.length) return mergeV4(b, a);
  // A few inline CIDRs beside a big list: copy the big table's runs between them with set()
  // (a memcpy) instead of walking a million ranges one by one.
  if (a.length <= SMALL_MERGE) return mergeSmallIntoV4(a, b);
  return mergeWalkV4(a, b);
}

/** Tables of at most this many words are merged into a big one run by run. */
const SMALL_MERGE = 256;

/** Index (in ranges) of the first range of `table` whose first address is > `address`. */
function upperBound(table: Uint32Array, address: number): number {
  let lo = 0;
  let hi = table.length / V4_WORDS;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (table[mid * V4_WORDS]! <= address) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function mergeSmallIntoV4(small: Uint32Array, big: Uint32Array): Uint32Array {
  // Each small range goes in at its place (binary search); the big ranges between two splice
  // points are disjoint and non-adjacent already, so only the first of a run and those a small
  // range may swallow need a look: the rest of the run is one block copy.
  const out = new Uint32Array(small.length + big.length);
  let copiedFrom = 0; // ranges of `big` copied so far
  let m = 0; // words written
  const push = (first: number, last: number): void => {
    if (m > 0 && first <= out[m - 1]! + 1) {
      if (last > out[m - 1]!) out[m - 1] = last;
    } else {
      out[m] = first;
      out[m + 1] = last;
      m += V4_WORDS;
    }
  };
  for (let s = 0; s < small.length; s += V4_WORDS) {
    const upTo = upperBound(big, small[s]!);
    // Big ranges before this one go in as they are, but the first of them may touch the last
    // range written (a previous small one), so it goes through push; the rest are a block copy.
    if (upTo > copiedFrom) {
      push(big[copiedFrom * V4_WORDS]!, big[copiedFrom * V4_WORDS + 1]!);
      const block = big.subarray((copiedFrom + 1) * V4_WORDS, upTo * V4_WORDS);
      out.set(block, m);
      m += block.length;
      copiedFrom = upTo;
    }
    push(small[s]!, small[s + 1]!);
    // The small range may swallow the big ranges that follow it.
    while (copiedFrom < big.length / V4_WORDS && big[copiedFrom * V4_WORDS]! <= out[m - 1]! + 1) {
      push(big[copiedFrom * V4_WORDS]!, big[copiedFrom * V4_WORDS + 1]!);
      copiedFrom++;
    }
  }
  if (copiedFrom < big.length / V4_WORDS) {
    push(big[copiedFrom * V4_WORDS]!, big[copiedFrom * V4_WORDS + 1]!);
    const block = big.subarray((copiedFrom + 1) * V4_WORDS);
    out.set(block, m);
    m += block.length;
  }
  return m === out.length ? out : out.slice(0, m);
}

function mergeWalkV4(a: Uint32Array, b: Uint32Array): Uint32Array {
  const out = new Uint32Array(a.length + b.length);
  let i = 0;
  let j = 0;
  let m = 0; // words written
  while (i < a.length || j < b.length) {
    let first: number;
    let last: number;
    if (j >= b.length || (i < a.length && a[i]! <= b[j]!)) {
      first = a[i]!;
      last = a[i + 1]!;
      i += V4_WORDS;
    } else {
      first = b[j]!;
      last = b[j + 1]!;
      j += V4_WORDS;
    }
    // Numbers, not uint32 arithmetic: `last + 1` may be 2^32 and must not wrap.
    if (m > 0 && first <= out[m - 1]! + 1) {
      if (last > out[m - 1]!) out[m - 1] = last;
    } else {
      out[m] = first;
      out[m + 1] = last;
      m += V4_WORDS;
    }
  }
  return m === out.length ? out : out.slice(0, m);
}

function mergeV6(tables: readonly Uint32Array[]): Uint32Array {
  const builder = new RangeSetBuilder();
  const bounds = new Uint32Array(V6_WORDS);
  for (const t of tables) {
    for (let at = 0; at < t.length; at += V6_WORDS) {
      bounds.set(t.subarray(at, at + V6_WORDS));
      builder.addV6(bounds);
    }
  }
  return builder.build().v6;
}
