import { Worker } from 'node:worker_threads';
import { createStore } from '@genswap/core';
import { type Scenario, target } from '../harness.js';
import { type Measurement, measurement, round } from '../stats.js';
import type { AcquireMode, AcquireWorkerData } from '../workers/acquire-worker.js';

const workerUrl = new URL('../workers/acquire-worker.js', import.meta.url);

async function measure(mode: AcquireMode, threads: number, iterations: number, runs: number): Promise<Measurement> {
  const store = createStore({ slots: 4 });
  await store.publish({ rules: ['a', 'b'], limit: 10 });
  const scratch = new SharedArrayBuffer(64);
  const results = await Promise.all(
    Array.from({ length: threads }, () => {
      const data: AcquireWorkerData = { mode, handle: store.handle, scratch, iterations, runs, parties: threads };
      const worker = new Worker(workerUrl, { workerData: data });
      return new Promise<number[]>((resolve, reject) => {
        worker.once('message', (m: { samples: number[] }) => resolve(m.samples));
        worker.once('error', reject);
      }).finally(() => worker.terminate());
    }),
  );
  store.close();
  return measurement('ns/op', results.flat());
}

export const scenario: Scenario = {
  name: 'acquire',
  title: 'acquire+release in a worker thread, beside a plain read and a bare Atomics.load',
  async run({ quick }) {
    const iterations = quick ? 20_000 : 5_000_000;
    const runs = quick ? 2 : 9;
    const plain = await measure('plain-read', 1, iterations, runs);
    const load = await measure('atomics-load', 1, iterations, runs);
    const acquire = await measure('acquire-release', 1, iterations, runs);
    const acquire2 = await measure('acquire-release', 2, iterations, runs);
    const counter2 = await measure('shared-counter', 2, iterations, runs);
    return {
      params: { iterations, runs, slots: 4 },
      measurements: {
        'plain read': plain,
        'Atomics.load': load,
        'acquire+release (1 thread)': acquire,
        'acquire+release (2 threads at once)': acquire2,
        'one shared refcount (2 threads at once)': counter2,
      },
      ratios: {
        'acquire+release / Atomics.load': round(acquire.median / load.median),
        'shared refcount / acquire+release (2 threads)': round(counter2.median / acquire2.median),
      },
      targets: [target('acquire+release (2 threads at once), ns/op', round(acquire2.median, 1), '<=', 40, 'ns')],
      notes: [
        'Each thread pins in its own 64-byte row; the alternative bumps one shared counter, whose cache line bounces between cores.',
      ],
    };
  },
};
