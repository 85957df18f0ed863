/**
 * Byte layout of one encoded gateway generation (what the gateway codec writes into a slot).
 *
 * | byte offset            | field                                   | writer | readers          |
 * |------------------------|-----------------------------------------|--------|------------------|
 * | 0                      | MAGIC `GWC1` (u32)                      | encode | decode           |
 * | 4                      | VERSION (u32) = 2                       | encode | decode           |
 * | 8                      | JSON_OFFSET (u32, bytes)                | encode | decode           |
 * | 12                     | JSON_LENGTH (u32, bytes)                | encode | decode           |
 * | 16                     | SOURCE_COUNT (u32)                      | encode | decode           |
 * | 20                     | reserved, 0                             | encode | -                |
 * | 24 + 24*s              | source s: LIST, reserved, V4_OFFSET, V4_WORDS, V6_OFFSET, V6_WORDS (u32 each) | encode | decode |
 * | JSON_OFFSET            | settings JSON (UTF-8)                   | encode | decode (parsed)  |
 * | after it               | tables of unkeyed sources (inline CIDRs, trusted proxies) | encode | lookups, in place |
 * | from KEYED_ALIGN on    | tables of keyed sources (list files)    | encode | lookups, in place |
 *
 * A list (LIST_ALLOW, LIST_DENY, LIST_TRUSTED) is searched as one or more *sources*, each a
 * pair of range tables (IPv4, IPv6) in the formats of ip/ip-ranges.ts: the config's inline
 * entries, and each list file's own table. A list file's table is never merged into a copy
 * with the others: it is encoded as it was compiled, as a keyed part (core's EncodedParts)
 * whose key is the file's content hash, at an offset that does not move when the settings
 * change. So a reload that changed a rule beside an unchanged million-entry list writes a few
 * kilobytes into the slot: the store keeps the table a slot already holds (core's I9).
 *
 * The bytes are written once by the primary before publish and never change while a reader
 * holds the generation (core's I1 and I3), so nothing here needs Atomics: readers use plain
 * loads. Invariants the codec keeps:
 *
 * - **L1 alignment.** Every table starts at a multiple of TABLE_ALIGN (64) bytes from the start
 *   of the encoding, so a Uint32Array view is legal when the encoding itself starts 4-aligned
 *   (a core slot starts at byte 0 of its buffer), and a binary search's first probes fall on
 *   whole cache lines.
 * - **L2 platform byte order.** Words are stored in the byte order of the machine, because the
 *   readers are threads of the same process and a view cannot swap bytes for free.
 * - **L3 checksummed prefix.** The codec bounds core's checksum to CHECKSUM_BYTES: the header,
 *   directory, settings JSON and unkeyed tables (when they fit) are verified on a worker's
 *   first decode; keyed tables start at or after KEYED_ALIGN = CHECKSUM_BYTES and are never
 *   hashed (that is what keeps a switch under a millisecond): decode checks their structure
 *   instead (bounds, word counts, sampled order).
 * - **L4 sorted merged tables.** Each table holds ranges sorted ascending, disjoint and
 *   non-adjacent, as RangeSetBuilder writes them; lookups depend on it. Two sources of one list
 *   may overlap: a lookup asks each.
 * - **L5 stable keyed offsets.** Keyed tables are laid out from the first multiple of
 *   KEYED_ALIGN past everything else, in source order: their offsets change only when the
 *   sources before them or the settings' size class (in KEYED_ALIGN steps) change.
 * - **L6 gaps.** Bytes between tables are unspecified (an older generation's, in a slot): decode
 *   reads only what the header and directory point at.
 */

export const MAGIC = 0x3143_5747; // "GWC1" read as little-endian bytes
export const VERSION = 2;

export const kMagic = 0;
export const kVersion = 1;
export const kJsonOffset = 2;
export const kJsonLength = 3;
export const kSourceCount = 4;
export const kDirectory = 6;
/** Words per directory entry: list, reserved, v4 byte offset, v4 words, v6 byte offset, v6 words. */
export const kSourceWords = 6;
export const kSourceList = 0;
export const kSourceV4Offset = 2;
export const kSourceV4Words = 3;
export const kSourceV6Offset = 4;
export const kSourceV6Words = 5;

export const LIST_ALLOW = 0;
export const LIST_DENY = 1;
export const LIST_TRUSTED = 2;
export const LIST_NAMES = ['allow', 'deny', 'trustedProxies'] as const;

export const FIXED_HEADER_BYTES = 4 * kDirectory;
export const TABLE_ALIGN = 64;
/** L3: how many leading bytes core's checksum covers. Hashing 64 KiB costs microseconds. */
export const CHECKSUM_BYTES = 64 * 1024;
/** L5: keyed tables start at a multiple of this, outside the checksummed prefix. */
export const KEYED_ALIGN = CHECKSUM_BYTES;

export function alignUp(n: number, to: number): number {
  return Math.ceil(n / to) * to;
}

export function headerBytes(sources: number): number {
  return FIXED_HEADER_BYTES + 4 * kSourceWords * sources;
}
