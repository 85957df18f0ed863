/**
 * The shared-memory layout of a generation store. Everything the primary and the
 * workers agree on lives here; every `Atomics` call elsewhere cites an invariant below.
 *
 * One *control* SharedArrayBuffer (fixed size) viewed as an Int32Array, plus one growable
 * SharedArrayBuffer per *slot* holding an encoded generation.
 *
 * Control buffer, in Int32 words (one cache line = 16 words = 64 bytes):
 *
 * | word                      | field          | writer               | readers        | access                 |
 * |---------------------------|----------------|----------------------|----------------|------------------------|
 * | 0                         | MAGIC          | primary, at create   | attach         | plain (before sharing) |
 * | 1                         | LAYOUT_VERSION | primary, at create   | attach         | plain (before sharing) |
 * | 2                         | SLOT_COUNT     | primary, at create   | attach         | plain (before sharing) |
 * | 3                         | MAX_READERS    | primary, at create   | attach         | plain (before sharing) |
 * | 4                         | ROW_STRIDE     | primary, at create   | attach         | plain (before sharing) |
 * | 16 (own line)             | CURRENT_SLOT   | primary, publish     | every acquire  | Atomics.store / load   |
 * | 32 (own line)             | RETIRE_SIGNAL  | readers, primary     | publish waiter | Atomics.add / wait     |
 * | 48 + 16*s + 0             | slot s GEN_HI  | primary, slot free   | reader, pinned | plain                  |
 * | 48 + 16*s + 1             | slot s GEN_LO  | primary, slot free   | reader, pinned | plain                  |
 * | 48 + 16*s + 2             | slot s LENGTH  | primary, slot free   | reader, pinned | plain                  |
 * | 48 + 16*s + 3             | slot s CHECKSUM| primary, slot free   | reader, pinned | plain                  |
 * | 48 + 16*s + 4             | slot s SUMMED  | primary, slot free   | reader, pinned | plain                  |
 * | rows + r*stride + 0       | row r OWNER    | reader (claim/free), | primary        | compareExchange/store  |
 * |                           |                | primary (dead reader)|                |                        |
 * | rows + r*stride + 1 + s   | row r PIN[s]   | reader r; primary    | primary        | Atomics.add/sub/load   |
 * |                           |                | after r's thread died|                |                        |
 *
 * `rows` = 48 + 16 * SLOT_COUNT; `stride` = 16 * ceil((1 + SLOT_COUNT) / 16), so every
 * row starts on its own 64-byte line and a reader's pin traffic never shares a cache line
 * with another reader's or with CURRENT_SLOT.
 *
 * Invariants:
 *
 * - **I1 publish point.** A slot's bytes and its GEN/LENGTH/CHECKSUM words are completely
 *   written before the `Atomics.store(CURRENT_SLOT, s)` that names it. That store is the
 *   moment a generation becomes visible; a reader that loads `s` from CURRENT_SLOT
 *   (sequentially consistent) sees everything written before it.
 * - **I2 pin, then re-check.** A reader uses slot `s` only after it has incremented its own
 *   PIN[s] and then loaded CURRENT_SLOT again and found `s`. Otherwise it undoes the pin and
 *   retries with the newer index.
 * - **I3 reclaim.** The primary rewrites slot `s` only when `s` is not CURRENT_SLOT and the
 *   sum of column PIN[s] over all rows is zero, observed with sequentially consistent loads
 *   after `s` stopped being current. With I2 this is the hazard-pointer argument: in the
 *   single total order of SC operations, either the reader's re-check comes before the
 *   publish that retired `s` (then its pin precedes the primary's scan, which sees it), or
 *   after (then the re-check sees the new index and the reader backs off). A pin taken on a
 *   free slot is transient: the re-check fails and the data is never read.
 * - **I4 one writer per row.** Only the reader that owns row `r` changes its PIN words,
 *   except that the primary zeroes a row after the owning thread has exited (it can write
 *   nothing any more).
 * - **I5 row ownership.** A row is claimed with `compareExchange(OWNER, 0, threadId + 1)`
 *   and freed by storing 0 only once all its pins are zero.
 * - **I6 retire signal.** A reader that releases a pin on a slot that is no longer current
 *   bumps RETIRE_SIGNAL and notifies it. The primary bumps and notifies whenever
 *   `releaseReader` frees a dead reader's row, whether or not pins were left in it: the thread
 *   may have died between its Atomics.sub and its bump or notify, and then nothing else wakes
 *   a publish waiting for the slot it freed. A publish waiting for a free slot loads
 *   RETIRE_SIGNAL *before* it scans and waits only while the word still holds that value, so
 *   a release between scan and wait is not missed. (model/store.pml checks that no publish
 *   stays asleep while a slot is free.)
 * - **I7 generations.** Generation numbers strictly increase from 1 and are stored as two
 *   words (hi, lo). Readers read them only under a pin (I2), when they cannot change, so the
 *   halves are always consistent. At 2^53 - 1 publishing stops with an error (at a million
 *   reloads a second that is 285 years away).
 * - **I8 growth.** A slot's buffer grows only while the slot is free (I3) and never shrinks;
 *   LENGTH <= byteLength always holds for the buffer a reader sees.
 * - **I9 kept parts.** Only the primary writes a slot's bytes, and only under I3. It remembers
 *   which keyed parts (codec.ts, EncodedParts) its last write to each slot left there, at which
 *   offsets; a new write to that slot skips a part with the same key at the same offset, since
 *   the key promises the same bytes and no write since has touched them. Any other part, and
 *   a whole-bytes publish, forgets what it overwrote. CHECKSUM covers the slot as written.
 */

