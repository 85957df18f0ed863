/**
 * Deterministic race tests: a reader thread pauses at an exact point inside acquire() (an
 * Atomics handshake, see test-support/race-reader.mjs) while the primary publishes. Each test
 * names the invariant of layout.ts it guards.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { attachReader } from './reader.js';
import { createStore, type GenerationStore } from './store.js';
import { RaceReader } from './test-support/race-harness.js';

interface Gen {
  g: number;
}

let readers: RaceReader[] = [];

async function startReader(store: GenerationStore<Gen>): Promise<RaceReader> {
  const reader = new RaceReader(store.handle);
  readers.push(reader);
  await reader.ready();
  return reader;
}

afterEach(async () => {
  await Promise.all(readers.map((r) => r.terminate()));
  readers = [];
});

function slotOf(store: GenerationStore<Gen>, generation: number): number | undefined {
  return store.stats().slots.find((s) => s.generation === generation)?.slot;
}

describe('races between a reader and the primary', () => {
  it('I2: a publish landing between the load and the pin sends the reader to the new generation', async () => {
    const store = createStore<Gen>({ slots: 3 });
    await store.publish({ g: 1 });
    const reader = await startReader(store);
    expect((await reader.acquire()).generation).toBe(1); // warms the reader's cache with generation 1

    const { slot, reply } = await reader.acquirePaused('afterLoad');
    expect(slot).toBe(slotOf(store, 1));
    expect(await store.publish({ g: 2 })).toBe(2);
    reader.resume();

    const got = await reply;
    expect(got.generation).toBe(2);
    expect(got.value).toEqual({ g: 2 });
    // The pin taken on the retired slot was undone: nothing is pinned after release.
    expect(store.stats().slots.map((s) => s.pins)).toEqual([0, 0, 0]);
  });

  it('I3: a slot pinned but not yet re-checked is never reclaimed; a waiting publish gets it once the reader backs off', async () => {
    const store = createStore<Gen>({ slots: 3 });
    await store.publish({ g: 1 });
    const reader = await startReader(store);

    const { slot: pinnedSlot, reply } = await reader.acquirePaused('afterPin');
    expect(pinnedSlot).toBe(slotOf(store, 1));
    // Nine publishes while the transient pin is held: they must cycle through the other two slots.
    for (let g = 2; g <= 10; g++) expect(await store.publish({ g })).toBe(g);
    expect(store.stats().slots[pinnedSlot]).toMatchObject({ generation: 1, pins: 1, state: 'retired' });

    // Pin the current generation from this thread too: now no slot is free and publish waits.
    const local = attachReader<Gen>(store.handle);
    const held = local.acquire();
    expect(held.generation).toBe(10);
    expect(await store.publish({ g: 11 })).toBe(11);
    const waiting = store.publish({ g: 12 }, { timeoutMs: 10_000 });
    expect(store.stats().pendingPublish).toBe(true);
    expect(store.stats().slots[pinnedSlot]?.generation).toBe(1);

    reader.resume(); // re-check fails, the reader unpins and signals (I6)
    expect(await waiting).toBe(12);
    expect(slotOf(store, 12)).toBe(pinnedSlot);
    const got = await reply;
    expect([11, 12]).toContain(got.generation);
    expect(got.value).toEqual({ g: got.generation });
    held.release();
    expect(store.stats().slots.map((s) => s.pins)).toEqual([0, 0, 0]);
  });

  it('I2/I7 (ABA): a slot reclaimed and made current again between load and pin yields the new generation, not the cached old one', async () => {
    const store = createStore<Gen>({ slots: 3 });
    await store.publish({ g: 1 });
    const reader = await startReader(store);
    expect((await reader.acquire()).value).toEqual({ g: 1 }); // caches generation 1 for its slot

    const { slot, reply } = await reader.acquirePaused('afterLoad');
    await store.publish({ g: 2 });
    await store.publish({ g: 3 });
    expect(await store.publish({ g: 4 })).toBe(4);
    expect(slotOf(store, 4)).toBe(slot); // the very slot the reader loaded, reused and current again
    reader.resume();

    const got = await reply;
    expect(got.generation).toBe(4);
    expect(got.value).toEqual({ g: 4 });
  });
});
