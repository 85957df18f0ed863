import type { Codec } from './codec.js';

/** The public shapes of the primary side: options, the handle workers attach with, stats. */

export interface StoreOptions<T> {
  /** Number of generation slots (3..63). One is current; the rest hold retiring or free generations. Default 4. */
  slots?: number;
  /** Largest encoded value a slot may hold, in bytes. Address space is reserved, memory is committed as slots grow. Default 64 MiB. */
  maxBytes?: number;
  /** Bytes a slot starts with before it grows. Default 64 KiB (or maxBytes if smaller). */
  initialBytes?: number;
  /** Most reader threads attached at once (each holds one 64-byte-aligned pin row). Default 64. */
  maxReaders?: number;
  /** How values become bytes. Default: JSON. */
  codec?: Codec<T>;
  /** How long publish waits for a slot to become free before rejecting with GENSWAP_NO_FREE_SLOT. Default 10 000 ms. */
  publishTimeoutMs?: number;
}

/** The structured-cloneable object a worker attaches with (pass it through piscina's workerData). */
export interface StoreHandle {
  readonly kind: 'genswap.store';
  readonly version: number;
  readonly codec: string;
  readonly control: SharedArrayBuffer;
  readonly slots: readonly SharedArrayBuffer[];
}

export type SlotState = 'empty' | 'current' | 'retired' | 'free';

export interface SlotStats {
  readonly slot: number;
  /** Generation held by the slot; 0 when it never held one. */
  readonly generation: number;
  /** current: what new tasks get; retired: old and still pinned; free: old and reusable; empty: never written. */
  readonly state: SlotState;
  readonly pins: number;
  readonly bytes: number;
  readonly capacity: number;
}

export interface ReaderStats {
  readonly row: number;
  readonly threadId: number;
  readonly pins: number;
}

export interface StoreStats {
  /** The current generation; 0 before the first publish. */
  readonly generation: number;
  readonly currentSlot: number;
  readonly slots: readonly SlotStats[];
  readonly readers: readonly ReaderStats[];
  readonly publishes: number;
  readonly pendingPublish: boolean;
  /** Bytes copied into slots by all publishes, and bytes of keyed parts kept in place instead (EncodedParts). */
  readonly bytesCopied: number;
  readonly bytesKept: number;
}
