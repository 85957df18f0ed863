/**
 * Stress: reader threads acquire, verify and release in a loop while the primary publishes
 * thousands of generations whose every word derives from the generation number. What a
 * handshake cannot enumerate, this hunts for: torn reads, values changing under a lease,
 * generations going backwards, leaked pins, slots never reclaimed.
 */
import { once } from 'node:events';
import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { createStore } from './store.js';
// @ts-expect-error plain JavaScript test support shared with the worker threads
import { patternCodec } from './test-support/pattern-codec.mjs';

const READERS = 3;
const GENERATIONS = 6_000;

interface ReaderReport {
  acquires: number;
  distinct: number;
  lastGeneration: number;
  errors: string[];
}

describe('stress', () => {
  it(`${READERS} readers stay consistent while ${GENERATIONS} generations are published`, async () => {
    const store = createStore<number>({ slots: 4, codec: patternCodec, initialBytes: 1024, maxBytes: 1 << 20, publishTimeoutMs: 20_000 });
    await store.publish(1);
    const control = new Int32Array(new SharedArrayBuffer(8));
    const workers = Array.from(
      { length: READERS },
      () => new Worker(new URL('./test-support/stress-reader.mjs', import.meta.url), { workerData: { handle: store.handle, control: control.buffer } }),
    );
    const reports = workers.map((w) => once(w, 'message').then(([m]) => m as ReaderReport));
    while (Atomics.load(control, 1) < READERS) {
      const wait = Atomics.waitAsync(control, 1, Atomics.load(control, 1), 50);
      if (wait.async) await wait.value;
    }

    const reuse = new Map<number, number>();
    for (let n = 2; n <= GENERATIONS; n++) {
      expect(await store.publish(n)).toBe(n); // generation n carries payload n
      const slot = store.stats().currentSlot;
      reuse.set(slot, (reuse.get(slot) ?? 0) + 1);
    }
    Atomics.store(control, 0, 1);
    const results = await Promise.all(reports);
    await Promise.all(workers.map((w) => w.terminate()));

    for (const r of results) {
      expect(r.errors).toEqual([]);
      expect(r.acquires).toBeGreaterThan(0);
      expect(r.lastGeneration).toBeLessThanOrEqual(GENERATIONS);
    }
    // Readers really ran across many generations, not just the last one.
    expect(results.reduce((n, r) => n + r.distinct, 0)).toBeGreaterThan(READERS * 2);

    const stats = store.stats();
    expect(stats.publishes).toBe(GENERATIONS);
    expect(stats.readers).toEqual([]);
    expect(stats.slots.map((s) => s.pins)).toEqual([0, 0, 0, 0]);
    expect(stats.slots.filter((s) => s.state !== 'current').every((s) => s.state === 'free')).toBe(true);
    // Every slot was reclaimed and rewritten many times over.
    expect([...reuse.values()].every((count) => count > GENERATIONS / 20)).toBe(true);
    expect(reuse.size).toBe(4);
  }, 60_000);
});
