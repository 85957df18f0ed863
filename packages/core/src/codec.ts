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
  decode(bytes: Uint8Array): T;
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
