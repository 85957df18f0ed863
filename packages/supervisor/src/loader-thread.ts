import { Worker } from 'node:worker_threads';
import { SupervisorError } from './errors.js';
import type { GenerationLoader, LoadOutcome } from './load-generation.js';
import type { LoaderData, LoadReply, LoadRequest } from './loader-protocol.js';

const workerUrl = new URL('./loader-worker.js', import.meta.url);

/**
 * The primary's handle on the loader thread (loader-worker.ts). `load()` resolves with what
 * loadGeneration returned in the thread: the encoded bytes, or the problems, already converted
 * there with their own codes and fixes (passed through here unchanged). It rejects only when
 * the thread itself fails or the supervisor closes. The thread is started on first use and
 * started again after it dies, so one crashed load does not stop later reloads.
 */
export class LoaderThread implements GenerationLoader {
  private readonly data: LoaderData;
  private worker: Worker | undefined;
  private nextId = 1;
  private readonly waiting = new Map<number, { resolve: (r: LoadOutcome) => void; reject: (e: unknown) => void }>();

  constructor(data: LoaderData) {
    this.data = data;
  }

  /** Starts the thread (and its import of the app module) ahead of the first reload. */
  warm(): void {
    if (this.worker === undefined) this.start();
  }

  load(configFile: string): Promise<LoadOutcome> {
    const worker = this.worker ?? this.start();
    const id = this.nextId++;
    return new Promise<LoadOutcome>((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      worker.postMessage({ id, configFile } satisfies LoadRequest);
    });
  }

  async close(): Promise<void> {
    const worker = this.worker;
    this.worker = undefined;
    this.failAll(new SupervisorError('GENSWAP_SUPERVISOR_CLOSED', 'the supervisor closed while a config load was running'));
    await worker?.terminate();
  }

  private start(): Worker {
    // A young generation of its own size (as the workers'): the loader's garbage is short-lived.
    const worker = new Worker(workerUrl, { workerData: this.data, resourceLimits: { maxYoungGenerationSizeMb: 8 } });
    worker.unref(); // never what keeps the process alive
    worker.on('message', (reply: LoadReply) => this.settle(reply));
    worker.on('error', (err) => {
      this.failAll(new SupervisorError('GENSWAP_RELOAD_FAILED', `the config loader thread failed: ${err.message}`, { cause: err }));
    });
    worker.on('exit', (code) => {
      if (this.worker === worker) this.worker = undefined;
      this.failAll(new SupervisorError('GENSWAP_RELOAD_FAILED', `the config loader thread exited (code ${code}) during a load`));
    });
    this.worker = worker;
    return worker;
  }

  private settle(reply: LoadReply): void {
    const waiter = this.waiting.get(reply.id);
    if (waiter === undefined) return;
    this.waiting.delete(reply.id);
    waiter.resolve(reply);
  }

  private failAll(err: unknown): void {
    for (const waiter of this.waiting.values()) waiter.reject(err);
    this.waiting.clear();
  }
}
