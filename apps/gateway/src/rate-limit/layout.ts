/**
 * Shared-memory layout of the rate-limit table: one fixed-size SharedArrayBuffer made by
 * createState() in the primary and handed to every worker (ctx.state). It is state, not
 * config: a reload publishes a new generation but never touches this buffer, so counters run
 * on across reloads, and a changed `requests` applies to the counts already there.
 *
 * Viewed as an Int32Array. Header on its own cache line, then ENTRIES entries of 4 words
 * (16 bytes, four per cache line):
 *
 * | word             | field                   | writer                     | readers        | access                  |
 * |------------------|-------------------------|----------------------------|----------------|-------------------------|
 * | 0                | MAGIC                   | createRateLimitState       | attach         | plain (before sharing)  |
 * | 1                | VERSION                 | createRateLimitState       | attach         | plain (before sharing)  |
 * | 2                | ENTRIES (power of two)  | createRateLimitState       | attach         | plain (before sharing)  |
 * | 3                | PROBE (entries per key) | createRateLimitState       | attach         | plain (before sharing)  |
 * | 4                | EVICTIONS               | any worker                 | stats          | Atomics.add / load      |
| 5, 6             | SEED (64-bit hash key)  | createRateLimitState       | attach         | plain (before sharing)  |
 * | 16 + 4e + 0      | entry e KEY             | any worker (claim)         | every hit      | compareExchange / load  |
 * | 16 + 4e + 1      | entry e CELL[even]      | any worker (count)         | every hit      | compareExchange / load  |
 * | 16 + 4e + 2      | entry e CELL[odd]       | any worker (count)         | every hit      | compareExchange / load  |
 * | 16 + 4e + 3      | entry e WINDOW_SECONDS  | any worker (claim, count)  | eviction scan  | store / load            |
 *
 * A CELL packs a window tag and a count into one word, `tag << 20 | count`: the count of
 * requests for the entry's key in one fixed window (count <= 2^20 - 1, saturating). Windows
 * are numbered `w = floor(nowMs / (windowSeconds * 1000))`; window w lives in CELL[w & 1] with
 * tag `(w >>> 1) & 0xfff`, so one cell holds the current window and the other the previous
 * one: what the sliding-window estimate needs.
 *
 * Invariants:
 *
 * - **R1 claim.** KEY is 0 until an entry is first claimed and never becomes 0 again; it moves
 *   from one value to another only by compareExchange, so of two threads claiming one entry
 *   exactly one wins, and the loser rescans (it may then find its key there).
 * - **R2 count.** A CELL changes only by compareExchange from the value just loaded (a
 *   read-modify-write loop), so concurrent increments are never lost: a cell's count is
 *   exactly the number of increments made in its window since that window began.
 * - **R3 lazy reset.** A cell whose tag is not the window being asked about reads as zero. The
 *   first increment of a new window replaces the stale value with (tag, 1) in the same
 *   compareExchange: reset and count are one atomic step, nothing is lost at the boundary.
 * - **R4 probe order.** A key lives in one of the PROBE entries from its home index on. A
 *   claimer scans them all (the key may be there already), then takes the first entry that is
 *   never-used or stale, else the one with the smallest count (eviction). Claims therefore
 *   happen at or before the first never-used entry, and entries never become unused again,
 *   so a lookup may stop at the first never-used entry. Two threads inserting the same new
 *   key pick the same entry (same scan, same rule) and R1 lets one win; a duplicate needs an
 *   entry to turn stale between two scans, and only splits that key's count for a window.
 * - **R5 takeover clears cells.** Whoever wins the claim of an occupied entry (R1) then stores
 *   zero into both cells, so a newcomer starts from its own requests only: it never inherits
 *   the victim's count (which let a flood of distinct keys raise every newcomer's first count)
 *   nor a stale cell whose tag happens to match under another window size. The only counts
 *   that can cross a takeover are hits racing with it: a hit of the old key that loaded KEY
 *   before the claim and increments after the clear lands on the newcomer, and a hit of the
 *   newcomer that increments between the claim and the clear is lost; each thread has at most
 *   one hit in flight, so either error is at most one per other thread.
 * - **R6 advisory window.** WINDOW_SECONDS only helps an eviction scan judge whether an entry
 *   is stale; a racy or outdated value can pick a worse victim, never change a count.
 * - **R7 seed.** SEED is written once, before the buffer is shared, from a CSPRNG; every
 *   thread hashes keys with it (key-hash.ts), so all threads agree on where a key lives.
 */

export const MAGIC = 0x4752_4c54; // "GRLT"
export const VERSION = 2;

export const kMagic = 0;
export const kVersion = 1;
export const kEntries = 2;
export const kProbe = 3;
export const kEvictions = 4;
export const kSeed = 5; // two words: kSeed, kSeed + 1

export const HEADER_WORDS = 16;
export const ENTRY_WORDS = 4;
export const kKey = 0;
export const kCell = 1; // CELL[parity] = kCell + parity
export const kWindowSeconds = 3;

export const COUNT_BITS = 20;
export const COUNT_MASK = (1 << COUNT_BITS) - 1;
export const TAG_MASK = 0xfff;

/** Default capacity: 262,144 keys in 4 MiB. */
export const DEFAULT_ENTRIES = 1 << 18;
export const MIN_ENTRIES = 1 << 6;
export const MAX_ENTRIES = 1 << 24;
/** Entries searched per key: two cache lines. */
export const DEFAULT_PROBE = 8;

export function cellTag(window: number): number {
  return (window >>> 1) & TAG_MASK;
}

export function packCell(tag: number, count: number): number {
  return ((tag << COUNT_BITS) | count) | 0;
}

/** The count `cell` holds for window `window` of its parity (R3: zero when stale). */
export function cellCount(cell: number, window: number): number {
  return ((cell >>> COUNT_BITS) & TAG_MASK) === cellTag(window) ? cell & COUNT_MASK : 0;
}
