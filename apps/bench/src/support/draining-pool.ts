import type { Piscina } from 'piscina';

/**
 * A piscina pool that can be retired gracefully: every task it was given finishes, then it is
 * destroyed. The pool-restart alternative needs this. piscina 5.3.2's own close() is meant to
 * do it, but in our runs it terminated tasks still running ("Terminating worker thread"): its
 * flush check registers the same per-task callback several times and so counts one worker's
 * idleness more than once. Counting our own in-flight tasks avoids depending on it.
 */
export class DrainingPool {
  private inFlight = 0;
  private onIdle: (() => void) | undefined;
  private retired: Promise<void> | undefined;

  /** Pool-level errors (piscina emits them for faults no task can carry). */
  errors = 0;

  constructor(readonly pool: Piscina) {
    // Without a listener, such an 'error' event would end the process.
    pool.on('error', () => this.errors++);
  }

  run<R>(task: unknown): Promise<R> {
    this.inFlight++;
    return (this.pool.run(task) as Promise<R>).finally(() => {
      if (--this.inFlight === 0) this.onIdle?.();
    });
  }

  /** Resolves once every task given to this pool has settled and its threads are gone. */
  retire(): Promise<void> {
    this.retired ??= (async () => {
      if (this.inFlight > 0) await new Promise<void>((resolve) => (this.onIdle = resolve));
      await this.pool.destroy();
    })();
    return this.retired;
  }
}
