/**
 * Sorted, disjoint, non-adjacent address ranges, and binary search over them in place.
 *
 * Table formats (plain Uint32Arrays, so they can be views over shared bytes):
 * - IPv4: 2 words per range, `[first, last]`, ascending by `first`.
 * - IPv6: 8 words per range, `[first0..first3, last0..last3]`, most significant word first,
 *   ascending by `first`.
 * Ranges never overlap or touch (RangeSetBuilder merges them), so the only candidate for an
 * address is the last range whose `first` is <= the address: one binary search, no
 * allocation, O(log n) loads.
 */
export interface IpRanges {
  readonly v4: Uint32Array;
  readonly v6: Uint32Array;
  /**
   * Set on a list file's compiled tables: their content's identity (the compiler's name and the
   * file's SHA-256). The codec encodes keyed tables as parts a slot can keep (codec/layout.ts).
   */
  readonly key?: string;
}

/**
 * A list's ranges as one or more sets, searched in turn: the config's inline entries and each
 * list file's own tables. Files are not merged into one copy, so an unchanged file's table is
 * reused as it was compiled, from the list cache to the slot, without being copied again.
 */
export type RangeList = readonly IpRanges[];

export const V4_WORDS = 2;
export const V6_WORDS = 8;

export function emptyRanges(): IpRanges {
  return { v4: new Uint32Array(0), v6: new Uint32Array(0) };
}

export function rangeCount(ranges: IpRanges | RangeList): number {
  let n = 0;
  for (const set of Array.isArray(ranges) ? (ranges as RangeList) : [ranges as IpRanges]) n += set.v4.length / V4_WORDS + set.v6.length / V6_WORDS;
  return n;
}

/**
 * Index of the IPv4 range holding `address` (an unsigned 32-bit number), or -1. Takes any
 * array-like of [start, end] pairs so a benchmark can search a plain JSON array the same way.
 */
export function findV4(table: ArrayLike<number>, address: number): number {
  let hi = (table.length >>> 1) - 1;
  if (hi < 0 || table[0]! > address) return -1;
  let lo = 0;
  while (lo < hi) {
    const mid = (lo + hi + 1) >>> 1;
    if (table[mid << 1]! <= address) lo = mid;
    else hi = mid - 1;
  }
  return address <= table[(lo << 1) + 1]! ? lo : -1;
}

/** Compares the 128-bit value at table[at..at+3] with (w0, w1, w2, w3): <0, 0 or >0. */
function compareAt(table: Uint32Array, at: number, w0: number, w1: number, w2: number, w3: number): number {
  let d = table[at]! - w0;
  if (d !== 0) return d;
  d = table[at + 1]! - w1;
  if (d !== 0) return d;
  d = table[at + 2]! - w2;
  if (d !== 0) return d;
  return table[at + 3]! - w3;
}

/** Index of the IPv6 range holding the address (w0..w3, most significant first), or -1. */
export function findV6(table: Uint32Array, w0: number, w1: number, w2: number, w3: number): number {
  let hi = (table.length >>> 3) - 1;
  if (hi < 0 || compareAt(table, 0, w0, w1, w2, w3) > 0) return -1;
  let lo = 0;
  while (lo < hi) {
    const mid = (lo + hi + 1) >>> 1;
    if (compareAt(table, mid << 3, w0, w1, w2, w3) <= 0) lo = mid;
    else hi = mid - 1;
  }
  return compareAt(table, (lo << 3) + 4, w0, w1, w2, w3) >= 0 ? lo : -1;
}

/**
 * True when `address` (as written by parseIp: out[0] for IPv4, out[0..3] for IPv6) lies in
 * `ranges`. `family` is the value parseIp returned.
 */
export function containsAddress(ranges: IpRanges, family: number, address: Uint32Array): boolean {
  if (family === 4) return findV4(ranges.v4, address[0]!) >= 0;
  if (family === 6) return findV6(ranges.v6, address[0]!, address[1]!, address[2]!, address[3]!) >= 0;
  return false;
}

/** True when `address` lies in any set of `list` (see containsAddress). */
export function listContains(list: RangeList, family: number, address: Uint32Array): boolean {
  for (let i = 0; i < list.length; i++) if (containsAddress(list[i]!, family, address)) return true;
  return false;
}
