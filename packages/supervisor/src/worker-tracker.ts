import type { Worker } from 'node:worker_threads';
import type { Piscina } from 'piscina';

export interface TrackedExit {
  readonly threadId: number;
  readonly exitCode: number;
}

/** What a piscina load balancer sees of a worker and a task (structural: piscina does not export these types). */
interface BalancedWorker {
  readonly id: number;
  readonly currentUsage: number;
  readonly isRunningAbortableTask: boolean;
}
interface BalancedTask {
  readonly isAbortable: boolean;
}

/**
 * Follows every thread of a piscina pool from the moment it may run a task until it exits,
 * so a dead thread's pin row is released (store.releaseReader) once, and only once, the thread
 * can no longer touch it.
 *
 * - Why the Worker 'exit' event and not piscina's 'workerDestroy': piscina emits workerDestroy
 *   when it *decides* to drop a worker (an aborted task, an error) and then calls terminate(),
 *   which is asynchronous; the thread may still finish its task and unpin. Releasing its row
 *   then would let that late unpin drive a counter negative (core invariant I4). 'exit' is
 *   emitted after the thread has stopped.
 * - Why a balancer: piscina 5 also hands queued tasks to workers still booting. If such a task
 *   kills its worker before the primary has processed the worker's "ready" message, piscina
 *   takes it for a bootstrap failure and stops replacing dead workers for good: the pool
 *   shrinks with each such crash (seen here with a crash task racing a reload). The balancer
 *   below gives tasks only to workers piscina has announced ready ('workerCreate'), so every
 *   crash is one piscina replaces, and every thread that can hold a pin is followed.
 * - Why record the threadId when following: Node sets worker.threadId to -1 once the thread
 *   has exited. 'workerCreate' carries the id but not the Worker, which is looked up in
 *   pool.threads; its 'exit' is delivered later from the event loop, so it cannot be missed.
 */
export class WorkerTracker {
  private readonly followed = new WeakSet<Worker>();
  private readonly alive = new Map<number, Worker>();
  private readonly ready = new Set<number>();
  private pool: Piscina | undefined;
  private readonly onExit: (exit: TrackedExit) => void;

  constructor(onExit: (exit: TrackedExit) => void) {
    this.onExit = onExit;
  }

  /** Piscina's loadBalancer option: least busy among the workers announced ready. */
  balancer(maximumUsage: number): <W extends BalancedWorker>(task: BalancedTask, workers: W[]) => W | null {
    return <W extends BalancedWorker>(task: BalancedTask, workers: W[]): W | null => {
      let candidate: W | null = null;
      let lowest = maximumUsage;
      for (const worker of workers) {
        if (!this.ready.has(worker.id)) continue;
        if (worker.currentUsage === 0) return worker;
        if (worker.isRunningAbortableTask || task.isAbortable) continue;
        if (worker.currentUsage < lowest) {
          candidate = worker;
          lowest = worker.currentUsage;
        }
      }
      return candidate;
    };
  }

  /** Starts following `pool` (call right after constructing it). */
  attach(pool: Piscina): void {
    this.pool = pool;
    pool.on('workerCreate', (announced: { id: number }) => {
      this.scan();
      if (this.alive.has(announced.id)) this.ready.add(announced.id);
    });
    this.scan(); // threads piscina started in its constructor (minThreads)
  }

  /** Thread ids of the workers that have not exited yet. */
  get threadIds(): number[] {
    return [...this.alive.keys()];
  }

  get aliveCount(): number {
    return this.alive.size;
  }

  private scan(): void {
    for (const worker of this.pool?.threads ?? []) {
      if (this.followed.has(worker)) continue;
      const threadId = worker.threadId;
      if (threadId < 0) continue; // exited before it was ever announced: it never ran a task, holds no row
      this.followed.add(worker);
      this.alive.set(threadId, worker);
      worker.once('exit', (exitCode: number) => {
        this.alive.delete(threadId);
        this.ready.delete(threadId);
        this.onExit({ threadId, exitCode });
      });
    }
  }
}
