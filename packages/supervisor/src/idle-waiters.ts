/**
 * Callers waiting for something to become idle (a count at zero, a queue empty), woken together.
 * One home for the pattern: InFlight, CoalescingQueue and the HTTP threads' drain use it.
 */
export class IdleWaiters {
  private waiters: (() => void)[] = [];

  /** Resolves true at the next wakeAll(), or false once `timeoutMs` (if given) passes first. */
  wait(timeoutMs?: number): Promise<boolean> {
    return new Promise((resolve) => {
      const timer = timeoutMs === undefined ? undefined : setTimeout(() => resolve(false), timeoutMs);
      this.waiters.push(() => {
        clearTimeout(timer);
        resolve(true);
      });
    });
  }

  wakeAll(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const wake of waiters) wake();
  }
}
