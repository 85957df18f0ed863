import { checksum } from './checksum.js';
import { type Codec, checkEncoded, type Encoded, type EncodedParts, jsonCodec } from './codec.js';
import { intOption } from './int-option.js';
import { CoreError, NoFreeSlotError, type PinnedGeneration, ValueTooLargeError } from './errors.js';
import {
  type Geometry,
  geometry,
  kCurrentSlot,
  kLayoutVersion,
  kMagic,
  kMaxReaders,
  kRetireSignal,
  kRowFirstPin,
  kRowOwner,
  kRowStride,
  kSlotChecksum,
  kSlotCount,
  kSlotLength,
  kSlotSummed,
  LAYOUT_VERSION,
  MAGIC,
  MAX_GENERATION,
  MAX_SLOTS,
  MIN_SLOTS,
  NO_SLOT,
  rowWord,
  slotWord,
  writeGeneration,
} from './layout.js';
import type { ReaderStats, SlotState, SlotStats, StoreHandle, StoreOptions, StoreStats } from './store-types.js';

export type { ReaderStats, SlotState, SlotStats, StoreHandle, StoreOptions, StoreStats } from './store-types.js';

interface PendingPublish {
  readonly bytes: Encoded;
  readonly startedAt: number;
  readonly deadline: number;
  readonly resolve: (generation: number) => void;
  readonly reject: (err: unknown) => void;
}

const KiB = 1024;
const MiB = 1024 * KiB;

function storeOption(name: string, value: number | undefined, fallback: number, min: number, max: number): number {
  return intOption(`store option ${name}`, value, fallback, min, max, (message) => new CoreError('GENSWAP_INVALID_OPTION', message));
}

/**
 * The primary side of a generation store: it owns the shared memory, publishes values and
 * reclaims slots. Use it from one thread only; worker threads attach a GenerationReader to
 * `store.handle`.
 */
export class GenerationStore<T = unknown> {
  readonly handle: StoreHandle;
  readonly codec: Codec<T>;
  readonly maxBytes: number;
  readonly publishTimeoutMs: number;

  private readonly control: Int32Array;
  private readonly geo: Geometry;
  private readonly slotBuffers: SharedArrayBuffer[];
  /** Writer-private copy of each slot's generation (0 = never written). */
  private readonly slotGeneration: number[];
  private readonly slotBytes: number[];
  /** Per slot, the keyed parts its last write left in it: offset -> key (EncodedPart.key). */
  private readonly slotKeys: Map<number, string>[];
  private lastGeneration = 0;
  private publishes = 0;
  private bytesCopied = 0;
  private bytesKept = 0;
  private pending: PendingPublish | undefined;
  private draining = false;
  private closed = false;

  constructor(options: StoreOptions<T> = {}) {
    const slots = storeOption('slots', options.slots, 4, MIN_SLOTS, MAX_SLOTS);
    const maxReaders = storeOption('maxReaders', options.maxReaders, 64, 1, 4096);
    this.maxBytes = storeOption('maxBytes', options.maxBytes, 64 * MiB, 1, 2 ** 32 - 1);
    const initialBytes = storeOption('initialBytes', options.initialBytes, Math.min(64 * KiB, this.maxBytes), 0, this.maxBytes);
    this.publishTimeoutMs = storeOption('publishTimeoutMs', options.publishTimeoutMs, 10_000, 0, 2 ** 31 - 1);
    this.codec = options.codec ?? (jsonCodec as Codec<T>);

    this.geo = geometry(slots, maxReaders);
    const control = new SharedArrayBuffer(this.geo.totalWords * 4);
    this.control = new Int32Array(control);
    // Header words are written before the buffer is shared with anyone: plain stores suffice.
    this.control[kMagic] = MAGIC;
    this.control[kLayoutVersion] = LAYOUT_VERSION;
    this.control[kSlotCount] = slots;
    this.control[kMaxReaders] = maxReaders;
    this.control[kRowStride] = this.geo.rowStride;
    this.control[kCurrentSlot] = NO_SLOT;

    this.slotBuffers = Array.from({ length: slots }, () => new SharedArrayBuffer(initialBytes, { maxByteLength: this.maxBytes }));
    this.slotGeneration = new Array<number>(slots).fill(0);
    this.slotBytes = new Array<number>(slots).fill(0);
    this.slotKeys = Array.from({ length: slots }, () => new Map<number, string>());
    this.handle = Object.freeze({
      kind: 'genswap.store',
      version: LAYOUT_VERSION,
      codec: this.codec.name,
      control,
      slots: Object.freeze([...this.slotBuffers]),
    });
  }

