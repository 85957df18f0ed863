import type { Worker } from 'node:worker_threads';
import type { Piscina } from 'piscina';

export interface TrackedExit {
  readonly threadId: number;
  readonly exitCode: number;
}

/**
 * Follows every thread of a piscina pool from creation to exit, so a dead thread's pin row
 * can be released (store.releaseReader) once, and only once, the thread can no longer touch it.
 *
 * Why the Worker 'exit' event and not piscina's 'workerDestroy': piscina emits workerDestroy
 * when it *decides* to drop a worker (an aborted task, an error) and then calls terminate(),
 * which is asynchronous; the thread may still finish its task and unpin. Releasing its row
 * then would let that late unpin drive a counter negative (core invariant I4). 'exit' is
 * emitted after the thread has stopped.
 *
 * Why record threadId at creation: Node sets worker.threadId to -1 when the thread exits.
 * piscina announces new threads with 'workerCreate' (its argument carries the id but not the
 * Worker), so on each announcement the pool's thread list is scanned for Workers not yet
 * followed. A Worker's 'exit' is delivered from the event loop, after that microtask, so no
 * exit is missed even for a thread that dies at once.
 */
export class WorkerTracker {
  private readonly followed = new WeakSet<Worker>();
  private readonly alive = new Map<number, Worker>();
  private readonly pool: Piscina;
  private readonly onExit: (exit: TrackedExit) => void;

  constructor(pool: Piscina, onExit: (exit: TrackedExit) => void) {
    this.pool = pool;
    this.onExit = onExit;
    pool.on('workerCreate', () => this.scan());
    this.scan(); // threads piscina started in its constructor (minThreads)
  }

  /** Thread ids of the workers that have not exited yet. */
  get threadIds(): number[] {
    return [...this.alive.keys()];
  }

  get aliveCount(): number {
    return this.alive.size;
  }

  scan(): void {
    for (const worker of this.pool.threads) {
      if (this.followed.has(worker)) continue;
      const threadId = worker.threadId;
      if (threadId < 0) continue; // already exited: it never reached a task, so it holds no row
      this.followed.add(worker);
      this.alive.set(threadId, worker);
      worker.once('exit', (exitCode: number) => {
        this.alive.delete(threadId);
        this.onExit({ threadId, exitCode });
      });
    }
  }
}
