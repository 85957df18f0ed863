import { once } from 'node:events';
import { Worker } from 'node:worker_threads';
import type { StoreHandle } from '../store.js';

const workerUrl = new URL('./race-reader.mjs', import.meta.url);

export interface AcquireReply {
  generation: number;
  value: unknown;
  threadId: number;
  error?: string;
}

/** Drives a race-reader.mjs thread through one paused acquire or release at a time. */
export class RaceReader {
  readonly sync = new Int32Array(new SharedArrayBuffer(16));
  readonly worker: Worker;
  threadId = -1;

  constructor(handle: StoreHandle) {
    this.worker = new Worker(workerUrl, { workerData: { handle, sync: this.sync.buffer } });
  }

  async ready(): Promise<void> {
    const [msg] = (await once(this.worker, 'message')) as [{ threadId: number }];
    this.threadId = msg.threadId;
  }

  /** Starts an acquire that pauses at `pauseAt`; resolves once the reader is paused, with the slot. */
  async acquirePaused(pauseAt: 'afterLoad' | 'afterPin', hold = false): Promise<{ slot: number; reply: Promise<AcquireReply> }> {
    this.armPause();
    const reply = once(this.worker, 'message').then(([m]) => m as AcquireReply);
    this.worker.postMessage({ cmd: 'acquire', pauseAt, hold });
    return { slot: await this.paused(), reply };
  }

  /**
   * Starts releasing the held leases and pauses inside the first release, after its
   * Atomics.sub and before its RETIRE_SIGNAL bump and notify; resolves with that slot once the
   * reader is paused there.
   */
  async releasePaused(pauseAt: 'afterUnpin'): Promise<number> {
    this.armPause();
    this.worker.postMessage({ cmd: 'release-all', pauseAt });
    return this.paused();
  }

  private armPause(): void {
    Atomics.store(this.sync, 0, 0);
    Atomics.store(this.sync, 1, 0);
  }

  private async paused(): Promise<number> {
    while (Atomics.load(this.sync, 0) !== 1) {
      const wait = Atomics.waitAsync(this.sync, 0, 0, 5_000);
      if (wait.async && (await wait.value) === 'timed-out') throw new Error('reader never reached its pause point');
    }
    return Atomics.load(this.sync, 2);
  }

  resume(): void {
    Atomics.store(this.sync, 1, 1);
    Atomics.notify(this.sync, 1);
  }

  async acquire(hold = false): Promise<AcquireReply> {
    const reply = once(this.worker, 'message').then(([m]) => m as AcquireReply);
    this.worker.postMessage({ cmd: 'acquire', hold });
    return reply;
  }

  async terminate(): Promise<void> {
    await this.worker.terminate();
  }
}
