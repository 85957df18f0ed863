import { describe, expect, it } from 'vitest';
import { type Codec, jsonCodec } from './codec.js';
import type { CoreError } from './errors.js';
import { attachReader, GenerationReader } from './reader.js';
import { createStore, type StoreHandle } from './store.js';
import { codeOf } from './test-support/expect-code.js';


/** A JSON codec that counts decodes, to observe the per-generation cache. */
function countingCodec(): Codec<unknown> & { decodes: number } {
  const codec = {
    name: 'json',
    decodes: 0,
    encode: (v: unknown) => jsonCodec.encode(v),
    decode(bytes: Uint8Array) {
      codec.decodes++;
      return jsonCodec.decode(bytes);
    },
  };
  return codec;
}

/**
 * A zero-copy codec: the value is an Int32Array view straight into the slot's shared bytes,
 * every element equal to the number published.
 */
const fillCodec: Codec<Int32Array> = {
  name: 'fill',
  encode(value: Int32Array) {
    return new Uint8Array(value.buffer.slice(value.byteOffset, value.byteOffset + value.byteLength));
  },
  decode(bytes: Uint8Array) {
    return new Int32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4);
  },
};

describe('attach', () => {
  it('rejects what is not a store handle with GENSWAP_BAD_HANDLE', () => {
    expect(codeOf(() => attachReader({} as StoreHandle))).toBe('GENSWAP_BAD_HANDLE');
    expect(codeOf(() => attachReader(null as unknown as StoreHandle))).toBe('GENSWAP_BAD_HANDLE');
    const store = createStore();
    expect(codeOf(() => attachReader({ ...store.handle, version: 99 }))).toBe('GENSWAP_BAD_HANDLE');
    expect(codeOf(() => attachReader({ ...store.handle, control: new SharedArrayBuffer(4096) }))).toBe('GENSWAP_BAD_HANDLE');
  });

  it('requires the codec the store was created with', () => {
    const store = createStore({ codec: fillCodec });
    expect(codeOf(() => attachReader(store.handle))).toBe('GENSWAP_CODEC_MISMATCH');
    expect(attachReader(store.handle, { codec: fillCodec })).toBeInstanceOf(GenerationReader);
  });

  it('claims one row per reader and refuses more than maxReaders', () => {
    const store = createStore({ maxReaders: 2 });
    const a = attachReader(store.handle);
    const b = attachReader(store.handle);
    expect([a.row, b.row]).toEqual([0, 1]);
    expect(codeOf(() => attachReader(store.handle))).toBe('GENSWAP_TOO_MANY_READERS');
    a.close(); // frees row 0 for the next reader
    expect(attachReader(store.handle).row).toBe(0);
  });
});

