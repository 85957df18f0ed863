import type { StoreStats } from '@genswap/core';
import type { HttpStatus } from './http/http-threads.js';
import type { ReloadRecord } from './reload-record.js';

export interface SupervisorCounters {
  /** reload() calls, including those coalesced into another reload. */
  readonly reloadRequests: number;
  readonly reloadsOk: number;
  readonly reloadsFailed: number;
  readonly tasksOk: number;
  /** The handler threw or rejected. */
  readonly tasksFailed: number;
  readonly tasksAborted: number;
  /** The worker died under the task, or the pool refused it. */
  readonly tasksLost: number;
  /** Worker threads that exited while the supervisor was running (crash, abort, resource limits). */
  readonly workerExits: number;
  /** Pins released on behalf of exited workers (pins a crashed task would otherwise leak). */
  readonly deadWorkerPinsReleased: number;
}

export interface SupervisorStatus {
  readonly pid: number;
  readonly state: 'running' | 'closing' | 'closed';
  readonly startedAt: string;
  readonly uptimeMs: number;
  readonly configFile: string;
  /** The config source's revision of the current generation (fleet mode); absent for none. */
  readonly revision?: number;
  /** Files the current generation was read from. */
  readonly files: readonly string[];
  readonly generation: number;
  /** The generation store: slots with their pins, reader rows, publishes. */
  readonly store: StoreStats;
  readonly workers: {
    readonly threads: number;
    readonly alive: number;
    readonly threadIds: readonly number[];
  };
  /** In flight: tasks on the pool, or with option http the requests the threads are handling. */
  readonly tasks: { readonly inFlight: number };
  /** The HTTP threads, when the supervisor serves HTTP itself (option http). */
  readonly http?: HttpStatus;
  readonly reloads: {
    readonly inProgress: boolean;
    /** A reload is queued behind the running one (requests coalesce into it). */
    readonly queued: boolean;
    /**
     * Whether the loader thread is running: it starts with a reload and stops after loaderIdleMs
     * without one (false, too, for a supervisor that loads on its own thread).
     */
    readonly loaderThread: boolean;
    /** Dry loads of the warm-up done so far (option warmUpLoads; 0 before it starts or without it). */
    readonly warmUpLoads: number;
    /** Oldest first, at most historySize entries. */
    readonly history: readonly ReloadRecord[];
  };
  readonly counters: SupervisorCounters;
}
