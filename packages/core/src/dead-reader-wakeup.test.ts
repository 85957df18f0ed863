/**
 * Regression guard for the lost wakeup the store model found (issue 16; model/store.pml,
 * mutant lost-wakeup): a reader thread terminated inside unpin(), after its Atomics.sub freed a
 * retired slot and before it bumped and notified RETIRE_SIGNAL, left a waiting publish asleep
 * until its deadline although a slot was free, because releaseReader woke the publish only when
 * it released pins, and the dead row had none left. The reader pauses at the exact point on an
 * Atomics handshake (test-support/race-reader.mjs) and the test terminates it there.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { attachReader } from './reader.js';
import { createStore } from './store.js';
import { RaceReader } from './test-support/race-harness.js';

interface Gen {
  g: number;
}

let readers: RaceReader[] = [];

afterEach(async () => {
  await Promise.all(readers.map((r) => r.terminate()));
  readers = [];
});

describe('a reader that dies while it releases', () => {
  it('I6: a publish waiting for a slot proceeds at once when the slot\'s last pin belonged to a reader that died mid-release', async () => {
    // The deadline is far beyond the 5 s this test allows: only a wakeup can finish the publish.
    const store = createStore<Gen>({ slots: 3, publishTimeoutMs: 25_000 });
    await store.publish({ g: 1 });
    const local = attachReader<Gen>(store.handle);
    const held = local.acquire(); // this thread pins generation 1 throughout
    await store.publish({ g: 2 });
    const dying = new RaceReader(store.handle);
    readers.push(dying);
    await dying.ready();
    expect((await dying.acquire(true)).generation).toBe(2); // the worker holds generation 2
    const slotOf2 = store.stats().currentSlot;
    await store.publish({ g: 3 });

    const waiting = store.publish({ g: 4 }); // generations 1 and 2 pinned, 3 current: it waits
    expect(store.stats().pendingPublish).toBe(true);

    // The worker's Atomics.sub frees generation 2's slot; it pauses before its bump and notify,
    // and is terminated there.
    expect(await dying.releasePaused('afterUnpin')).toBe(slotOf2);
    expect(store.stats().slots[slotOf2]).toMatchObject({ generation: 2, pins: 0, state: 'free' });
    await dying.terminate();
    expect(store.stats().pendingPublish).toBe(true); // nobody has woken the publish yet

    // The primary sees the exit. The dead row holds no pins, but releaseReader frees it, and
    // freeing a row must wake the waiting publish (I6).
    expect(store.releaseReader(dying.threadId)).toBe(0);
    const outcome = await Promise.race([waiting.then((generation) => ({ generation })), sleep(5_000, 'still waiting')]);
    expect(outcome).toEqual({ generation: 4 });
    expect(store.stats().slots[slotOf2]?.generation).toBe(4);

    held.release();
    local.close();
  });
});
