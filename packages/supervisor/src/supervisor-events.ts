import type { ReloadRecord } from './reload-record.js';

/** What a worker module built with defineWorker sends back for each task. */
export interface TaskResult<R> {
  /** The generation the handler ran on (pinned when the task started). */
  readonly generation: number;
  /** The worker thread that ran it. */
  readonly threadId: number;
  readonly result: R;
}

export interface RunOptions {
  /** Aborting a running task terminates its worker (piscina's rule); its pins are released when it exits. */
  readonly signal?: AbortSignal;
}

export interface WorkerExitInfo {
  readonly threadId: number;
  readonly exitCode: number;
  /** Pins the dead worker held, now released. */
  readonly pinsReleased: number;
  /** True when the exit was part of close(). */
  readonly expected: boolean;
}

/** Events a Supervisor emits (it is a typed EventEmitter). */
export interface SupervisorEvents {
  /** Emitted synchronously before the reload reads the config file. */
  'reload-start': [info: { readonly id: number; readonly requests: number }];
  reload: [record: ReloadRecord];
  'worker-exit': [info: WorkerExitInfo];
}