  /** The current generation, 0 before the first publish. */
  get generation(): number {
    const slot = Atomics.load(this.control, kCurrentSlot); // I1: only this thread stores it
    return slot === NO_SLOT ? 0 : this.slotGeneration[slot]!;
  }

  /**
   * Encodes `value` and publishes it as the next generation. Resolves with its generation
   * number once every task that starts afterwards will see it.
   *
   * If every non-current slot is pinned, waits for one to be released. Only the newest
   * waiting value is kept: an older one waiting is rejected with GENSWAP_PUBLISH_SUPERSEDED.
   * After `timeoutMs` (default: the store's publishTimeoutMs) it rejects with
   * GENSWAP_NO_FREE_SLOT naming the pinned generations. A pinned slot is never overwritten.
   * Encoding errors and oversize values reject before anything shared is touched.
   */
  publish(value: T, options: { timeoutMs?: number } = {}): Promise<number> {
    if (this.closed) return Promise.reject(new CoreError('GENSWAP_STORE_CLOSED', 'publish on a closed store'));
    let bytes: Encoded;
    try {
      bytes = this.codec.encodeParts !== undefined ? this.codec.encodeParts(value) : this.codec.encode(value);
      if (!(bytes instanceof Uint8Array) && this.codec.encodeParts === undefined) throw new TypeError(`codec ${this.codec.name} returned ${typeof bytes}, not a Uint8Array`);
      checkEncoded(bytes);
    } catch (err) {
      return Promise.reject(new CoreError('GENSWAP_ENCODE_FAILED', `codec ${this.codec.name} failed to encode the value: ${(err as Error).message}`, { cause: err }));
    }
    return this.publishEncoded(bytes, options);
  }

  /**
   * Publishes bytes already encoded with this store's codec, e.g. by a loader thread that
   * parsed and encoded the config off the primary's event loop: the whole encoding, or its
   * parts (EncodedParts, whose keyed parts are not copied again into a slot that holds them
   * already). Same waiting, coalescing and errors as publish(); the bytes are copied into the
   * slot when it is written, so leave them unchanged until the promise settles.
   */
  publishEncoded(bytes: Encoded, options: { timeoutMs?: number } = {}): Promise<number> {
    if (this.closed) return Promise.reject(new CoreError('GENSWAP_STORE_CLOSED', 'publish on a closed store'));
    try {
      checkEncoded(bytes);
    } catch (err) {
      return Promise.reject(new CoreError('GENSWAP_ENCODE_FAILED', `publishEncoded: ${(err as Error).message}`, { cause: err }));
    }
    if (bytes.byteLength > this.maxBytes) return Promise.reject(new ValueTooLargeError(bytes.byteLength, this.maxBytes));
    if (this.lastGeneration >= MAX_GENERATION) {
      return Promise.reject(new CoreError('GENSWAP_GENERATION_EXHAUSTED', `generation ${this.lastGeneration} is the last one`));
    }

    if (this.pending === undefined) {
      const slot = this.findFreeSlot();
      if (slot !== NO_SLOT) return Promise.resolve(this.writeAndPublish(slot, bytes));
    }
    const timeoutMs = storeOption('timeoutMs', options.timeoutMs, this.publishTimeoutMs, 0, 2 ** 31 - 1);
    return new Promise<number>((resolve, reject) => {
      const previous = this.pending;
      const startedAt = performance.now();
      this.pending = { bytes, startedAt, deadline: startedAt + timeoutMs, resolve, reject };
      if (previous !== undefined) {
        previous.reject(new CoreError('GENSWAP_PUBLISH_SUPERSEDED', 'a newer value was published while this one waited for a free slot'));
        this.wakeDrain();
      }
      if (!this.draining) void this.drain();
    });
  }

