import { FAMILY_V4, FAMILY_V6 } from './ip-address.js';
import { type IpRanges, V4_WORDS, V6_WORDS } from './ip-ranges.js';
import { radixSortPairs } from './radix-sort.js';

/** Most ranges one address family may hold (table offsets stay far below 2^32 bytes). */
export const MAX_RANGES_PER_FAMILY = 2 ** 24;

/**
 * Small IPv4 tables are sorted with packed float keys: `first * 2^21 + index` is exact below
 * 2^53, so a native numeric sort of a Float64Array orders them without a comparator callback.
 * Above RADIX_SORT_FROM ranges, radix-sort.ts sorts the pairs themselves.
 */
const PACKED_SORT_LIMIT = 2 ** 21;
const RADIX_SORT_FROM = 4096;

/**
 * Collects CIDR blocks (any order, overlapping, duplicated) and builds the sorted, merged
 * tables ip-ranges.ts searches. Overlapping and adjacent ranges become one, so a list of
 * a million single addresses with neighbours shrinks, and the search has one candidate.
 */
export class RangeSetBuilder {
  private v4: Uint32Array = new Uint32Array(64);
  private v4Count = 0;
  private v6: Uint32Array = new Uint32Array(64);
  private v6Count = 0;

  /** Ranges added so far, before merging. */
  get size(): number {
    return this.v4Count + this.v6Count;
  }

  /** Adds the bounds parseCidr wrote. Returns false when that family is full. */
  add(family: number, bounds: Uint32Array): boolean {
    if (family === FAMILY_V4) return this.addV4(bounds[0]!, bounds[1]!);
    if (family === FAMILY_V6) return this.addV6(bounds);
    return false;
  }

  addV4(first: number, last: number): boolean {
    if (this.v4Count >= MAX_RANGES_PER_FAMILY) return false;
    const at = this.v4Count * V4_WORDS;
    if (at + V4_WORDS > this.v4.length) this.v4 = grow(this.v4);
    this.v4[at] = first;
    this.v4[at + 1] = last;
    this.v4Count++;
    return true;
  }

  /** `bounds` holds first (words 0..3) and last (words 4..7). */
  addV6(bounds: Uint32Array): boolean {
    if (this.v6Count >= MAX_RANGES_PER_FAMILY) return false;
    const at = this.v6Count * V6_WORDS;
    if (at + V6_WORDS > this.v6.length) this.v6 = grow(this.v6);
    for (let k = 0; k < V6_WORDS; k++) this.v6[at + k] = bounds[k]!;
    this.v6Count++;
    return true;
  }

  build(): IpRanges {
    return { v4: buildV4(this.v4, this.v4Count), v6: buildV6(this.v6, this.v6Count) };
  }
}

function grow(table: Uint32Array): Uint32Array {
  const next = new Uint32Array(table.length * 2);
  next.set(table);
  return next;
}

/** Order of the IPv4 ranges by first address (small tables; big ones are radix-sorted). */
function orderV4(raw: Uint32Array, count: number): Uint32Array {
  const order = new Uint32Array(count);
  const keys = new Float64Array(count);
  for (let i = 0; i < count; i++) keys[i] = raw[i * V4_WORDS]! * PACKED_SORT_LIMIT + i;
  keys.sort();
  for (let i = 0; i < count; i++) order[i] = keys[i]! % PACKED_SORT_LIMIT;
  return order;
}

function buildV4(raw: Uint32Array, count: number): Uint32Array {
  if (count === 0) return new Uint32Array(0);
  // Below this a radix sort's two 64 Ki-entry histograms cost more than sorting the keys.
  const radix = count > RADIX_SORT_FROM;
  const sorted = radix ? radixSortPairs(raw, count) : raw;
  const order = radix ? undefined : orderV4(raw, count);
  // Merged in place over the sort's scratch (written never ahead of read: m <= k); never over
  // the builder's own table, so that build() may be called again.
  const out = radix && sorted !== raw ? sorted : new Uint32Array(count * V4_WORDS);
  let m = 0; // merged ranges written
  for (let k = 0; k < count; k++) {
    const at = order === undefined ? k * V4_WORDS : order[k]! * V4_WORDS;
    const first = sorted[at]!;
    const last = sorted[at + 1]!;
    // Numbers, not uint32 arithmetic: `lastSoFar + 1` may be 2^32 and must not wrap.
    if (m > 0 && first <= out[m * V4_WORDS - 1]! + 1) {
      if (last > out[m * V4_WORDS - 1]!) out[m * V4_WORDS - 1] = last;
    } else {
      out[m * V4_WORDS] = first;
      out[m * V4_WORDS + 1] = last;
      m++;
    }
  }
  return m * V4_WORDS === out.length ? out : out.slice(0, m * V4_WORDS);
}

function compare128(a: Uint32Array, ai: number, b: Uint32Array, bi: number): number {
  for (let k = 0; k < 4; k++) {
    const d = a[ai + k]! - b[bi + k]!;
    if (d !== 0) return d;
  }
  return 0;
}

/** True when b[bi..] <= a[ai..] + 1, i.e. a range starting at b touches or overlaps one ending at a. */
function startsWithinOrNextTo(b: Uint32Array, bi: number, a: Uint32Array, ai: number): boolean {
  if (compare128(b, bi, a, ai) <= 0) return true;
  // b > a: it touches only when b === a + 1. Compute a + 1 word by word, carrying.
  let carry = 1;
  for (let k = 3; k >= 0; k--) {
    const sum = a[ai + k]! + carry;
    const word = sum >>> 0;
    carry = sum > 0xffffffff ? 1 : 0;
    if (word !== b[bi + k]) return false;
  }
  return carry === 0; // a was all ones: nothing comes after it
}

function buildV6(raw: Uint32Array, count: number): Uint32Array {
  if (count === 0) return new Uint32Array(0);
  const order = new Uint32Array(count);
  for (let i = 0; i < count; i++) order[i] = i;
  order.sort((x, y) => compare128(raw, x * V6_WORDS, raw, y * V6_WORDS));
  const out = new Uint32Array(count * V6_WORDS);
  let m = 0;
  for (let k = 0; k < count; k++) {
    const at = order[k]! * V6_WORDS;
    const lastAt = (m - 1) * V6_WORDS + 4;
    if (m > 0 && startsWithinOrNextTo(raw, at, out, lastAt)) {
      if (compare128(raw, at + 4, out, lastAt) > 0) out.set(raw.subarray(at + 4, at + 8), lastAt);
    } else {
      out.set(raw.subarray(at, at + V6_WORDS), m * V6_WORDS);
      m++;
    }
  }
  return out.slice(0, m * V6_WORDS);
}
