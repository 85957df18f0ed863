import { Worker } from 'node:worker_threads';
import { ConfigError } from '@genswap/config';
import { GenswapError } from '@genswap/core';
import { SUPERVISOR_ERRORS, SupervisorError } from './errors.js';
import type { LoadedBytes, LoaderData, LoadReply } from './loader-protocol.js';

const workerUrl = new URL('./loader-worker.js', import.meta.url);

/**
 * The primary's handle on the loader thread (loader-worker.ts). `load()` resolves with the
 * encoded bytes of the config file, or rejects with the ConfigError and its located problems
 * (or an error keeping the failure's code). The thread is started on first use and started
 * again after it dies, so one crashed load does not stop later reloads.
 */
export class LoaderThread {
  private readonly data: LoaderData;
  private worker: Worker | undefined;
  private nextId = 1;
  private readonly waiting = new Map<number, { resolve: (r: LoadedBytes) => void; reject: (e: unknown) => void }>();

  constructor(data: LoaderData) {
    this.data = data;
  }

  /** Starts the thread (and its import of the app module) ahead of the first reload. */
  warm(): void {
    if (this.worker === undefined) this.start();
  }

  load(): Promise<LoadedBytes> {
    const worker = this.worker ?? this.start();
    const id = this.nextId++;
    return new Promise<LoadedBytes>((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      worker.postMessage({ id });
    });
  }

  async close(): Promise<void> {
    const worker = this.worker;
    this.worker = undefined;
    this.failAll(new SupervisorError('GENSWAP_SUPERVISOR_CLOSED', 'the supervisor closed while a config load was running'));
    await worker?.terminate();
  }

  private start(): Worker {
    const worker = new Worker(workerUrl, { workerData: this.data });
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
    if (reply.ok) waiter.resolve(reply);
    else if (reply.problems !== undefined && reply.problems.length > 0) waiter.reject(new ConfigError(this.data.configFile, reply.problems));
    // Keeps the failure's own code (GENSWAP_VALUE_TOO_LARGE, a compile step's...), which the reload record reports.
    else waiter.reject(new GenswapError(reply.code, reply.message, SUPERVISOR_ERRORS.GENSWAP_RELOAD_FAILED));
  }

  private failAll(err: unknown): void {
    for (const waiter of this.waiting.values()) waiter.reject(err);
    this.waiting.clear();
  }
}