  /**
   * Releases every pin held by the reader(s) registered from `threadId` and frees their rows.
   * Call it only after that thread has exited (piscina replaces workers that crash or are
   * terminated by an abort): a live reader would later release pins it no longer holds.
   * Returns the number of pins released (possibly 0 for a row it freed). Pass the id captured
   * when the thread started: Node sets `worker.threadId` to -1 before `'exit'`, so a negative
   * id throws instead of silently releasing nothing (and leaking the pins).
   */
  releaseReader(threadId: number): number {
    if (!Number.isSafeInteger(threadId) || threadId < 0) {
      throw new CoreError('GENSWAP_INVALID_OPTION', `releaseReader takes the threadId captured when the worker started (worker.threadId is -1 once it exited), got ${String(threadId)}`);
    }
    const owner = threadId + 1;
    let released = 0;
    let freed = false;
    for (let row = 0; row < this.geo.maxReaders; row++) {
      const base = rowWord(this.geo, row);
      if (Atomics.load(this.control, base + kRowOwner) !== owner) continue; // I5
      for (let slot = 0; slot < this.geo.slotCount; slot++) {
        // I4: the owning thread is gone, so the primary is the row's only writer now.
        released += Atomics.exchange(this.control, base + kRowFirstPin + slot, 0);
      }
      Atomics.store(this.control, base + kRowOwner, 0); // I5: pins are zero, the row is free
      freed = true;
    }
    // I6: wake on every freed row, not only when pins were left in it. The thread may have died
    // inside unpin(), after its Atomics.sub freed a slot and before its bump or notify: then no
    // pins are left here, and this is the only wakeup a waiting publish will get before its
    // deadline (the lost wakeup of issue 16, found by model/store.pml).
    if (freed) this.wakeDrain();
    return released;
  }

  stats(): StoreStats {
    const current = Atomics.load(this.control, kCurrentSlot);
    const slots: SlotStats[] = [];
    for (let slot = 0; slot < this.geo.slotCount; slot++) {
      const pins = this.columnSum(slot);
      const generation = this.slotGeneration[slot]!;
      const state: SlotState = slot === current ? 'current' : generation === 0 ? 'empty' : pins > 0 ? 'retired' : 'free';
      slots.push({ slot, generation, state, pins, bytes: this.slotBytes[slot]!, capacity: this.slotBuffers[slot]!.byteLength });
    }
    const readers: ReaderStats[] = [];
    for (let row = 0; row < this.geo.maxReaders; row++) {
      const base = rowWord(this.geo, row);
      const owner = Atomics.load(this.control, base + kRowOwner); // I5
      if (owner === 0) continue;
      let pins = 0;
      for (let slot = 0; slot < this.geo.slotCount; slot++) pins += Atomics.load(this.control, base + kRowFirstPin + slot);
      readers.push({ row, threadId: owner - 1, pins });
    }
    return {
      generation: current === NO_SLOT ? 0 : this.slotGeneration[current]!,
      currentSlot: current,
      slots,
      readers,
      publishes: this.publishes,
      pendingPublish: this.pending !== undefined,
      bytesCopied: this.bytesCopied,
      bytesKept: this.bytesKept,
    };
  }

  /** Rejects a waiting publish and refuses new ones. Readers keep working on what is published. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    const pending = this.pending;
    this.pending = undefined;
    pending?.reject(new CoreError('GENSWAP_STORE_CLOSED', 'the store was closed while a publish waited for a free slot'));
    this.wakeDrain();
  }

  private columnSum(slot: number): number {
    let sum = 0;
    for (let row = 0; row < this.geo.maxReaders; row++) {
      sum += Atomics.load(this.control, rowWord(this.geo, row) + kRowFirstPin + slot); // I3: SC load after retire
    }
    return sum;
  }

  /** A slot that may be rewritten (I3): not current and unpinned. Prefers never-used, then oldest. */
  private findFreeSlot(): number {
    const current = Atomics.load(this.control, kCurrentSlot); // I3: only this thread stores it
    let best = NO_SLOT;
    for (let slot = 0; slot < this.geo.slotCount; slot++) {
      if (slot === current) continue;
      if (best !== NO_SLOT && this.slotGeneration[slot]! >= this.slotGeneration[best]!) continue;
      if (this.columnSum(slot) === 0) best = slot;
    }
    return best;
  }

