// Acquires one lease, reports it, and then keeps it forever: the test terminates this thread
// while it holds the pin, as piscina does to a worker whose running task is aborted.
import { parentPort, threadId, workerData } from 'node:worker_threads';
import { attachReader } from '../../dist/index.js';

const lease = attachReader(workerData.handle).acquire();
parentPort.postMessage({ generation: lease.generation, threadId });
setInterval(() => {}, 1 << 30);
