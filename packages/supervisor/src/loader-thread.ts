import { Worker } from 'node:worker_threads';
import type { ListCache } from '@genswap/config';
import { SupervisorError } from './errors.js';
import { type GenerationLoader, loadedOn, type LoadOutcome } from './load-generation.js';
import type { LoaderData, LoadReply, LoadRequest } from './loader-protocol.js';

const workerUrl = new URL('./loader-worker.js', import.meta.url);

interface Waiter {
  readonly resolve: (r: LoadOutcome) => void;
  readonly reject: (e: unknown) => void;
}

/** One loader thread and the loads it was asked for (a thread that exits fails only its own). */
interface Running {
  readonly worker: Worker;
  readonly waiting: Map<number, Waiter>;
}

/**
 * The primary's handle on the loader thread (loader-worker.ts). `load()` resolves with what
 * loadGeneration returned in the thread: the encoded bytes, or the problems, already converted
 * there with their own codes and fixes (passed through here unchanged). It rejects only when
 * the thread itself fails or the supervisor closes.
 *
 * The thread is started by the first load, and again after it died (one crashed load does not
 * stop later reloads) or retired: after `idleMs` without a load it is stopped, and its memory (an
 * isolate with the app's modules, ~20 MB) is returned. What it must not lose is kept here, in
 * the primary's list cache, which loads on the primary use too (primary-first-loader.ts): the
 * thread starts from it, sends its own back after each load that changed it (the primary takes
 * it over), and is sent the primary's with the next load when loads on the primary changed it.
 * So an unchanged million-entry list is not parsed again after a quiet hour either, wherever the
 * reloads in between ran.
 */
export class LoaderThread implements GenerationLoader {
  private readonly data: LoaderData;
  private readonly idleMs: number;
  private running: Running | undefined;
  private readonly cache: ListCache;
  /** The version of `cache` the running thread holds as well. */
  private syncedVersion = -1;
  private nextId = 1;
  private idleTimer: NodeJS.Timeout | undefined;
  private closed = false;

  /** `cache`: the primary's list cache (generation 1 was loaded with it), kept in step with the thread's. */
  constructor(data: LoaderData, options: { readonly idleMs: number; readonly cache: ListCache }) {
    this.data = data;
    this.idleMs = options.idleMs;
    this.cache = options.cache;
  }

  /** Whether a loader thread is running now (it starts with a load and retires when idle). */
  get started(): boolean {
    return this.running !== undefined;
  }

  load(configFile: string): Promise<LoadOutcome> {
    if (this.closed) return Promise.reject(new SupervisorError('GENSWAP_SUPERVISOR_CLOSED', 'the supervisor closed; no config load runs'));
    this.stopIdleTimer();
    const running = this.running ?? this.start();
    const id = this.nextId++;
    return new Promise<LoadOutcome>((resolve, reject) => {
      running.waiting.set(id, { resolve, reject });
      this.post(running, { id, configFile });
    });
  }

  /** Sends a load, with the primary's list cache when the thread's is behind it. */
  private post(running: Running, request: LoadRequest): void {
    const behind = this.cache.version !== this.syncedVersion;
    this.syncedVersion = this.cache.version;
    if (behind) {
      try {
        running.worker.postMessage({ ...request, cache: this.cache.entries() } satisfies LoadRequest);
        return;
      } catch (err) {
        // DataCloneError: nothing was sent; the thread goes on with its own cache.
        if ((err as Error).name !== 'DataCloneError') throw err;
      }
    }
    running.worker.postMessage(request);
  }

  async close(): Promise<void> {
    this.closed = true;
    this.stopIdleTimer();
    const running = this.running;
    this.running = undefined;
    if (running === undefined) return;
    fail(running, new SupervisorError('GENSWAP_SUPERVISOR_CLOSED', 'the supervisor closed while a config load was running'));
    await running.worker.terminate();
  }

  private start(): Running {
    // A young generation of its own size (as the workers'): the loader's garbage is short-lived.
    const options = { resourceLimits: { maxYoungGenerationSizeMb: 8 } };
    let worker: Worker;
    try {
      worker = new Worker(workerUrl, { ...options, workerData: { ...this.data, cache: this.cache.entries() } satisfies LoaderData });
    } catch (err) {
      if ((err as Error).name !== 'DataCloneError') throw err;
      // A compiled list value that cannot be cloned: this thread compiles its lists afresh.
      worker = new Worker(workerUrl, { ...options, workerData: this.data });
    }
    this.syncedVersion = this.cache.version;
    worker.unref(); // never what keeps the process alive
    const running: Running = { worker, waiting: new Map() };
    worker.on('message', (reply: LoadReply) => this.settle(running, reply));
    worker.on('error', (err) => {
      fail(running, new SupervisorError('GENSWAP_RELOAD_FAILED', `the config loader thread failed: ${err.message}`, { cause: err }));
    });
    worker.on('exit', (code) => {
      if (this.running === running) this.running = undefined;
      fail(running, new SupervisorError('GENSWAP_RELOAD_FAILED', `the config loader thread exited (code ${code}) during a load`));
    });
    this.running = running;
    return running;
  }

  private settle(running: Running, reply: LoadReply): void {
    const { cache, id, ...outcome } = reply;
    if (cache !== undefined) {
      this.cache.replace(cache);
      if (this.running === running) this.syncedVersion = this.cache.version;
    }
    const waiter = running.waiting.get(id);
    if (waiter === undefined) return;
    running.waiting.delete(id);
    waiter.resolve(outcome.ok ? loadedOn(outcome, 'loader thread') : outcome);
    if (running.waiting.size === 0 && this.running === running) this.startIdleTimer(running);
  }

  private startIdleTimer(running: Running): void {
    this.stopIdleTimer();
    this.idleTimer = setTimeout(() => {
      this.idleTimer = undefined;
      // Only a thread with no load in flight retires; the next load starts a new one.
      if (this.running !== running || running.waiting.size > 0) return;
      this.running = undefined;
      void running.worker.terminate();
    }, this.idleMs);
    this.idleTimer.unref();
  }

  private stopIdleTimer(): void {
    if (this.idleTimer !== undefined) clearTimeout(this.idleTimer);
    this.idleTimer = undefined;
  }
}

function fail(running: Running, err: unknown): void {
  for (const waiter of running.waiting.values()) waiter.reject(err);
  running.waiting.clear();
}
