import type { ResourceLimits } from 'node:worker_threads';
import type { Codec, StoreOptions, StoreStats } from '@genswap/core';
import type { ConfigDefinition, ConfigProblem, LoadOptions } from '@genswap/config';
import type { HttpLimits } from './http/http-limits.js';
import type { HttpStatus } from './http/http-threads.js';
import type { ListenMode } from './http/listen-socket.js';

export type { HttpLimits, HttpStatus, ListenMode };
export type { HttpThreadState, HttpThreadStatus } from './http/http-threads.js';

/**
 * The contract of @genswap/supervisor shared with handler authors (the gateway, users).
 * Keep these stable: apps code against them.
 */

/** What a worker's handler learns about the task it runs. */
export interface TaskContext<State = unknown> {
  /** The generation pinned for this task: the config the handler got belongs to it. */
  readonly generation: number;
  /** The worker thread's id. */
  readonly threadId: number;
  /** The app's shared state (see AppModule.createState), identical object for every task of this worker. */
  readonly state: State;
}

/** A handler: gets the task and the config of the generation pinned when the task started. */
export type Handler<Task, Config, Result, State = unknown> = (task: Task, config: Config, ctx: TaskContext<State>) => Result | Promise<Result>;

/** The task `genswap serve` builds from an HTTP request. */
export interface HttpTask {
  readonly method: string;
  /** Request target as received, e.g. `/login?next=%2F`. */
  readonly url: string;
  /** Lower-cased header names; repeated headers joined as Node does (`headersDistinct` is not sent). */
  readonly headers: Readonly<Record<string, string | undefined>>;
  /** The TCP peer (proxy or client), as reported by the socket, e.g. `127.0.0.1` or `::1`. */
  readonly remoteAddress: string;
}

/** What a handler returns for an HttpTask; `genswap serve` writes it back. */
export interface HttpResult {
  readonly status: number;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: string;
}

/**
 * What `genswap serve --schema <module>` loads (and what `@genswap/gateway/definition` is):
 * the config definition, optionally a codec (default JSON) and primary-side shared state.
 */
export interface AppModule<C = unknown, State = unknown> {
  readonly definition: ConfigDefinition<any, C>;
  readonly codec?: Codec<C>;
  /** Called once in the primary; the result (structured-cloneable, may hold SharedArrayBuffers) reaches every worker as ctx.state. */
  readonly createState?: () => State;
}

export type { Codec, StoreOptions };

// ---------------------------------------------------------------------------------------------
// Primary side (added with the supervisor implementation; additive only).
// ---------------------------------------------------------------------------------------------

/** The config type an AppModule compiles to: `defineWorker((task, config: ConfigOf<typeof app>) => ...)`. */
export type ConfigOf<A> = A extends AppModule<infer C, any> ? C : never;

/** The shared-state type an AppModule creates. */
export type StateOf<A> = A extends AppModule<any, infer S> ? S : never;

/** What a worker module built with defineWorker sends back for each task. */
export interface TaskResult<R> {
  /** The generation the handler ran on (pinned when the task started). */
  readonly generation: number;
  /** The worker thread that ran it. */
  readonly threadId: number;
  readonly result: R;
}

/** Why a reload was asked for; shown in logs and the reload history. */
export type ReloadTrigger = 'api' | 'signal' | 'watch' | 'admin' | 'startup';

interface ReloadOutcomeBase {
  /** Reload number, 1 for the first reload after start-up; coalesced requests share one. */
  readonly id: number;
  /** Milliseconds from reading the file to the publish (or to the failure). */
  readonly durationMs: number;
}

export interface ReloadSuccess extends ReloadOutcomeBase {
  readonly ok: true;
  /** The generation now current. */
  readonly generation: number;
  /** Every file the new generation was read from (config first, then list files). */
  readonly files: readonly string[];
}

export interface ReloadFailure extends ReloadOutcomeBase {
  readonly ok: false;
  /** The generation that keeps serving (unchanged by this reload). */
  readonly generation: number;
  /** What is wrong, each located in a file (line/column 0 when there is no position). */
  readonly problems: readonly ConfigProblem[];
}

/** The result of `supervisor.reload()`. It never rejects for a bad config: it says so here. */
export type ReloadOutcome = ReloadSuccess | ReloadFailure;