describe('acquire and leases', () => {
  it('throws GENSWAP_NO_GENERATION before the first publish', () => {
    const reader = attachReader(createStore().handle);
    expect(codeOf(() => reader.acquire())).toBe('GENSWAP_NO_GENERATION');
    expect(reader.currentGeneration).toBe(0);
  });

  it('pins the current generation until release, and release is idempotent', async () => {
    const store = createStore<{ n: number }>();
    const reader = attachReader<{ n: number }>(store.handle);
    await store.publish({ n: 1 });
    const lease = reader.acquire();
    expect(lease.generation).toBe(1);
    expect(lease.value).toEqual({ n: 1 });
    expect(store.stats().slots.find((s) => s.generation === 1)?.pins).toBe(1);
    expect(reader.activeLeases).toBe(1);
    expect(lease.release()).toBe(true);
    expect(lease.release()).toBe(false);
    expect(lease.released).toBe(true);
    expect(store.stats().slots.find((s) => s.generation === 1)?.pins).toBe(0);
    expect(reader.activeLeases).toBe(0);
  });

  it('decodes once per generation per reader and verifies nothing changed in between', async () => {
    const store = createStore();
    const codec = countingCodec();
    const reader = attachReader(store.handle, { codec });
    await store.publish({ a: 1 });
    for (let i = 0; i < 5; i++) reader.withLease(() => undefined);
    expect(codec.decodes).toBe(1);
    await store.publish({ a: 2 });
    const values = [reader.withLease((v) => v), reader.withLease((v) => v)];
    expect(codec.decodes).toBe(2);
    expect(values[0]).toBe(values[1]); // the cached object itself
    expect(reader.currentGeneration).toBe(2);
  });

  it('hands out deep-frozen JSON values so one task cannot change what another sees', async () => {
    const store = createStore();
    const reader = attachReader<{ list: number[] }>(store.handle);
    await store.publish({ list: [1, 2] });
    reader.withLease((v) => {
      expect(Object.isFrozen(v)).toBe(true);
      expect(() => v.list.push(3)).toThrow(TypeError);
    });
  });

  it('withLease releases on return, throw, resolve and reject', async () => {
    const store = createStore<number>();
    const reader = attachReader<number>(store.handle);
    await store.publish(7);
    const pins = () => store.stats().slots.reduce((n, s) => n + s.pins, 0);
    expect(reader.withLease((v, lease) => v + lease.generation)).toBe(8);
    expect(pins()).toBe(0);
    expect(() =>
      reader.withLease(() => {
        throw new Error('boom');
      }),
    ).toThrow('boom');
    expect(pins()).toBe(0);
    const pending = reader.withLease(async (v) => {
      await new Promise((r) => setImmediate(r));
      return v * 2;
    });
    expect(pins()).toBe(1);
    expect(await pending).toBe(14);
    expect(pins()).toBe(0);
    await expect(reader.withLease(() => Promise.reject(new Error('nope')))).rejects.toThrow('nope');
    expect(pins()).toBe(0);
  });

  it('close() refuses while leases are held, then refuses acquire', async () => {
    const store = createStore();
    const reader = attachReader(store.handle);
    await store.publish(1);
    const lease = reader.acquire();
    expect(codeOf(() => reader.close())).toBe('GENSWAP_READER_BUSY');
    lease.release();
    reader.close();
    reader.close(); // idempotent
    expect(codeOf(() => reader.acquire())).toBe('GENSWAP_READER_CLOSED');
    expect(store.stats().readers).toEqual([]);
  });

  it('detects bytes changed behind the store with GENSWAP_CHECKSUM_MISMATCH and unpins', async () => {
    const store = createStore();
    await store.publish({ secret: 'aaaa' });
    const slot = store.stats().currentSlot;
    const bytes = new Uint8Array(store.handle.slots[slot]!);
    bytes[12] = 'b'.charCodeAt(0); // still valid JSON, different content
    const reader = attachReader(store.handle);
    expect(codeOf(() => reader.acquire())).toBe('GENSWAP_CHECKSUM_MISMATCH');
    expect(store.stats().slots[slot]?.pins).toBe(0);
    expect(reader.activeLeases).toBe(0);
  });

  it('reports a codec that cannot decode its own bytes with GENSWAP_DECODE_FAILED and unpins', async () => {
    const broken: Codec<unknown> = { name: 'broken', encode: () => new Uint8Array([1, 2, 3]), decode: () => { throw new Error('cannot'); } };
    const store = createStore({ codec: broken });
    await store.publish(1);
    const reader = attachReader(store.handle, { codec: broken });
    let err: CoreError | undefined;
    try {
      reader.acquire();
    } catch (e) {
      err = e as CoreError;
    }
    expect(err?.code).toBe('GENSWAP_DECODE_FAILED');
    expect((err?.cause as Error).message).toBe('cannot');
    expect(store.stats().slots.every((s) => s.pins === 0)).toBe(true);
  });
});

describe('a value is valid only under its lease', () => {
  const filled = (n: number, length = 256) => new Int32Array(length).fill(n);

  it('a zero-copy value never changes while its lease is held, whatever is published', async () => {
    const store = createStore<Int32Array>({ slots: 3, codec: fillCodec, publishTimeoutMs: 0 });
    const reader = attachReader<Int32Array>(store.handle, { codec: fillCodec });
    await store.publish(filled(1));
    const held = reader.acquire();
    expect(held.value.buffer).toBe(store.handle.slots[store.stats().currentSlot]); // aliases the slot
    for (let n = 2; n <= 40; n++) await store.publish(filled(n)); // cycles through the two other slots only
    expect(held.value.every((x) => x === 1)).toBe(true);
    held.release();
  });

  it('after release the slot is reused, so a kept view would show another generation', async () => {
    const store = createStore<Int32Array>({ slots: 3, codec: fillCodec });
    const reader = attachReader<Int32Array>(store.handle, { codec: fillCodec });
    await store.publish(filled(1));
    const lease = reader.acquire();
    const kept = lease.value;
    lease.release();
    for (let n = 2; n <= 4; n++) await store.publish(filled(n)); // the third publish reuses slot 0
    expect(kept[0]).toBe(4); // what the API docs warn about: never keep a value past release
    // And a fresh acquire of the reused slot decodes the new generation, never the cached old one.
    expect(reader.withLease((v, l) => [l.generation, v[0]])).toEqual([4, 4]);
  });
});

describe('codec.checksumBytes', () => {
  it('bounds the verified prefix: a change inside it is caught, one past it is not hashed', async () => {
    const bounded: Codec<Int32Array> = { ...fillCodec, name: 'bounded', checksumBytes: 64 };
    const store = createStore<Int32Array>({ codec: bounded });
    await store.publish(new Int32Array(256).fill(5));
    const bytes = new Int32Array(store.handle.slots[store.stats().currentSlot]!);
    bytes[100] = 6; // byte 400: outside the first 64 bytes
    expect(attachReader(store.handle, { codec: bounded }).withLease((v) => v[100])).toBe(6);
    await store.publish(new Int32Array(256).fill(7));
    new Int32Array(store.handle.slots[store.stats().currentSlot]!)[3] = 8; // byte 12: inside
    expect(codeOf(() => attachReader(store.handle, { codec: bounded }).acquire())).toBe('GENSWAP_CHECKSUM_MISMATCH');
  });
});
