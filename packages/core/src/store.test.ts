import { describe, expect, it } from 'vitest';
import type { Codec } from './codec.js';
import { type CoreError, NoFreeSlotError, ValueTooLargeError } from './errors.js';
import { attachReader } from './reader.js';
import { createStore, GenerationStore } from './store.js';
import { codeOf, rejection } from './test-support/expect-code.js';

/**
 * A 3-slot store where this thread pins generations 1 and 2 and generation 3 is current: no
 * slot is free, so the next publish has to wait.
 */
async function twoPinned<T>(values: [T, T, T]) {
  const store = createStore<T>({ slots: 3 });
  const reader = attachReader<T>(store.handle);
  await store.publish(values[0]);
  const a = reader.acquire();
  await store.publish(values[1]);
  const b = reader.acquire();
  await store.publish(values[2]);
  return { store, reader, a, b };
}

describe('GenerationStore options', () => {
  it.each([
    ['slots', { slots: 2 }],
    ['slots', { slots: 64 }],
    ['slots', { slots: 3.5 }],
    ['maxReaders', { maxReaders: 0 }],
    ['maxBytes', { maxBytes: 0 }],
    ['initialBytes', { initialBytes: 2048, maxBytes: 1024 }],
    ['publishTimeoutMs', { publishTimeoutMs: -1 }],
  ])('rejects a bad %s with GENSWAP_INVALID_OPTION naming it', (name, options) => {
    let err: CoreError | undefined;
    try {
      createStore(options);
    } catch (e) {
      err = e as CoreError;
    }
    expect(err?.code).toBe('GENSWAP_INVALID_OPTION');
    expect(err?.message).toContain(name);
    expect(err?.fix).toMatch(/option/);
  });

  it('defaults to 4 slots and accepts the minimum of 3', () => {
    expect(createStore().stats().slots).toHaveLength(4);
    expect(createStore({ slots: 3 }).stats().slots).toHaveLength(3);
  });
});