/** One line of the reload history kept by status(). */
export type ReloadRecord = ReloadOutcome & {
  /** When the reload started reading the file (ISO 8601). */
  readonly startedAt: string;
  /** How many reload requests this one served (more than 1 when requests coalesced). */
  readonly requests: number;
  /** Why it was requested (every distinct trigger among the coalesced requests). */
  readonly triggers: readonly ReloadTrigger[];
};

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
  readonly tasks: { readonly inFlight: number };
  /** The HTTP threads, when the supervisor serves HTTP itself (option http). */
  readonly http?: HttpStatus;
  readonly reloads: {
    readonly inProgress: boolean;
    /** A reload is queued behind the running one (requests coalesce into it). */
    readonly queued: boolean;
    /** Oldest first, at most historySize entries. */
    readonly history: readonly ReloadRecord[];
  };
  readonly counters: SupervisorCounters;
}

/** Structural subset of a pino Logger the supervisor uses; pass a pino logger. */
export interface SupervisorLogger {
  debug(obj: object, msg: string): void;
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
  child(bindings: Record<string, unknown>): SupervisorLogger;
}

export interface WatchOptions {
  /** Quiet time after the last change before the reload starts. Default 100 ms. */
  readonly debounceMs?: number;
}

export interface SupervisorOptions<C = unknown, State = unknown> {
  /** Path of the YAML config file. */
  readonly configFile: string;
  /** The config definition, codec and shared state (what `--schema` loads). */
  readonly app: AppModule<C, State>;
  /**
   * The module `app` was imported from (path or URL). When given, reloads read, parse,
   * validate, compile and encode the config in a loader thread that imports this module, and
   * the primary only publishes the bytes: a big config never blocks its event loop (which
   * serves HTTP in `genswap serve`). Without it, reloads run on the primary's thread.
   */
  readonly appModule?: string | URL;
  /**
   * How many nice steps below the primary the loader thread runs (Linux, where nice is per
   * thread; capped at 19; 0 keeps the primary's priority; ignored elsewhere). A reload is
   * background work: on a busy machine the threads answering requests get the CPU first and the
   * reload waits for a gap. Default 10 (a CPU share of about a tenth against one busy thread).
   */
  readonly loaderNice?: number;
  /** The worker module (compiled JS) whose default export is `defineWorker(handler)` (with http: the HTTP handler). */
  readonly worker: string | URL;
  /** Worker threads (pool threads, or HTTP threads with http); fixed size. Default: os.availableParallelism(). */
  readonly threads?: number;
  /** Generation store options (slots, maxBytes, publishTimeoutMs...). The codec comes from the app. */
  readonly store?: Omit<StoreOptions<C>, 'codec'>;
  /** Config loading limits, passed to @genswap/config. */
  readonly load?: LoadOptions;
  readonly logger?: SupervisorLogger;
  /** How long close() waits for in-flight tasks before terminating them. Default 10 000 ms. */
  readonly drainTimeoutMs?: number;
  /** Reload records kept in status(). Default 20. */
  readonly historySize?: number;
  /** Reload when the config file or a list file changes (directories are watched, so symlink swaps count). */
  readonly watch?: boolean | WatchOptions;
  /**
   * Per-worker V8 limits; a worker exceeding them dies and is replaced. Default: the young
   * generation capped at 8 MiB (maxYoungGenerationSizeMb), which keeps worker memory flat over
   * thousands of reloads; limits given here are merged over that default.
   */
  readonly resourceLimits?: ResourceLimits;
  /** Tasks one worker runs at once (for handlers that await I/O). Default 1. */
  readonly concurrentTasksPerWorker?: number;
  /** Serve HTTP from the threads instead of running a task pool (what `genswap serve` does). */
  readonly http?: HttpServeOptions;
}

/**
 * Serve HTTP from the worker threads themselves: every thread accepts connections on one address
 * and runs the worker module's handler per request, on the generation current when the request
 * arrived (an HttpTask in, an HttpResult out). The primary does nothing per request. A supervisor
 * with this option has no task pool: run() is refused.
 */
export interface HttpServeOptions {
  readonly host: string;
  /** 0 picks a free port: read it back from supervisor.http.url. */
  readonly port: number;
  /** How threads share the address; default 'shared' (see ListenMode). */
  readonly listenMode?: ListenMode;
  readonly limits?: HttpLimits;
  /** A thread whose event loop makes no progress this long is terminated and replaced. Default 5 000 ms. */
  readonly stallTimeoutMs?: number;
  /** A thread must be serving this long after it was started. Default 30 000 ms. */
  readonly startTimeoutMs?: number;
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
