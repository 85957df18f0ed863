/**
 * How a value becomes bytes in a slot and back.
 *
 * `decode` receives a view into the slot's shared bytes. It may return a value that aliases
 * those bytes (typed-array views over `bytes.buffer`): that is how large tables are read in
 * place, once in memory whatever the number of workers. Such a value is valid only while the
 * lease it came from is held (see Lease).
 */
export interface Codec<T> {
  /** Recorded in the store handle; a reader must attach with a codec of the same name. */
  readonly name: string;
  /**
   * How many leading bytes the checksum covers; default: all. A codec whose bulk is large
   * tables read in place can bound it (say to its header and metadata) so a worker's first
   * acquire of a generation does not hash megabytes; it should then check its tables'
   * structure in decode instead.
   */
  readonly checksumBytes?: number;
  encode(value: T): Uint8Array;
  /**
   * Optional: the same encoding as `encode`, in parts (EncodedParts). The store prefers it, so
   * that a big table which did not change since the slot last held it is not copied again.
   */
  encodeParts?(value: T): EncodedParts;
  decode(bytes: Uint8Array): T;
}

/**
 * One piece of an encoding: `bytes` belong at `offset`. A part with a `key` promises that every
 * part with that key holds the same bytes (a content hash, say): when the slot being written
 * held a part with the same key at the same offset in the generation written there last, the
 * store keeps those bytes instead of copying them again.
 */
export interface EncodedPart {
  readonly offset: number;
  readonly bytes: Uint8Array;
  readonly key?: string;
}

/**
 * An encoding of `byteLength` bytes given as parts in ascending, non-overlapping order. Bytes
 * no part covers (alignment gaps) are unspecified: they may hold an older generation's bytes,
 * so decode must never read them. Parts whose bytes sit in a SharedArrayBuffer cross threads
 * without a copy (a loader thread hands the primary a table it built once).
 */
export interface EncodedParts {
  readonly byteLength: number;
  readonly parts: readonly EncodedPart[];
}

/** What a store publishes: the whole encoding, or its parts. */
export type Encoded = Uint8Array | EncodedParts;

/** Throws a TypeError unless `encoded` is bytes or well-formed parts (ordered, in bounds, disjoint). */
export function checkEncoded(encoded: Encoded): void {
  if (encoded instanceof Uint8Array) return;
  if (encoded === null || typeof encoded !== 'object' || !Array.isArray(encoded.parts) || !Number.isSafeInteger(encoded.byteLength) || encoded.byteLength < 0) {
    throw new TypeError('an encoding is a Uint8Array or { byteLength, parts: [{ offset, bytes, key? }] }');
  }
  let end = 0;
  encoded.parts.forEach((part, i) => {
    if (!(part.bytes instanceof Uint8Array)) throw new TypeError(`part ${i}: bytes is not a Uint8Array`);
    if (!Number.isSafeInteger(part.offset) || part.offset < end) throw new TypeError(`part ${i} at offset ${part.offset} overlaps the part before it or is out of order (next free byte ${end})`);
    end = part.offset + part.bytes.byteLength;
    if (end > encoded.byteLength) throw new TypeError(`part ${i} ends at byte ${end}, past the encoding's ${encoded.byteLength} bytes`);
    if (part.key !== undefined && (typeof part.key !== 'string' || part.key === '')) throw new TypeError(`part ${i}: key must be a non-empty string`);
  });
}

/** The whole encoding as one array (gaps zero): what `encode` returns for a codec built on parts. */
export function joinParts(encoded: EncodedParts): Uint8Array {
  const bytes = new Uint8Array(encoded.byteLength);
  for (const part of encoded.parts) bytes.set(part.bytes, part.offset);
  return bytes;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

/** Freezes a JSON-shaped value in place so one task cannot change what another task sees. */
export function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const key of Object.keys(value)) deepFreeze((value as Record<string, unknown>)[key]);
  }
  return value;
}

/**
 * The default codec: UTF-8 JSON. The decoded value is a private copy, deep-frozen so it can be
 * cached per generation and shared by concurrent tasks in a worker.
 */
export const jsonCodec: Codec<unknown> = {
  name: 'json',
  encode(value: unknown): Uint8Array {
    const text = JSON.stringify(value);
    if (text === undefined) throw new TypeError(`JSON cannot encode a value of type ${typeof value}`);
    return encoder.encode(text);
  },
  decode(bytes: Uint8Array): unknown {
    return deepFreeze(JSON.parse(decoder.decode(bytes)));
  },
};

/** A typed view of the JSON codec, for stores whose value type is known. */
export function json<T>(): Codec<T> {
  return jsonCodec as Codec<T>;
}
