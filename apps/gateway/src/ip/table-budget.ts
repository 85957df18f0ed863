import { FAMILY_V4, FAMILY_V6 } from './ip-address.js';
import { V4_WORDS, V6_WORDS } from './ip-ranges.js';

/**
 * The room the range tables of one config may take in a generation, all lists together.
 *
 * Why a byte budget and not a count per family: every list of a config travels in one
 * generation of the store, whose slots hold 64 MiB by default (`maxBytes` of @genswap/core's
 * store). A count per family (the old 16,777,216) could never be reached: about 8M IPv4 ranges
 * already overflowed the store, and that was reported at publish time with no location. The
 * budget leaves 8 MiB of the 64 for the header and the settings JSON (at most a 4 MiB config
 * file's worth), so a config within it always publishes, and a config beyond it is refused at
 * compile time at the entry that does not fit.
 *
 * Entries are counted as they are added, before overlapping ones merge: the cap is
 * conservative for lists with overlaps, exact for lists without.
 */
export const MAX_TABLE_BYTES = 56 * 1024 * 1024;
export const V4_RANGE_BYTES = V4_WORDS * 4;
export const V6_RANGE_BYTES = V6_WORDS * 4;
/** The budget in ranges of one family: 7,340,032 IPv4 ranges, or 1,835,008 IPv6 ranges. */
export const MAX_V4_RANGES = MAX_TABLE_BYTES / V4_RANGE_BYTES;
export const MAX_V6_RANGES = MAX_TABLE_BYTES / V6_RANGE_BYTES;

export class TableBudget {
  private used = 0;
  /** Set by the compile step once it reported the budget full, so it reports that once. */
  full = false;

  get usedBytes(): number {
    return this.used;
  }

  /** Takes `bytes` of room at once (a list file compiled on its own); false (taking nothing) when they do not fit. */
  takeBytes(bytes: number): boolean {
    if (this.used + bytes > MAX_TABLE_BYTES) return false;
    this.used += bytes;
    return true;
  }

  /** Takes the room of one range of `family`; false (taking nothing) when it does not fit. */
  take(family: number): boolean {
    const cost = family === FAMILY_V4 ? V4_RANGE_BYTES : family === FAMILY_V6 ? V6_RANGE_BYTES : 0;
    if (this.used + cost > MAX_TABLE_BYTES) return false;
    this.used += cost;
    return true;
  }
}
