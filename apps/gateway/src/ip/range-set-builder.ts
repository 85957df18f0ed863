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
 * Where an unshared builder's tables start: 64 bytes, the most V8 keeps on its own heap. A small
 * config's builders (its inline lists, its trusted proxies: a few per reload) then allocate no
 * backing store each, which on an idle thread cost ~20 us a reload; bigger tables grow by doubling.
 */
const SMALL_WORDS = 16;

/**
 * Collects CIDR blocks (any order, overlapping, duplicated) and builds the sorted, merged
 * tables ip-ranges.ts searches. Overlapping and adjacent ranges become one, so a list of
 * a million single addresses with neighbours shrinks, and the search has one candidate.
 */
export interface RangeSetBuilderOptions {
  /**
   * Build the tables in SharedArrayBuffers (a list file's, which the loader thread hands to the
   * primary without a copy). A shared builder sorts and merges in place: build() it once.
   */
  readonly shared?: boolean;
  /**
   * IPv4 ranges to make room for at once (say, a list file's size over its shortest line): the
   * table then never grows by copying, and pages never written are never resident.
   */
  readonly v4Capacity?: number;
}

export class RangeSetBuilder {
  private readonly shared: boolean;
  private v4: Uint32Array;
  private v4Count = 0;
  private v6: Uint32Array;
  private v6Count = 0;

  constructor(options: RangeSetBuilderOptions = {}) {
    this.shared = options.shared === true;
    const v4Ranges = options.v4Capacity === undefined ? (this.shared ? 32 : SMALL_WORDS / V4_WORDS) : Math.max(32, Math.ceil(options.v4Capacity));
    this.v4 = this.table(V4_WORDS * Math.min(MAX_RANGES_PER_FAMILY, v4Ranges));
    this.v6 = this.table(this.shared ? 64 : SMALL_WORDS);
  }

  private table(words: number): Uint32Array {
    return this.shared ? new Uint32Array(new SharedArrayBuffer(words * 4)) : new Uint32Array(words);
  }

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
    if (at + V4_WORDS > this.v4.length) this.v4 = this.grow(this.v4);
    this.v4[at] = first;
    this.v4[at + 1] = last;
    this.v4Count++;
    return true;
  }

  /** `bounds` holds first (words 0..3) and last (words 4..7). */
  addV6(bounds: Uint32Array): boolean {
    if (this.v6Count >= MAX_RANGES_PER_FAMILY) return false;
    const at = this.v6Count * V6_WORDS;
    if (at + V6_WORDS > this.v6.length) this.v6 = this.grow(this.v6);
    for (let k = 0; k < V6_WORDS; k++) this.v6[at + k] = bounds[k]!;
    this.v6Count++;
    return true;
  }

  /** The sorted, merged tables (of a shared builder: in shared memory, and only once). */
  build(): IpRanges {
    if (!this.shared) return { v4: buildV4(this.v4, this.v4Count), v6: buildV6(this.v6, this.v6Count) };
    const v4 = buildV4Shared(this.v4, this.v4Count);
    const v6 = inShared(buildV6(this.v6, this.v6Count));
    this.v4 = this.v6 = new Uint32Array(0);
    this.v4Count = this.v6Count = 0;
    return { v4, v6 };
  }

  private grow(table: Uint32Array): Uint32Array {
    const next = this.table(table.length * 2);
    next.set(table);
    return next;
  }
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

/** `table` in a SharedArrayBuffer of its own size (a copy, unless it is one already). */
function inShared(table: Uint32Array): Uint32Array {
  if (table.buffer instanceof SharedArrayBuffer && table.byteLength === table.buffer.byteLength) return table;
  const copy = new Uint32Array(new SharedArrayBuffer(table.byteLength));
  copy.set(table);
  return copy;
}

/** Merges `count` sorted pairs of `sorted` (in `order`, when given) into `out`; returns the words written. */
function mergeV4(sorted: Uint32Array, order: Uint32Array | undefined, count: number, out: Uint32Array): number {
  let m = 0; // words written (never ahead of the pair read: m <= 2k, so `out` may be `sorted`)
  // Numbers, not uint32 arithmetic: `end + 1` may be 2^32 and must not wrap.
  let end = -2; // the last address of the range being merged (none yet)
  for (let k = 0; k < count; k++) {
    const at = order === undefined ? k * V4_WORDS : order[k]! * V4_WORDS;
    const first = sorted[at]!;
    const last = sorted[at + 1]!;
    if (first <= end + 1) {
      if (last > end) out[m - 1] = end = last;
    } else {
      out[m] = first;
      out[m + 1] = end = last;
      m += V4_WORDS;
    }
  }
  return m;
}

function buildV4(raw: Uint32Array, count: number): Uint32Array {
  if (count === 0) return new Uint32Array(0);
  // Below this a radix sort's histograms cost more than sorting the keys.
  const radix = count > RADIX_SORT_FROM;
  const sorted = radix ? radixSortPairs(raw, count) : raw;
  const order = radix ? undefined : orderV4(raw, count);
  // Merged in place over the sort's scratch; never over the builder's own table, so that
  // build() may be called again.
  const out = radix && sorted !== raw ? sorted : new Uint32Array(count * V4_WORDS);
  const m = mergeV4(sorted, order, count, out);
  return m === out.length ? out : out.slice(0, m);
}

/**
 * A shared builder's table: sorted with a shared scratch and merged in place over whichever of
 * the two holds the sorted pairs, so the table returned is a view of memory already written,
 * and only the other one is left for the collector.
 */
function buildV4Shared(raw: Uint32Array, count: number): Uint32Array {
  if (count === 0) return inShared(new Uint32Array(0));
  if (count <= RADIX_SORT_FROM) {
    const out = new Uint32Array(new SharedArrayBuffer(count * V4_WORDS * 4));
    const m = mergeV4(raw, orderV4(raw, count), count, out);
    return m === out.length ? out : inShared(out.subarray(0, m));
  }
  const sorted = radixSortPairs(raw, count, new Uint32Array(new SharedArrayBuffer(count * V4_WORDS * 4)));
  const m = mergeV4(sorted, undefined, count, sorted);
  // Far fewer ranges than entries (overlaps merged): a copy of its own size, not a big view.
  return m * 4 >= count * V4_WORDS * 3 ? sorted.subarray(0, m) : inShared(sorted.subarray(0, m));
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