  /**
   * I9: the slot's bytes become the encoding. A keyed part the slot's last write left at the
   * same offset is kept, not copied (the key promises the same bytes; nothing but this method
   * writes a slot, and parts never overlap, so no other part of either write touched them).
   */
  private writeParts(slot: number, buffer: SharedArrayBuffer, encoded: EncodedParts): void {
    const previous = this.slotKeys[slot]!;
    const next = new Map<number, string>();
    for (const part of encoded.parts) {
      if (part.key !== undefined) {
        next.set(part.offset, part.key);
        if (previous.get(part.offset) === part.key) {
          this.bytesKept += part.bytes.byteLength;
          continue;
        }
      }
      new Uint8Array(buffer, part.offset, part.bytes.byteLength).set(part.bytes);
      this.bytesCopied += part.bytes.byteLength;
    }
    this.slotKeys[slot] = next;
  }

  private writeAndPublish(slot: number, bytes: Encoded): number {
    const buffer = this.slotBuffers[slot]!;
    if (buffer.byteLength < bytes.byteLength) {
      // I8: the slot is free, nobody reads it; grow geometrically to amortize later growth.
      buffer.grow(Math.min(this.maxBytes, Math.max(bytes.byteLength, buffer.byteLength * 2)));
    }
    if (bytes instanceof Uint8Array) {
      new Uint8Array(buffer, 0, bytes.byteLength).set(bytes);
      this.bytesCopied += bytes.byteLength;
      this.slotKeys[slot]!.clear();
    } else this.writeParts(slot, buffer, bytes);
    const generation = ++this.lastGeneration;
    // I1: metadata is written with plain stores before the publishing Atomics.store below.
    this.control[slotWord(slot, kSlotLength)] = bytes.byteLength;
    const summed = Math.min(bytes.byteLength, this.codec.checksumBytes ?? Infinity);
    this.control[slotWord(slot, kSlotSummed)] = summed;
    // Over the slot as written (with parts, gaps hold whatever they held: readers see the same).
    this.control[slotWord(slot, kSlotChecksum)] = checksum(new Uint8Array(buffer, 0, summed)) | 0;
    writeGeneration(this.control, slot, generation);
    this.slotGeneration[slot] = generation;
    this.slotBytes[slot] = bytes.byteLength;
    Atomics.store(this.control, kCurrentSlot, slot); // I1: the moment of truth
    this.publishes++;
    return generation;
  }

  private pinnedGenerations(): PinnedGeneration[] {
    const current = Atomics.load(this.control, kCurrentSlot);
    const pinned: PinnedGeneration[] = [];
    for (let slot = 0; slot < this.geo.slotCount; slot++) {
      if (slot === current) continue;
      const threadIds: number[] = [];
      let pins = 0;
      for (let row = 0; row < this.geo.maxReaders; row++) {
        const base = rowWord(this.geo, row);
        const n = Atomics.load(this.control, base + kRowFirstPin + slot);
        if (n !== 0) {
          pins += n;
          threadIds.push(Atomics.load(this.control, base + kRowOwner) - 1);
        }
      }
      if (pins > 0) pinned.push({ slot, generation: this.slotGeneration[slot]!, pins, threadIds });
    }
    return pinned;
  }

  private wakeDrain(): void {
    Atomics.add(this.control, kRetireSignal, 1); // I6
    Atomics.notify(this.control, kRetireSignal);
  }

  /** Waits for a free slot for the (newest) pending publish, re-scanning whenever a retired pin is released. */
  private async drain(): Promise<void> {
    this.draining = true;
    try {
      while (this.pending !== undefined) {
        const seen = Atomics.load(this.control, kRetireSignal); // I6: load before the scan
        const slot = this.findFreeSlot();
        const pending = this.pending;
        if (slot !== NO_SLOT) {
          this.pending = undefined;
          pending.resolve(this.writeAndPublish(slot, pending.bytes));
          continue;
        }
        const now = performance.now();
        if (now >= pending.deadline) {
          this.pending = undefined;
          pending.reject(new NoFreeSlotError(this.pinnedGenerations(), now - pending.startedAt));
          continue;
        }
        const wait = Atomics.waitAsync(this.control, kRetireSignal, seen, pending.deadline - now); // I6
        if (wait.async) await wait.value;
      }
    } finally {
      this.draining = false;
    }
  }
}

export function createStore<T = unknown>(options: StoreOptions<T> = {}): GenerationStore<T> {
  return new GenerationStore<T>(options);
}
