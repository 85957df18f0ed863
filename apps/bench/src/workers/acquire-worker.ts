import { parentPort, workerData } from 'node:worker_threads';
import { attachReader, type StoreHandle } from '@genswap/core';

/** Loops one operation and reports ns/op per run. Started by scenarios/acquire.ts. */
export type AcquireMode = 'plain-read' | 'atomics-load' | 'acquire-release' | 'shared-counter';

export interface AcquireWorkerData {
  readonly mode: AcquireMode;
  readonly handle: StoreHandle;
  /** Shared word for the single-counter alternative, and word 1 as a start barrier. */
  readonly scratch: SharedArrayBuffer;
  readonly iterations: number;
  readonly runs: number;
  readonly parties: number;
}

const data = workerData as AcquireWorkerData;
const scratch = new Int32Array(data.scratch);
const holder = { value: 1 };
let sink = 0;

function loop(mode: AcquireMode, n: number, reader: ReturnType<typeof attachReader> | undefined): void {
  switch (mode) {
    case 'plain-read':
      for (let i = 0; i < n; i++) sink += holder.value;
      break;
    case 'atomics-load':
      for (let i = 0; i < n; i++) sink += Atomics.load(scratch, 2);
      break;
    case 'acquire-release':
      for (let i = 0; i < n; i++) {
        const lease = reader!.acquire();
        sink += lease.generation;
        lease.release();
      }
      break;
    case 'shared-counter':
      // The design we do not ship: every reader bumps one shared refcount.
      for (let i = 0; i < n; i++) {
        Atomics.add(scratch, 0, 1);
        sink += 1;
        Atomics.sub(scratch, 0, 1);
      }
      break;
  }
}

const reader = data.mode === 'acquire-release' ? attachReader(data.handle) : undefined;
loop(data.mode, Math.min(data.iterations, 200_000), reader); // warm up the JIT
// Start barrier: all parties begin timing together, so two-thread runs really contend.
Atomics.add(scratch, 1, 1);
while (Atomics.load(scratch, 1) < data.parties) { /* spin until every party is ready */ }
const samples: number[] = [];
for (let r = 0; r < data.runs; r++) {
  const t0 = process.hrtime.bigint();
  loop(data.mode, data.iterations, reader);
  samples.push(Number(process.hrtime.bigint() - t0) / data.iterations);
}
reader?.close();
parentPort!.postMessage({ samples, sink });
