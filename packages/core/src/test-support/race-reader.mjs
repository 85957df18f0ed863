// A reader thread for the deterministic race tests. On {cmd: 'acquire', pauseAt} it pauses
// inside acquire() at the named hook (afterLoad | afterPin); on {cmd: 'release-all', pauseAt:
// 'afterUnpin'} it pauses inside the first release, after its Atomics.sub. A pause is an
// Atomics handshake:
//   sync[0] = 1 and notify  -> "paused at slot sync[2]"
//   wait until sync[1] = 1  -> the primary has done its part; continue
// (or the test terminates the thread while it waits, as piscina does to an aborted task).
import { parentPort, threadId, workerData } from 'node:worker_threads';
import { attachReader } from '../../dist/index.js';
import { setReaderHooks } from '../../dist/testing.js';

const sync = new Int32Array(workerData.sync);
const reader = attachReader(workerData.handle);
const held = [];

function pauseOnceAt(pauseAt) {
  if (!pauseAt) return;
  let paused = false;
  setReaderHooks({
    [pauseAt](slot) {
      if (paused) return; // pause once; a retry after a failed re-check runs freely
      paused = true;
      Atomics.store(sync, 2, slot);
      Atomics.store(sync, 0, 1);
      Atomics.notify(sync, 0);
      Atomics.wait(sync, 1, 0);
    },
  });
}

parentPort.on('message', (msg) => {
  if (msg.cmd === 'acquire') {
    pauseOnceAt(msg.pauseAt);
    try {
      const lease = reader.acquire();
      const reply = { generation: lease.generation, value: lease.value, threadId };
      if (msg.hold) held.push(lease);
      else lease.release();
      parentPort.postMessage(reply);
    } catch (err) {
      parentPort.postMessage({ error: String(err) });
    } finally {
      setReaderHooks(undefined);
    }
  } else if (msg.cmd === 'release-all') {
    pauseOnceAt(msg.pauseAt);
    try {
      while (held.length > 0) held.pop().release();
    } finally {
      setReaderHooks(undefined);
    }
    parentPort.postMessage({ released: true });
  }
});
parentPort.postMessage({ ready: true, threadId });