export const MAGIC = 0x47_53_41_50; // "GSAP"
export const LAYOUT_VERSION = 1;

export const kMagic = 0;
export const kLayoutVersion = 1;
export const kSlotCount = 2;
export const kMaxReaders = 3;
export const kRowStride = 4;

/** Index of the current slot, or -1 before the first publish. Alone on its cache line. */
export const kCurrentSlot = 16;
/** Bumped (and notified) whenever a retired slot may have become free. Own cache line. */
export const kRetireSignal = 32;

export const kSlotTableStart = 48;
export const kSlotStride = 16;
export const kSlotGenHi = 0;
export const kSlotGenLo = 1;
export const kSlotLength = 2;
export const kSlotChecksum = 3;
/** How many leading bytes CHECKSUM covers (all of them unless the codec bounds it). */
export const kSlotSummed = 4;

export const kRowOwner = 0;
export const kRowFirstPin = 1;

export const WORDS_PER_LINE = 16;
export const NO_SLOT = -1;
export const MIN_SLOTS = 3;
export const MAX_SLOTS = 63;
export const MAX_GENERATION = Number.MAX_SAFE_INTEGER;

export interface Geometry {
  readonly slotCount: number;
  readonly maxReaders: number;
  readonly rowStride: number;
  readonly rowsStart: number;
  readonly totalWords: number;
}

export function geometry(slotCount: number, maxReaders: number): Geometry {
  const rowStride = WORDS_PER_LINE * Math.ceil((1 + slotCount) / WORDS_PER_LINE);
  const rowsStart = kSlotTableStart + kSlotStride * slotCount;
  return { slotCount, maxReaders, rowStride, rowsStart, totalWords: rowsStart + rowStride * maxReaders };
}

export function slotWord(slot: number, field: number): number {
  return kSlotTableStart + kSlotStride * slot + field;
}

export function rowWord(geo: Geometry, row: number): number {
  return geo.rowsStart + geo.rowStride * row;
}

/** Reads a generation number (I7). Call only while the slot is pinned or owned by the writer. */
export function readGeneration(control: Int32Array, slot: number): number {
  const hi = control[slotWord(slot, kSlotGenHi)]! >>> 0;
  const lo = control[slotWord(slot, kSlotGenLo)]! >>> 0;
  return hi * 0x1_0000_0000 + lo;
}

/** Writes a generation number (I7). Writer only, slot free (I3). */
export function writeGeneration(control: Int32Array, slot: number, generation: number): void {
  control[slotWord(slot, kSlotGenHi)] = Math.floor(generation / 0x1_0000_0000) | 0;
  control[slotWord(slot, kSlotGenLo)] = generation >>> 0 | 0;
}
