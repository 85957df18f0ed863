// A stress reader: acquires, verifies every word of the zero-copy value, sometimes keeps up to
// two leases open across iterations (so retired slots stay pinned and publish must wait), and
// checks that the generations it sees only move forward. Stops when control[0] becomes 1.
import { parentPort, threadId, workerData } from 'node:worker_threads';
import { attachReader } from '../../dist/index.js';
import { patternCodec, verifyPattern } from './pattern-codec.mjs';

const control = new Int32Array(workerData.control);
const reader = attachReader(workerData.handle, { codec: patternCodec });
const open = [];
let acquires = 0;
let lastGeneration = 0;
let distinct = 0;
let rng = threadId * 2654435761;
const errors = [];

function fail(message) {
  if (errors.length < 5) errors.push(message);
}

Atomics.add(control, 1, 1); // ready
while (Atomics.load(control, 0) === 0) {
  const lease = reader.acquire();
  acquires++;
  if (lease.generation < lastGeneration) fail(`went back from ${lastGeneration} to ${lease.generation}`);
  if (lease.generation !== lastGeneration) distinct++;
  lastGeneration = lease.generation;
  const problem = verifyPattern(lease.value, lease.generation);
  if (problem) fail(`torn read: ${problem}`);
  open.push(lease);
  rng = (Math.imul(rng, 1103515245) + 12345) | 0;
  const keep = (rng >>> 16) % 8 === 0 ? 2 : 0;
  while (open.length > keep) {
    const old = open.shift();
    // Re-verify just before release: the value must not have changed under its lease.
    const again = verifyPattern(old.value, old.generation);
    if (again) fail(`changed under its lease: ${again}`);
    old.release();
  }
}
for (const lease of open) lease.release();
reader.close();
parentPort.postMessage({ acquires, distinct, lastGeneration, errors });
