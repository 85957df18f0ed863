/**
 * Regression guard for the leak a bare refcount has: a worker terminated while it holds a pin
 * (what piscina does to a worker whose running task is aborted) must not keep its slot forever.
 */
import { once } from 'node:events';
import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { attachReader } from './reader.js';
import { createStore } from './store.js';

describe('dead readers', () => {
  it('a terminated worker holding a pin blocks reclaim until releaseReader, then its slot is reused', async () => {
    const store = createStore<{ g: number }>({ slots: 3, publishTimeoutMs: 10_000 });
    await store.publish({ g: 1 });
    const slotOfFirst = store.stats().currentSlot;
    const worker = new Worker(new URL('./test-support/hold-reader.mjs', import.meta.url), { workerData: { handle: store.handle } });
    const [held] = (await once(worker, 'message')) as [{ generation: number; threadId: number }];
    expect(held.generation).toBe(1);
    await worker.terminate();
    expect(store.stats().readers).toEqual([{ row: 0, threadId: held.threadId, pins: 1 }]);

    await store.publish({ g: 2 });
    const local = attachReader<{ g: number }>(store.handle);
    const lease = local.acquire(); // pins generation 2
    await store.publish({ g: 3 });
    const waiting = store.publish({ g: 4 }); // generation 1 (dead pin) and 2 (lease) are both pinned
    expect(store.stats().pendingPublish).toBe(true);
    expect(store.stats().slots[slotOfFirst]).toMatchObject({ generation: 1, state: 'retired', pins: 1 });

    expect(store.releaseReader(held.threadId)).toBe(1);
    expect(await waiting).toBe(4);
    expect(store.stats().slots[slotOfFirst]?.generation).toBe(4);

    lease.release();
    local.close();
    const stats = store.stats();
    expect(stats.readers).toEqual([]);
    expect(stats.slots.map((s) => s.pins)).toEqual([0, 0, 0]);
    expect(stats.slots.filter((s) => s.state !== 'current').map((s) => s.state)).toEqual(['free', 'free']);
  });
});
