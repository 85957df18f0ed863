import { IdleWaiters } from './idle-waiters.js';

/** Counts work in progress and lets close() wait, bounded, for it to reach zero. */
export class InFlight {
  private n = 0;
  private readonly waiters = new IdleWaiters();

  get count(): number {
    return this.n;
  }

  enter(): void {
    this.n++;
  }

  leave(): void {
    if (--this.n === 0) this.waiters.wakeAll();
  }

  /** Resolves true once the count is zero, false if `timeoutMs` passes first. */
  idle(timeoutMs: number): Promise<boolean> {
    if (this.n === 0) return Promise.resolve(true);
    return this.waiters.wait(timeoutMs);
  }
}
