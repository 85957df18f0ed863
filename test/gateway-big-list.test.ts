import { Worker } from 'node:worker_threads';
import { createStore } from '@genswap/core';
import { formatIPv4, type GatewayConfig, gatewayCodec, RangeSetBuilder } from '@genswap/gateway';
import { expect, it } from 'vitest';

/**
 * The functional half of the 1,000,000-entry deny list requirement (the timing half is the
 * bench scenario `big-list`): a worker that switches to a generation holding the list does not
 * copy it into its heap, and looks addresses up in place in the shared slot.
 */

const ENTRIES = 1_000_000;

it('a worker reads a 1,000,000-entry deny list in place: its heap does not grow by the list', async () => {
  // Every fourth address from 16.0.0.0 on: a million ranges that cannot merge.
  const base = 0x1000_0000;
  const builder = new RangeSetBuilder();
  for (let i = ENTRIES - 1; i >= 0; i--) builder.addV4(base + 4 * i, base + 4 * i);
  const deny = builder.build();
  expect(deny.v4.length).toBe(2 * ENTRIES);

  const config: GatewayConfig = {
    settings: { statuses: { allow: 200, deny: 403, limited: 429 }, rules: [], limits: {} },
    lists: { allow: [], deny: [deny], trustedProxies: { v4: new Uint32Array(0), v6: new Uint32Array(0) } },
  };
  const store = createStore<GatewayConfig>({ codec: gatewayCodec, slots: 3 });
  try {
    // Generation 1 is small (1,000 ranges): the worker decodes it first, so the code of the decode path is
    // compiled (and on its heap) before the measured switch to the million-entry generation.
    const small = new RangeSetBuilder();
    for (let i = 0; i < 1000; i++) small.addV4(0x0a00_0000 + 4 * i, 0x0a00_0000 + 4 * i);
    await store.publish({ ...config, lists: { ...config.lists, deny: [small.build()] } });
    const members = [0, 1, 2, 499_999, 999_998, 999_999].map((i) => formatIPv4(base + 4 * i));
    const strangers = [base - 1, base + 1, base + 3, base + 4 * ENTRIES, base + 4 * 500_000 + 2].map(formatIPv4);
    const worker = new Worker(new URL('../apps/gateway/test-fixtures/big-list-reader.mjs', import.meta.url), {
      workerData: { handle: store.handle, members, strangers },
    });
    await new Promise((resolve, reject) => {
      worker.once('message', resolve); // warmed up on generation 1
      worker.once('error', reject);
    });
    expect(await store.publish(config)).toBe(2);
    worker.postMessage('measure');
    const result = await new Promise<{ generation: number; heapDelta: number; tableBytes: number; shared: boolean; membersFound: number; strangersFound: number }>((resolve, reject) => {
      worker.once('message', resolve);
      worker.once('error', reject);
    });
    await worker.terminate();
    expect(result.generation).toBe(2);
    expect(result.shared).toBe(true);
    expect(result.tableBytes).toBe(8 * ENTRIES);
    expect(result.membersFound).toBe(members.length);
    expect(result.strangersFound).toBe(0);
    // An 8 MB table copied into the heap shows up here in full; a view costs a few hundred bytes,
    // and what else a first decode allocates (parsed settings, compiled rules) stays far below
    // a tenth of the table even on a loaded machine.
    expect(result.heapDelta).toBeLessThan(result.tableBytes / 10);
  } finally {
    store.close();
  }
});
