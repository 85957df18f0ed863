// A worker thread for test/gateway-rate-limit.test.ts: runs the gateway handler on the
// generation it pins (like a supervised worker), against the shared rate-limit state, and
// reports how many of its requests were allowed. Phases are started by messages; within a
// phase both workers wait at a shared barrier so that they really hit the table together.
import { parentPort, workerData } from 'node:worker_threads';
import { attachReader } from '@genswap/core';
import { gatewayCodec, handleRequestAt } from '../dist/index.js';

const { handle, state, barrier, nowMs, parties } = workerData;
const reader = attachReader(handle, { codec: gatewayCodec });
const gate = new Int32Array(barrier);

function arrive(phase) {
  Atomics.add(gate, phase, 1);
  Atomics.notify(gate, phase);
  for (;;) {
    const seen = Atomics.load(gate, phase);
    if (seen >= parties) return;
    Atomics.wait(gate, phase, seen, 1000);
  }
}

parentPort.on('message', (msg) => {
  if (msg.type === 'close') {
    reader.close();
    parentPort.close();
    return;
  }
  arrive(msg.phase);
  const counts = {};
  for (const { client, path, times } of msg.plan) {
    let allowed = 0;
    let generation = 0;
    for (let i = 0; i < times; i++) {
      const lease = reader.acquire();
      try {
        generation = lease.generation;
        const task = { method: 'GET', url: path, headers: { host: 'example.com' }, remoteAddress: client };
        const result = handleRequestAt(task, lease.value, { generation, threadId: reader.threadId, state }, nowMs);
        if (result.status === 200) allowed++;
      } finally {
        lease.release();
      }
    }
    counts[`${client} ${path}`] = { allowed, generation };
  }
  parentPort.postMessage({ phase: msg.phase, counts });
});
