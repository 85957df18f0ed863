import { threadId as currentThreadId } from 'node:worker_threads';
import { checksum } from './checksum.js';
import { type Codec, jsonCodec } from './codec.js';
import { CoreError } from './errors.js';
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
  kSlotChecksum,
  kSlotCount,
  kSlotLength,
  kSlotSummed,
  LAYOUT_VERSION,
  MAGIC,
  NO_SLOT,
  readGeneration,
  rowWord,
  slotWord,
} from './layout.js';
import type { StoreHandle } from './store.js';
import { readerHooks } from './test-hooks.js';

export interface ReaderOptions<T> {
  /** Must have the same name as the store's codec. Default: JSON. */
  codec?: Codec<T>;
}

/**
 * A pin on one generation. `value` is valid only until `release()`: it may alias the slot's
 * shared bytes (zero-copy codecs return views into them), and a slot is rewritten once nobody
 * pins it. Do not keep `value`, or anything taken out of it by reference, past release.
 */
export class Lease<T> {
  readonly generation: number;
  readonly value: T;
  private readonly reader: GenerationReader<T>;
  private readonly slot: number;
  private done = false;

  /** @internal */
  constructor(reader: GenerationReader<T>, slot: number, generation: number, value: T) {
    this.reader = reader;
    this.slot = slot;
    this.generation = generation;
    this.value = value;
  }

  get released(): boolean {
    return this.done;
  }

  /** Unpins the generation. Idempotent: returns false when it was already released. */
  release(): boolean {
    if (this.done) return false;
    this.done = true;
    this.reader.unpin(this.slot, true);
    return true;
  }
}

function isPromiseLike(value: unknown): value is PromiseLike<unknown> {
  return value !== null && (typeof value === 'object' || typeof value === 'function') && typeof (value as PromiseLike<unknown>).then === 'function';
}

function checkHandle(handle: unknown): asserts handle is StoreHandle {
  const h = handle as Partial<StoreHandle> | null;
  if (h === null || typeof h !== 'object' || h.kind !== 'genswap.store' || !(h.control instanceof SharedArrayBuffer) || !Array.isArray(h.slots)) {
    throw new CoreError('GENSWAP_BAD_HANDLE', 'not a genswap store handle (expected the object from store.handle)');
  }
  if (h.version !== LAYOUT_VERSION) {
    throw new CoreError('GENSWAP_BAD_HANDLE', `store handle has layout version ${String(h.version)}, this reader speaks ${LAYOUT_VERSION}`);
  }
}

/**
 * The worker side of a generation store. Attaching claims a pin row for this thread; every
 * `acquire()` pins the current generation until its lease is released.
 */
export class GenerationReader<T = unknown> {
  /** The thread id this reader registered with (what `store.releaseReader` takes). */
  readonly threadId: number;
  readonly codec: Codec<T>;

  private readonly control: Int32Array;
  private readonly geo: Geometry;
  private readonly slotBuffers: readonly SharedArrayBuffer[];
  private readonly rowBase: number;
  private readonly pinBase: number;
  private readonly cachedGeneration: number[];
  private readonly cachedValue: (T | undefined)[];
  private newestGeneration = 0;
  private active = 0;
  private closed = false;

  constructor(handle: StoreHandle, options: ReaderOptions<T> = {}) {
    checkHandle(handle);
    this.codec = options.codec ?? (jsonCodec as Codec<T>);
    if (this.codec.name !== handle.codec) {
      throw new CoreError('GENSWAP_CODEC_MISMATCH', `store was created with codec "${handle.codec}", reader attached with "${this.codec.name}"`);
    }
    this.control = new Int32Array(handle.control);
    // Header words were written before the buffer was shared (see layout): plain loads suffice.
    if (this.control[kMagic] !== MAGIC || this.control[kLayoutVersion] !== LAYOUT_VERSION || this.control[kSlotCount] !== handle.slots.length) {
      throw new CoreError('GENSWAP_BAD_HANDLE', 'store handle does not describe a genswap control buffer');
    }
    this.geo = geometry(this.control[kSlotCount]!, this.control[kMaxReaders]!);
    this.slotBuffers = handle.slots;
    this.threadId = currentThreadId;
    this.cachedGeneration = new Array<number>(this.geo.slotCount).fill(0);
    this.cachedValue = new Array<T | undefined>(this.geo.slotCount).fill(undefined);

    let claimed = -1;
    for (let row = 0; row < this.geo.maxReaders && claimed < 0; row++) {
      // I5: claim a free row; its pins are all zero.
      if (Atomics.compareExchange(this.control, rowWord(this.geo, row) + kRowOwner, 0, this.threadId + 1) === 0) claimed = row;
    }
    if (claimed < 0) {
      throw new CoreError('GENSWAP_TOO_MANY_READERS', `all ${this.geo.maxReaders} reader rows are taken`);
    }
    this.rowBase = rowWord(this.geo, claimed);
    this.pinBase = this.rowBase + kRowFirstPin;
  }

  /** The pin row this reader owns. */
  get row(): number {
    return (this.rowBase - this.geo.rowsStart) / this.geo.rowStride;
  }

  /** Leases not yet released. */
  get activeLeases(): number {
    return this.active;
  }

