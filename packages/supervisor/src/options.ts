import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import { moduleUrl, workerModuleFile } from './app-module.js';
import { SupervisorError } from './errors.js';
import type { ResourceLimits } from 'node:worker_threads';
import type { LoadOptions } from '@genswap/config';
import { type HttpLimits, type ResolvedHttpLimits, resolveHttpLimits } from './http/http-limits.js';
import type { ListenMode } from './http/listen-socket.js';

export interface ResolvedHttpOptions {
  readonly host: string;
  readonly port: number;
  readonly listenMode: ListenMode;
  readonly limits: ResolvedHttpLimits;
  readonly stallTimeoutMs: number;
  readonly startTimeoutMs: number;
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

import type { StoreOptions } from '@genswap/core';
import type { AppModule } from './app-contract.js';
import { type SupervisorLogger, silentLogger } from './logger.js';

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
  /**
   * The loader thread starts with the first reload (generation 1 is loaded on the primary, before
   * anything serves) and stops after this long without one, ms: its isolate (~20 MB) is returned
   * while nothing reloads. The next reload starts it again (some 50 ms more, once) with the list
   * cache the last one left. Default 30 000.
   */
  readonly loaderIdleMs?: number;
  /**
   * Most bytes a reload may read on the primary's own thread (the config file and the list
   * files it reads, together; a list reused unchanged is not read): a reload that would read
   * more runs in the loader thread instead. Small reloads then cost no thread hop; big ones never
   * block the primary. 0 sends every reload to the loader thread. Default 65 536 (64 KiB). Only
   * with appModule (without it every reload runs on the primary).
   */
  readonly primaryLoadBytes?: number;
  /**
   * Dry loads the primary runs once, in the background, after its warmUpAfterReloads-th reload on
   * its own thread: the config is read, parsed, validated, compiled and encoded as a reload would,
   * and nothing is published or kept. V8 compiles code to its optimizing tier only after running
   * it many times, and a process that reloads a few times a minute would need days to get there;
   * until then each small reload runs unoptimized code (about 0.9 ms of CPU on the reference
   * machine, 0.5 ms once warm). The warm-up costs some 0.5 s of CPU once, in slices of a few ms
   * (reloads and signals go first). 0 turns it off. Default 2 000. Only with appModule.
   */
  readonly warmUpLoads?: number;
  /** Reloads on the primary before the warm-up starts (a process that is never reloaded never pays for it). Default 3. */
  readonly warmUpAfterReloads?: number;
  /** The worker module (compiled JS) whose default export is `defineWorker(handler)`. */
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
  /**
   * Install the signal policy of handleSignals for this supervisor: SIGHUP reloads, the first
   * SIGTERM or SIGINT closes it (draining) and exits the process 0, a second one exits 1.
   * Default false: an embedder that owns its signals calls handleSignals itself.
   */
  readonly signals?: boolean;
  /** Serve HTTP from the threads instead of running a task pool (what `genswap serve` does). */
  readonly http?: HttpServeOptions;
  /**
   * The revision configFile carries, when a config source versions it (a fleet revision):
   * generation 1 is labeled with it, and answers name it (x-genswap-fleet-revision). Later
   * revisions come with reload({ from }). Default 0: none.
   */
  readonly configRevision?: number;
}

export interface ResolvedOptions<C, State> {
  readonly configFile: string;
  readonly app: AppModule<C, State>;
  /** file: URL of the app module for the loader thread; undefined: reloads on the primary's thread. */
  readonly appModuleUrl: string | undefined;
  readonly loaderNice: number;
  readonly loaderIdleMs: number;
  readonly primaryLoadBytes: number;
  readonly warmUpLoads: number;
  readonly warmUpAfterReloads: number;
  readonly workerFile: string;
  readonly threads: number;
  readonly drainTimeoutMs: number;
  readonly historySize: number;
  /** undefined: no watching. */
  readonly watchDebounceMs: number | undefined;
  readonly concurrentTasksPerWorker: number;
  readonly logger: SupervisorLogger;
  readonly store: Omit<StoreOptions<C>, 'codec'> | undefined;
  readonly load: LoadOptions | undefined;
  readonly resourceLimits: ResourceLimits;
  readonly signals: boolean;
  /** undefined: a task pool (run()); else HTTP threads. */
  readonly http: ResolvedHttpOptions | undefined;
  readonly configRevision: number;
}

/** Default nice steps of the loader thread below the primary. */
export const DEFAULT_LOADER_NICE = 10;
/** primaryLoadBytes: a config of a few thousand lines, or a few thousand list entries, read and parsed in a few ms at most. */
export const DEFAULT_PRIMARY_LOAD_BYTES = 64 * 1024;
/** warmUpLoads: measured on the reference machine, 1 000 dry loads took a small reload from 0.9 to 0.6 ms of CPU, 3 000 to 0.5. */
export const DEFAULT_WARM_UP_LOADS = 2000;

