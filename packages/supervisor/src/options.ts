import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { intOption } from '@genswap/core';
import { SupervisorError } from './errors.js';
import { silentLogger } from './silent-logger.js';
import type { ResourceLimits } from 'node:worker_threads';
import type { LoadOptions } from '@genswap/config';
import type { AppModule, StoreOptions, SupervisorLogger, SupervisorOptions } from './types.js';
import { type ResolvedHttpLimits, resolveHttpLimits } from './http/http-limits.js';
import type { ListenMode } from './http/listen-socket.js';

export interface ResolvedHttpOptions {
  readonly host: string;
  readonly port: number;
  readonly listenMode: ListenMode;
  readonly limits: ResolvedHttpLimits;
  readonly stallTimeoutMs: number;
  readonly startTimeoutMs: number;
}

export interface ResolvedOptions<C, State> {
  readonly configFile: string;
  readonly app: AppModule<C, State>;
  /** file: URL of the app module for the loader thread; undefined: reloads on the primary's thread. */
  readonly appModuleUrl: string | undefined;
  readonly loaderNice: number;
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
  /** undefined: a task pool (run()); else HTTP threads. */
  readonly http: ResolvedHttpOptions | undefined;
}

/** Default nice steps of the loader thread below the primary. */
export const DEFAULT_LOADER_NICE = 10;

/** Default cap of each worker's young generation (V8 new space), MiB. */
export const DEFAULT_YOUNG_GENERATION_MB = 8;

function invalid(message: string): SupervisorError {
  return new SupervisorError('GENSWAP_SUPERVISOR_INVALID_OPTION', message);
}

function option(name: string, value: number | undefined, fallback: number, min: number, max: number): number {
  return intOption(`supervisor option ${name}`, value, fallback, min, max, invalid);
}

function appModuleUrl(module: unknown): string | undefined {
  if (module === undefined) return undefined;
  if (module instanceof URL) return module.href;
  if (typeof module !== 'string' || module === '') throw invalid('supervisor option appModule must be a path or URL of the module app comes from');
  return /^[a-z][a-z0-9+.-]*:/i.test(module) && !/^[a-z]:[\\/]/i.test(module) ? module : pathToFileURL(resolve(module)).href;
}

function workerPath(worker: unknown): string {
  if (worker instanceof URL) return fileURLToPath(worker);
  if (typeof worker !== 'string' || worker === '') throw invalid('supervisor option worker must be a path or file URL of the worker module');
  return worker.startsWith('file:') ? fileURLToPath(worker) : resolve(worker);
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
  const workerFile = workerPath(options.worker);
  if (!existsSync(workerFile)) throw invalid(`supervisor option worker: module ${workerFile} does not exist (workers load compiled JavaScript)`);
  let watchDebounceMs: number | undefined;
  if (options.watch === true) watchDebounceMs = 100;
  else if (typeof options.watch === 'object' && options.watch !== null) watchDebounceMs = option('watch.debounceMs', options.watch.debounceMs, 100, 0, 60_000);
  return {
    configFile: resolve(options.configFile),
    app: app as AppModule<C, State>,
    appModuleUrl: appModuleUrl(options.appModule),
    loaderNice: option('loaderNice', options.loaderNice, DEFAULT_LOADER_NICE, 0, 19),
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
    http: httpOptions(options.http),
  };
}
