// A thread that plays an HTTP thread's handler section on a seat row, paused on an Atomics
// handshake so the primary's condemn lands at an exact point:
//   enter the handler (H2), then sync[0] = 1 + notify  -> "inside the handler"
//   wait until sync[1] = 1                              -> the primary has acted
//   leave the handler (H3) and report whether leaving succeeded
import { parentPort, workerData } from 'node:worker_threads';
import { SeatRow } from '../../../dist/http/thread-board.js';

const sync = new Int32Array(workerData.sync);
const row = new SeatRow(workerData.board, workerData.seat);
const odd = row.enterHandler(workerData.fd);
Atomics.store(sync, 0, 1);
Atomics.notify(sync, 0);
Atomics.wait(sync, 1, 0);
parentPort.postMessage({ left: row.leaveHandler(odd) });