/** Default cap of each worker's young generation (V8 new space), MiB. */
export const DEFAULT_YOUNG_GENERATION_MB = 8;

export function invalidOption(message: string): SupervisorError {
  return new SupervisorError('GENSWAP_SUPERVISOR_INVALID_OPTION', message);
}
const invalid = invalidOption;

/** `fallback` when absent, else an integer in [min, max]. */
function option(name: string, value: number | undefined, fallback: number, min: number, max: number): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < min || value > max) throw invalid(`supervisor option ${name} must be an integer from ${min} to ${max}, got ${String(value)}`);
  return value;
}

function httpOptions(http: SupervisorOptions['http']): ResolvedHttpOptions | undefined {
  if (http === undefined) return undefined;
  if (http === null || typeof http !== 'object') throw invalid('supervisor option http must be an object { host, port, ... }');
  if (typeof http.host !== 'string' || http.host === '') throw invalid('supervisor option http.host must be a host name or address, e.g. 127.0.0.1');
  const mode = http.listenMode ?? 'shared';
  if (mode !== 'shared' && mode !== 'reuseport') throw invalid(`supervisor option http.listenMode must be 'shared' or 'reuseport', got ${String(mode)}`);
  return {
    host: http.host,
    port: option('http.port', http.port, 0, 0, 65_535),
    listenMode: mode,
    limits: resolveHttpLimits(http.limits),
    stallTimeoutMs: option('http.stallTimeoutMs', http.stallTimeoutMs, 5000, 100, 3_600_000),
    startTimeoutMs: option('http.startTimeoutMs', http.startTimeoutMs, 30_000, 100, 3_600_000),
  };
}

/** Checks every option and fills in defaults; throws GENSWAP_SUPERVISOR_INVALID_OPTION naming the option. */
export function resolveOptions<C, State>(options: SupervisorOptions<C, State>): ResolvedOptions<C, State> {
  if (typeof options?.configFile !== 'string' || options.configFile === '') throw invalid('supervisor option configFile must be a non-empty path');
  const app = options.app as Partial<AppModule<C, State>> | undefined;
  if (app === null || typeof app !== 'object' || typeof app.definition?.schema !== 'object') {
    throw invalid('supervisor option app must be an AppModule: an object with definition.schema (a zod schema)');
  }
  const workerFile = workerModuleFile(options.worker, 'supervisor option worker');
  let watchDebounceMs: number | undefined;
  if (options.watch === true) watchDebounceMs = 100;
  else if (typeof options.watch === 'object' && options.watch !== null) watchDebounceMs = option('watch.debounceMs', options.watch.debounceMs, 100, 0, 60_000);
  return {
    configFile: resolve(options.configFile),
    app: app as AppModule<C, State>,
    appModuleUrl: options.appModule === undefined ? undefined : moduleUrl(options.appModule, 'supervisor option appModule'),
    loaderNice: option('loaderNice', options.loaderNice, DEFAULT_LOADER_NICE, 0, 19),
    loaderIdleMs: option('loaderIdleMs', options.loaderIdleMs, 30_000, 0, 2 ** 31 - 1),
    primaryLoadBytes: option('primaryLoadBytes', options.primaryLoadBytes, DEFAULT_PRIMARY_LOAD_BYTES, 0, 2 ** 31 - 1),
    warmUpLoads: option('warmUpLoads', options.warmUpLoads, DEFAULT_WARM_UP_LOADS, 0, 1_000_000),
    warmUpAfterReloads: option('warmUpAfterReloads', options.warmUpAfterReloads, 3, 1, 1_000_000),
    workerFile,
    threads: option('threads', options.threads, availableParallelism(), 1, 1024),
    drainTimeoutMs: option('drainTimeoutMs', options.drainTimeoutMs, 10_000, 0, 2 ** 31 - 1),
    historySize: option('historySize', options.historySize, 20, 1, 10_000),
    watchDebounceMs,
    concurrentTasksPerWorker: option('concurrentTasksPerWorker', options.concurrentTasksPerWorker, 1, 1, 1000),
    logger: options.logger ?? silentLogger,
    store: options.store,
    load: options.load,
    // Each generation's decoded config survives a few scavenges in every worker, and V8 answers
    // survival by growing the young generation to its cap (32 MiB here) and keeping it: measured
    // by the memory-churn bench, RSS +37% from 1,000 to 10,000 reloads with heap in use flat.
    // 8 MiB bounds that at no measured cost in verdicts/s; the user's own limits win.
    resourceLimits: { maxYoungGenerationSizeMb: DEFAULT_YOUNG_GENERATION_MB, ...options.resourceLimits },
    signals: options.signals === true,
    http: httpOptions(options.http),
    configRevision: option('configRevision', options.configRevision, 0, 0, 2 ** 31 - 1),
  };
}
