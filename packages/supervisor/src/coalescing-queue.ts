import { IdleWaiters } from './idle-waiters.js';

/**
 * Runs one job at a time; requests that arrive while a job runs coalesce into exactly one
 * more run, started when the current one ends, and every one of those requests gets that
 * run's result. This is the reload rule: the file is read when the run *starts*, so the
 * queued run sees the latest file, and a burst of N requests costs at most two runs.
 */
export interface RunInfo<Meta> {
  /** 1, 2, 3... in start order. */
  readonly id: number;
  /** How many requests this run serves. */
  readonly requests: number;
  /** The meta of each request, in arrival order. */
  readonly metas: readonly Meta[];
}

interface Batch<R, Meta> {
  readonly id: number;
  readonly metas: Meta[];
  readonly promise: Promise<R>;
  resolve(value: R): void;
}

export class CoalescingQueue<R, Meta = void> {
  private nextId = 1;
  private running: Batch<R, Meta> | undefined;
  private queued: Batch<R, Meta> | undefined;
  private readonly job: (info: RunInfo<Meta>) => Promise<R>;
  private readonly onJobError: (err: unknown, info: RunInfo<Meta>) => R;
  private readonly idleWaiters = new IdleWaiters();

  /**
   * `job` should turn its failures into results (a reload outcome says ok: false);
   * `onJobError` makes a result of anything it throws anyway, so callers always get one.
   */
  constructor(job: (info: RunInfo<Meta>) => Promise<R>, onJobError: (err: unknown, info: RunInfo<Meta>) => R) {
    this.job = job;
    this.onJobError = onJobError;
  }

  get isRunning(): boolean {
    return this.running !== undefined;
  }

  get isQueued(): boolean {
    return this.queued !== undefined;
  }

  /** Starts a run now if none runs; otherwise joins the one queued run (creating it if needed). */
  request(meta: Meta): Promise<R> {
    if (this.running === undefined) {
      const batch = this.newBatch(meta);
      this.start(batch);
      return batch.promise;
    }
    if (this.queued === undefined) this.queued = this.newBatch(meta);
    else this.queued.metas.push(meta);
    return this.queued.promise;
  }

  /** Resolves when nothing runs and nothing is queued. */
  idle(): Promise<void> {
    if (this.running === undefined) return Promise.resolve();
    return this.idleWaiters.wait().then(() => undefined);
  }

  private newBatch(meta: Meta): Batch<R, Meta> {
    let resolve!: (value: R) => void;
    const promise = new Promise<R>((r) => (resolve = r));
    // Ids are given at start time (see start) so they follow the order runs begin.
    return { id: 0, metas: [meta], promise, resolve };
  }

  private start(pending: Batch<R, Meta>): void {
    // Field by field, not { ...pending, id }: see loadedOn in load-generation.ts.
    const batch: Batch<R, Meta> = { id: this.nextId++, metas: pending.metas, promise: pending.promise, resolve: pending.resolve };
    this.running = batch;
    const info: RunInfo<Meta> = { id: batch.id, requests: batch.metas.length, metas: batch.metas };
    let result: Promise<R>;
    try {
      result = this.job(info);
    } catch (err) {
      result = Promise.reject(err);
    }
    result.then(
      (value) => this.finish(batch, value),
      (err: unknown) => this.finish(batch, this.onJobError(err, info)),
    );
  }

  private finish(batch: Batch<R, Meta>, value: R): void {
    this.running = undefined;
    batch.resolve(value);
    const next = this.queued;
    this.queued = undefined;
    if (next !== undefined) {
      this.start(next);
      return;
    }
    this.idleWaiters.wakeAll();
  }
}
