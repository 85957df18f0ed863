// A worker thread for test/gateway-big-list.test.ts: attaches to a store holding a
// million-entry deny list, and reports how much its heap grew on the first acquire (checksum
// + decode of the new generation) and whether lookups in place give the right answers.
// The heap is measured after full collections (a worker cannot take --expose-gc in its
// execArgv, so the flag is set at run time and gc fetched from a fresh context).
import { parentPort, workerData } from 'node:worker_threads';
import { getHeapStatistics, setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { attachReader } from '@genswap/core';
import { gatewayCodec, listContains, parseIp } from '../dist/index.js';

const { handle, members, strangers } = workerData;
const reader = attachReader(handle, { codec: gatewayCodec });

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc');

function heapUsed() {
  gc();
  gc();
  // Typed-array backing stores live outside the JS heap (external memory): count both, or a
  // copied table would go unnoticed.
  const stats = getHeapStatistics();
  return stats.used_heap_size + stats.external_memory;
}

// Warm up on the small first generation, so the measured switch costs only data, not code.
reader.withLease((config) => listContains(config.lists.deny, parseIp('10.0.0.1', new Uint32Array(4)), new Uint32Array(4)));
parentPort.postMessage('warm');
await new Promise((resolve) => parentPort.once('message', resolve));

const before = heapUsed();
const lease = reader.acquire();
const deny = lease.value.lists.deny;
const after = heapUsed();

const scratch = new Uint32Array(4);
const check = (list) => list.map((ip) => listContains(deny, parseIp(ip, scratch), scratch));
const result = {
  generation: lease.generation,
  heapDelta: after - before,
  tableBytes: deny.reduce((n, set) => n + set.v4.byteLength + set.v6.byteLength, 0),
  shared: deny.every((set) => set.v4.buffer instanceof SharedArrayBuffer),
  membersFound: check(members).filter(Boolean).length,
  strangersFound: check(strangers).filter(Boolean).length,
};
lease.release();
reader.close();
parentPort.postMessage(result);
