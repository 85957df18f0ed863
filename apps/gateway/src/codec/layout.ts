/**
 * Byte layout of one encoded gateway generation (what the gateway codec writes into a slot).
 *
 * | byte offset        | field                         | writer         | readers          |
 * |--------------------|-------------------------------|----------------|------------------|
 * | 0                  | MAGIC `GWC1` (u32)            | encode         | decode           |
 * | 4                  | VERSION (u32)                 | encode         | decode           |
 * | 8                  | JSON_OFFSET (u32, bytes)      | encode         | decode           |
 * | 12                 | JSON_LENGTH (u32, bytes)      | encode         | decode           |
 * | 16                 | TABLE_COUNT (u32) = 6         | encode         | decode           |
 * | 20                 | reserved, 0                   | encode         | -                |
 * | 24 + 8*t           | table t BYTE_OFFSET (u32)     | encode         | decode           |
 * | 28 + 8*t           | table t WORDS (u32)           | encode         | decode           |
 * | HEADER_BYTES (128) | settings JSON (UTF-8)         | encode         | decode (parsed)  |
 * | table offsets      | Uint32 range tables           | encode         | every lookup, in place |
 *
 * Tables, in order (TABLE_*): allow v4, allow v6, deny v4, deny v6, trusted v4, trusted v6,
 * in the formats of ip/ip-ranges.ts.
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
 * - **L3 checksummed prefix.** The codec bounds core's checksum to CHECKSUM_BYTES: the header
 *   and the settings JSON (when it fits) are verified on a worker's first decode; the tables,
 *   megabytes for a big list, are not hashed (that is what keeps a switch under a millisecond)
 *   and decode checks their structure instead (bounds, word counts, sampled order).
 * - **L4 sorted merged tables.** Each table holds ranges sorted ascending, disjoint and
 *   non-adjacent, as RangeSetBuilder writes them; lookups depend on it.
 */

export const MAGIC = 0x3143_5747; // "GWC1" read as little-endian bytes
export const VERSION = 1;

export const kMagic = 0;
export const kVersion = 1;
export const kJsonOffset = 2;
export const kJsonLength = 3;
export const kTableCount = 4;
export const kTableDirectory = 6;
/** Words per directory entry: byte offset, word count. */
export const kTableEntryWords = 2;

export const TABLE_ALLOW_V4 = 0;
export const TABLE_ALLOW_V6 = 1;
export const TABLE_DENY_V4 = 2;
export const TABLE_DENY_V6 = 3;
export const TABLE_TRUSTED_V4 = 4;
export const TABLE_TRUSTED_V6 = 5;
export const TABLE_COUNT = 6;

export const HEADER_BYTES = 128;
export const TABLE_ALIGN = 64;
/** L3: how many leading bytes core's checksum covers. Hashing 64 KiB costs microseconds. */
export const CHECKSUM_BYTES = 64 * 1024;

export function alignUp(n: number, to: number): number {
  return Math.ceil(n / to) * to;
}