  /** The current generation without pinning it (0 before the first publish). For display only. */
  get currentGeneration(): number {
    for (;;) {
      const slot = Atomics.load(this.control, kCurrentSlot);
      if (slot === NO_SLOT) return 0;
      Atomics.add(this.control, this.pinBase + slot, 1); // I2
      const again = Atomics.load(this.control, kCurrentSlot); // I2
      const generation = again === slot ? readGeneration(this.control, slot) : -1; // I7: read under pin
      this.unpin(slot, false);
      if (generation >= 0) return generation;
    }
  }

  /**
   * Pins the current generation and returns its lease. Decodes a generation the first time
   * this thread sees it (verifying its checksum) and caches the value while it is current.
   */
  acquire(): Lease<T> {
    if (this.closed) throw new CoreError('GENSWAP_READER_CLOSED', 'acquire on a closed reader');
    const control = this.control;
    let slot = Atomics.load(control, kCurrentSlot); // I1: a slot index seen here is fully written
    for (;;) {
      if (slot === NO_SLOT) throw new CoreError('GENSWAP_NO_GENERATION', 'nothing has been published yet');
      readerHooks.current?.afterLoad?.(slot);
      Atomics.add(control, this.pinBase + slot, 1); // I2: pin before use
      readerHooks.current?.afterPin?.(slot);
      const again = Atomics.load(control, kCurrentSlot); // I2/I3: re-check after the pin
      if (again === slot) break;
      this.unpin(slot, false); // transient pin on a retired slot: undo it, wake a waiting publisher (I6)
      slot = again;
    }
    const generation = readGeneration(control, slot); // I7: stable while pinned
    let value: T;
    if (this.cachedGeneration[slot] === generation) {
      value = this.cachedValue[slot] as T;
    } else {
      value = this.decodeSlot(slot, generation);
    }
    this.active++;
    return new Lease(this, slot, generation, value);
  }

  /**
   * Runs `fn` with the current generation's value and releases the lease when `fn` returns,
   * throws, or its returned promise settles.
   */
  withLease<R>(fn: (value: T, lease: Lease<T>) => R): R {
    const lease = this.acquire();
    let result: R;
    try {
      result = fn(lease.value, lease);
    } catch (err) {
      lease.release();
      throw err;
    }
    if (isPromiseLike(result)) {
      return Promise.resolve(result).then(
        (v) => {
          lease.release();
          return v;
        },
        (err: unknown) => {
          lease.release();
          throw err;
        },
      ) as R;
    }
    lease.release();
    return result;
  }

  /** Frees this thread's pin row. Throws GENSWAP_READER_BUSY while leases are held. */
  close(): void {
    if (this.closed) return;
    if (this.active > 0) throw new CoreError('GENSWAP_READER_BUSY', `${this.active} lease(s) still held`);
    this.closed = true;
    this.cachedValue.fill(undefined);
    Atomics.store(this.control, this.rowBase + kRowOwner, 0); // I5: all pins are zero
  }

  /** @internal Drops one pin on `slot`; `counted` when it belonged to a lease. */
  unpin(slot: number, counted: boolean): void {
    if (counted) this.active--;
    Atomics.sub(this.control, this.pinBase + slot, 1); // I2/I3: the writer's column scan sees this
    readerHooks.current?.afterUnpin?.(slot);
    if (Atomics.load(this.control, kCurrentSlot) !== slot) {
      // I6: the slot is retired; a publish may be waiting for exactly this release.
      Atomics.add(this.control, kRetireSignal, 1);
      Atomics.notify(this.control, kRetireSignal);
    }
  }

  private decodeSlot(slot: number, generation: number): T {
    // Under the pin the slot's metadata and bytes are immutable (I2, I3).
    const length = this.control[slotWord(slot, kSlotLength)]!;
    const expected = this.control[slotWord(slot, kSlotChecksum)]! >>> 0;
    const bytes = new Uint8Array(this.slotBuffers[slot]!, 0, length);
    const actual = checksum(bytes.subarray(0, this.control[slotWord(slot, kSlotSummed)]!));
    if (actual !== expected) {
      this.unpin(slot, false);
      throw new CoreError('GENSWAP_CHECKSUM_MISMATCH', `generation ${generation} in slot ${slot}: checksum ${actual.toString(16)} differs from the published ${expected.toString(16)}`);
    }
    let value: T;
    try {
      value = this.codec.decode(bytes);
    } catch (err) {
      this.unpin(slot, false);
      throw new CoreError('GENSWAP_DECODE_FAILED', `codec ${this.codec.name} failed to decode generation ${generation}: ${(err as Error).message}`, { cause: err });
    }
    if (generation > this.newestGeneration) {
      // Generations a thread acquires only move forward (the current index only moves to newer
      // ones), so older cached values will never be handed out again: drop them.
      this.newestGeneration = generation;
      for (let s = 0; s < this.cachedValue.length; s++) {
        if (this.cachedGeneration[s]! < generation) {
          this.cachedGeneration[s] = 0;
          this.cachedValue[s] = undefined;
        }
      }
    }
    this.cachedGeneration[slot] = generation;
    this.cachedValue[slot] = value;
    return value;
  }
}

export function attachReader<T = unknown>(handle: StoreHandle, options: ReaderOptions<T> = {}): GenerationReader<T> {
  return new GenerationReader<T>(handle, options);
}
