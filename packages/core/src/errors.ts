/**
 * The error registry of @genswap/core. Every error has a stable code, a message that says
 * what happened, and a fix that says what to do. Codes are never reused.
 * The package README's error table is kept in step with this registry by a test.
 */

export const CORE_ERRORS = {
  GENSWAP_INVALID_OPTION: 'Fix the option named in the message; its accepted range is given there.',
  GENSWAP_VALUE_TOO_LARGE: 'Raise the store option maxBytes, or shrink the value (move big lists to a compact codec).',
  GENSWAP_ENCODE_FAILED: 'The codec could not encode the value: check that it is serializable by that codec.',
  GENSWAP_NO_FREE_SLOT: 'Long-running tasks pin old generations: raise slots or publishTimeoutMs, or let those tasks finish.',
  GENSWAP_PUBLISH_SUPERSEDED: 'A newer value was published while this one waited for a free slot; nothing to do.',
  GENSWAP_STORE_CLOSED: 'The store was closed; create a new one.',
  GENSWAP_NO_GENERATION: 'Publish a first value before workers acquire.',
  GENSWAP_TOO_MANY_READERS: 'Raise the store option maxReaders to at least the number of threads that attach.',
  GENSWAP_BAD_HANDLE: 'Pass the object from store.handle unchanged (for example through piscina workerData).',
  GENSWAP_CODEC_MISMATCH: 'Attach the reader with the same codec the store was created with.',
  GENSWAP_CHECKSUM_MISMATCH: 'Shared memory was modified outside the store; this is a bug or memory corruption, report it.',
  GENSWAP_DECODE_FAILED: 'The codec could not decode the bytes it encoded; check the codec is deterministic and symmetric.',
  GENSWAP_READER_CLOSED: 'The reader was closed; attach a new one.',
  GENSWAP_READER_BUSY: 'Release every lease before closing the reader.',
  GENSWAP_GENERATION_EXHAUSTED: 'Generation numbers reached 2^53 - 1; create a new store.',
} as const;

export type CoreErrorCode = keyof typeof CORE_ERRORS;

/**
 * Base class of every genswap error. `code` is stable and documented, `fix` tells the user what
 * to do. Other packages extend it with their own registries.
 */
export class GenswapError extends Error {
  readonly code: string;
  readonly fix: string;

  constructor(code: string, message: string, fix: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
    this.fix = fix;
  }

  override toString(): string {
    return `${this.name} [${this.code}]: ${this.message}`;
  }
}

export class CoreError extends GenswapError {
  constructor(code: CoreErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, CORE_ERRORS[code], options);
  }
}

export interface PinnedGeneration {
  readonly slot: number;
  readonly generation: number;
  readonly pins: number;
  /** Thread ids of the readers holding pins on it. */
  readonly threadIds: readonly number[];
}

/** Publishing timed out because every non-current slot is still pinned. */
export class NoFreeSlotError extends CoreError {
  readonly pinned: readonly PinnedGeneration[];
  readonly waitedMs: number;

  constructor(pinned: readonly PinnedGeneration[], waitedMs: number) {
    const list = pinned
      .map((p) => `generation ${p.generation} (slot ${p.slot}, ${p.pins} pin${p.pins === 1 ? '' : 's'} by thread ${p.threadIds.join(', ')})`)
      .join('; ');
    super('GENSWAP_NO_FREE_SLOT', `no free slot after ${Math.round(waitedMs)} ms: still pinned: ${list}`);
    this.pinned = pinned;
    this.waitedMs = waitedMs;
  }
}

export class ValueTooLargeError extends CoreError {
  readonly byteLength: number;
  readonly maxBytes: number;

  constructor(byteLength: number, maxBytes: number) {
    super('GENSWAP_VALUE_TOO_LARGE', `encoded value is ${byteLength} bytes, more than maxBytes (${maxBytes})`);
    this.byteLength = byteLength;
    this.maxBytes = maxBytes;
  }
}

export function isGenswapError(err: unknown, code?: string): err is GenswapError {
  return err instanceof GenswapError && (code === undefined || err.code === code);
}