describe('publish', () => {
  it('numbers generations from 1 and makes the newest current', async () => {
    const store = createStore<{ n: number }>();
    expect(store.generation).toBe(0);
    expect(await store.publish({ n: 1 })).toBe(1);
    expect(await store.publish({ n: 2 })).toBe(2);
    expect(store.generation).toBe(2);
    const reader = attachReader<{ n: number }>(store.handle);
    expect(reader.withLease((v) => v.n)).toBe(2);
    const stats = store.stats();
    expect(stats.generation).toBe(2);
    expect(stats.publishes).toBe(2);
    expect(stats.slots.filter((s) => s.state === 'current')).toEqual([expect.objectContaining({ generation: 2, pins: 0 })]);
    expect(stats.slots.filter((s) => s.state === 'empty')).toHaveLength(2);
  });

  it('rejects a value larger than maxBytes before touching anything', async () => {
    const store = createStore({ maxBytes: 64, initialBytes: 16 });
    await store.publish('small');
    const before = store.stats();
    const err = await rejection(store.publish('x'.repeat(100)));
    expect(err).toBeInstanceOf(ValueTooLargeError);
    expect(err.code).toBe('GENSWAP_VALUE_TOO_LARGE');
    expect(err.message).toMatch(/102 bytes.*maxBytes \(64\)/);
    expect(store.stats()).toEqual(before);
    expect(attachReader(store.handle).withLease((v) => v)).toBe('small');
  });

  it('rejects what the codec cannot encode with GENSWAP_ENCODE_FAILED and keeps the cause', async () => {
    const store = createStore();
    await store.publish({ ok: true });
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    const err = await rejection(store.publish(cyclic));
    expect(err.code).toBe('GENSWAP_ENCODE_FAILED');
    expect(err.cause).toBeInstanceOf(TypeError);
    expect(await rejection(store.publish(undefined))).toHaveProperty('code', 'GENSWAP_ENCODE_FAILED');
    const bad: Codec<unknown> = { name: 'bad', encode: () => 'nope' as unknown as Uint8Array, decode: () => null };
    expect(await rejection(createStore({ codec: bad }).publish(1))).toHaveProperty('code', 'GENSWAP_ENCODE_FAILED');
    expect(store.generation).toBe(1);
  });

  it('publishEncoded publishes bytes encoded elsewhere (a loader thread) exactly like publish', async () => {
    const store = createStore<{ n: number }>({ maxBytes: 64 });
    const reader = attachReader<{ n: number }>(store.handle);
    expect(await store.publish({ n: 1 })).toBe(1);
    expect(await store.publishEncoded(new TextEncoder().encode('{"n":2}'))).toBe(2);
    expect(reader.withLease((v, lease) => [lease.generation, v.n])).toEqual([2, 2]);
    expect((await rejection(store.publishEncoded(new Uint8Array(65)))).code).toBe('GENSWAP_VALUE_TOO_LARGE');
    expect((await rejection(store.publishEncoded('{"n":3}' as unknown as Uint8Array))).code).toBe('GENSWAP_ENCODE_FAILED');
    expect(store.generation).toBe(2);
  });

  it('publishes an encoding in parts; a keyed part the slot already holds at that offset is kept, not copied (I9)', async () => {
    // A raw codec, so the test reads the slot's bytes as they are.
    const raw: Codec<Uint8Array> = { name: 'raw', encode: (v) => v, decode: (b) => b.slice() };
    const store = createStore<Uint8Array>({ codec: raw, slots: 3 });
    const reader = attachReader<Uint8Array>(store.handle, { codec: raw });
    const table = new Uint8Array(4096).fill(7);
    const parts = (head: number, key: string, bytes = table) => ({ byteLength: 64 + bytes.byteLength, parts: [{ offset: 0, bytes: new Uint8Array(8).fill(head) }, { offset: 64, bytes, key }] });
    for (let g = 1; g <= 3; g++) await store.publishEncoded(parts(g, 'T')); // each slot written once
    expect(store.stats().bytesKept).toBe(0);
    // The same key again lands in a slot that holds it: kept. To prove the store did not copy, the
    // bytes given under the same key differ this time (a codec must never do that).
    await store.publishEncoded(parts(4, 'T', new Uint8Array(4096).fill(9)));
    expect(store.stats().bytesKept).toBe(4096);
    let seen = reader.withLease((v) => [v[0], v[64], v[64 + 4095], v.byteLength]);
    expect(seen).toEqual([4, 7, 7, 64 + 4096]);
    // Another key is copied; so is the same key at another offset; a whole-bytes publish forgets.
    await store.publishEncoded(parts(5, 'U', new Uint8Array(4096).fill(9)));
    expect(reader.withLease((v) => v[64])).toBe(9);
    await store.publishEncoded({ byteLength: 128 + 4096, parts: [{ offset: 0, bytes: new Uint8Array(8).fill(6) }, { offset: 128, bytes: table, key: 'T' }] });
    expect(reader.withLease((v) => [v[0], v[128]])).toEqual([6, 7]); // (byte 64 is a gap now: unspecified)
    // Now slot 0 holds T at 64 (generation 4), slot 1 U at 64, slot 2 T at 128; the oldest free slot is written next.
    const kept = store.stats().bytesKept;
    await store.publishEncoded(parts(7, 'T', new Uint8Array(4096).fill(3))); // slot 0: T at 64, kept
    expect(store.stats().bytesKept).toBe(kept + 4096);
    expect(reader.withLease((v) => [v[0], v[64]])).toEqual([7, 7]);
    await store.publishEncoded(new Uint8Array(64 + 4096).fill(1)); // slot 1, whole bytes: forgets U
    await store.publishEncoded(parts(9, 'T', new Uint8Array(4096).fill(5))); // slot 2: T at 128, not at 64: copied
    expect(reader.withLease((v) => [v[0], v[64]])).toEqual([9, 5]);
    await store.publishEncoded(parts(10, 'U', new Uint8Array(4096).fill(2))); // slot 0: T, not U: copied
    expect(reader.withLease((v) => [v[0], v[64]])).toEqual([10, 2]);
    await store.publishEncoded(parts(11, 'U', new Uint8Array(4096).fill(4))); // slot 1: the whole-bytes write forgot U: copied
    expect(reader.withLease((v) => [v[0], v[64]])).toEqual([11, 4]);
    expect(store.stats().bytesKept).toBe(kept + 4096);
    reader.close();
    store.close();
  });

  it('refuses malformed parts with GENSWAP_ENCODE_FAILED before touching a slot', async () => {
    const store = createStore<unknown>();
    const b = new Uint8Array(8);
    for (const bad of [
      { byteLength: 8, parts: [{ offset: 4, bytes: b }] }, // past the end
      { byteLength: 32, parts: [{ offset: 8, bytes: b }, { offset: 4, bytes: b }] }, // out of order, overlapping
      { byteLength: 32, parts: [{ offset: 0, bytes: b, key: '' }] }, // empty key
      { byteLength: 32, parts: [{ offset: 0, bytes: [1, 2] }] }, // not bytes
      { parts: [] }, // no length
    ]) {
      expect((await rejection(store.publishEncoded(bad as never))).code).toBe('GENSWAP_ENCODE_FAILED');
    }
    expect(store.generation).toBe(0);
    store.close();
  });

  it('grows a slot up to maxBytes and readers see the grown bytes', async () => {
    const store = createStore<string>({ initialBytes: 8, maxBytes: 1 << 20 });
    const reader = attachReader<string>(store.handle);
    await store.publish('a');
    const big = 'b'.repeat(300_000);
    await store.publish(big);
    expect(reader.withLease((v) => v)).toBe(big);
    const slot = store.stats().slots.find((s) => s.state === 'current')!;
    expect(slot.capacity).toBeGreaterThanOrEqual(300_002);
    expect(slot.capacity).toBeLessThanOrEqual(1 << 20);
  });

  it('waits for a pinned slot, then publishes into it once released', async () => {
    const store = createStore<number>({ slots: 3 });
    const reader = attachReader<number>(store.handle);
    await store.publish(1);
    const first = reader.acquire();
    await store.publish(2);
    const second = reader.acquire();
    await store.publish(3); // the third slot; now slots 1 and 2 are pinned
    const slotOfFirst = store.stats().slots.find((s) => s.generation === 1)!.slot;
    const waiting = store.publish(4, { timeoutMs: 10_000 });
    expect(store.stats().pendingPublish).toBe(true);
    first.release(); // wakes the waiting publish through the retire signal (I6)
    expect(await waiting).toBe(4);
    expect(store.stats().slots.find((s) => s.generation === 4)?.slot).toBe(slotOfFirst); // only the released slot was free
    expect(reader.withLease((v) => v)).toBe(4);
    expect(second.value).toBe(2); // a lease outlives later publishes
    second.release();
  });

  it('rejects with GENSWAP_NO_FREE_SLOT naming the pinned generations after the timeout', async () => {
    const { store, reader, a, b } = await twoPinned([1, 2, 3]);
    const err = await rejection(store.publish(4, { timeoutMs: 20 }));
    expect(err).toBeInstanceOf(NoFreeSlotError);
    expect(err.code).toBe('GENSWAP_NO_FREE_SLOT');
    expect((err as NoFreeSlotError).pinned.map((p) => p.generation).sort()).toEqual([1, 2]);
    expect((err as NoFreeSlotError).pinned[0]?.threadIds).toEqual([reader.threadId]);
    expect(err.message).toMatch(/generation 1 .*generation 2/);
    // Nothing was overwritten: both leases still read their own generation.
    expect([a.value, b.value, store.generation]).toEqual([1, 2, 3]);
    a.release();
    b.release();
    expect(await store.publish(4)).toBe(4);
  });

  it('coalesces waiting publishes: the newest wins, older ones are superseded', async () => {
    const { store, reader, a, b } = await twoPinned(['g1', 'g2', 'g3']);
    const older = store.publish('older');
    const newer = store.publish('newer');
    const err = await rejection(older);
    expect(err.code).toBe('GENSWAP_PUBLISH_SUPERSEDED');
    a.release();
    expect(await newer).toBe(4);
    expect(reader.withLease((v) => v)).toBe('newer');
    b.release();
  });

  it('close() rejects a waiting publish and refuses new ones', async () => {
    const { store, reader, a, b } = await twoPinned([1, 2, 3]);
    const waiting = store.publish(4);
    store.close();
    expect((await rejection(waiting)).code).toBe('GENSWAP_STORE_CLOSED');
    expect((await rejection(store.publish(5))).code).toBe('GENSWAP_STORE_CLOSED');
    expect(reader.withLease((v) => v)).toBe(3); // readers keep working
    a.release();
    b.release();
  });

  it('stops at the last safe generation number with GENSWAP_GENERATION_EXHAUSTED', async () => {
    const store = createStore<number>();
    (store as unknown as { lastGeneration: number }).lastGeneration = Number.MAX_SAFE_INTEGER - 1;
    expect(await store.publish(1)).toBe(Number.MAX_SAFE_INTEGER);
    const reader = attachReader<number>(store.handle);
    expect(reader.acquire().generation).toBe(Number.MAX_SAFE_INTEGER); // both halves of I7 round-trip
    expect((await rejection(store.publish(2))).code).toBe('GENSWAP_GENERATION_EXHAUSTED');
  });

  it('createStore() checks its options like the constructor', () => {
    expect(createStore()).toBeInstanceOf(GenerationStore);
    expect(codeOf(() => createStore({ slots: 1 }))).toBe('GENSWAP_INVALID_OPTION');
  });
});

describe('releaseReader', () => {
  it('clears every pin of a thread and frees its row, waking a waiting publish', async () => {
    const store = createStore<number>({ slots: 3 });
    const reader = attachReader<number>(store.handle);
    await store.publish(1);
    reader.acquire();
    reader.acquire();
    await store.publish(2);
    reader.acquire();
    await store.publish(3);
    const waiting = store.publish(4);
    expect(store.stats().readers).toEqual([{ row: 0, threadId: reader.threadId, pins: 3 }]);
    // As if the thread had died holding its leases.
    expect(store.releaseReader(reader.threadId)).toBe(3);
    expect(await waiting).toBe(4);
    const stats = store.stats();
    expect(stats.readers).toEqual([]);
    expect(stats.slots.every((s) => s.pins === 0)).toBe(true);
    expect(store.releaseReader(reader.threadId)).toBe(0);
  });

  it('releaseReader throws for a negative id (worker.threadId after exit), not silently releasing nothing', () => {
    const store = createStore<number>({ slots: 3 });
    for (const id of [-1, 1.5, Number.NaN]) expect(() => store.releaseReader(id)).toThrow(expect.objectContaining({ code: 'GENSWAP_INVALID_OPTION' }));
  });
});
