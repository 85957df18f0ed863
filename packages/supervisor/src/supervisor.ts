import { EventEmitter } from 'node:events';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Piscina } from 'piscina';
import type { GenerationStore } from '@genswap/core';
import type { ConfigProblem } from '@genswap/config';
import { CoalescingQueue, type RunInfo } from './coalescing-queue.js';
import { ConfigWatcher } from './config-watcher.js';
import { roundMs as round } from './duration.js';
import { InFlight } from './in-flight.js';
import { HttpThreads } from './http/http-threads.js';
import { isEnvelope, PROBE_TASK } from './envelope.js';
import type { GenerationLoader } from './load-generation.js';
import { isoTime } from './iso-time.js';
import { SupervisorError, TaskFailedError } from './errors.js';
import { SupervisorMetrics } from './metrics.js';
import type { ResolvedOptions } from './options.js';
import { problemsOf } from './problems.js';
import { RingBuffer } from './ring-buffer.js';
import type { SupervisorLogger } from './logger.js';
import type { ReloadRecord, ReloadSource, ReloadTimings, ReloadTrigger } from './reload-record.js';
import type { GenerationLabels } from './generation-labels.js';

/** One reload request: why, and (from a config source) which file and revision to read. */
interface ReloadRequest {
  readonly trigger: ReloadTrigger;
  readonly from: ReloadSource | undefined;
}
import type { SupervisorCounters, SupervisorStatus } from './status.js';
import type { RunOptions, SupervisorEvents, TaskResult } from './supervisor-events.js';
import { type TrackedExit, WorkerTracker } from './worker-tracker.js';

/** What piscina's workers load (see piscina-entry.cts). */
const PISCINA_ENTRY = fileURLToPath(new URL('./piscina-entry.cjs', import.meta.url));

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

const triggersOf = (info: RunInfo<ReloadRequest>): ReloadTrigger[] => [...new Set(info.metas.map((m) => m.trigger))];


/**
 * The primary side: owns the config file, the generation store and the piscina pool.
 * Create it with createSupervisor(). Tasks run on the generation current when they start;
 * reloads are serialized and coalesced; a failed reload changes nothing that runs.
 */
export class Supervisor<C = unknown, State = unknown> extends EventEmitter<SupervisorEvents> {
  readonly store: GenerationStore<C>;
  readonly metrics: SupervisorMetrics;

  private readonly opts: ResolvedOptions<C, State>;
  private readonly log: SupervisorLogger;
  /** The task pool (run()); undefined when the supervisor serves HTTP from its own threads. */
  private readonly pool: Piscina | undefined;
  private httpThreads: HttpThreads | undefined;
  private readonly tracker: WorkerTracker;
  private readonly reloads: CoalescingQueue<ReloadRecord, ReloadRequest>;
  private readonly history: RingBuffer<ReloadRecord>;
  private readonly watcher: ConfigWatcher | undefined;
  /** Loads every generation: off the primary's thread when the app module is known (LoaderThread). */
  private readonly loader: GenerationLoader;
  private readonly counters: Mutable<SupervisorCounters> = {
    reloadRequests: 0,
    reloadsOk: 0,
    reloadsFailed: 0,
    tasksOk: 0,
    tasksFailed: 0,
    tasksAborted: 0,
    tasksLost: 0,
    workerExits: 0,
    deadWorkerPinsReleased: 0,
  };
  private readonly startedAt = new Date();
  private currentFiles: readonly string[];
  /** The config file of the current generation (reloads without `from` read it) and its revision. */
  private source: Required<ReloadSource>;
  /** Generation -> revision, read by the HTTP threads (generation-labels.ts). */
  private readonly labels: GenerationLabels;
  private state: SupervisorStatus['state'] = 'running';
  private readonly inFlight = new InFlight();
  private closing: Promise<boolean> | undefined;

  /** @internal use createSupervisor() */
  private readonly sharedState: State;
  /** The worker module, as the URL both piscina's workers and the HTTP threads import. */
  private readonly workerModuleUrl: string;

  constructor(opts: ResolvedOptions<C, State>, store: GenerationStore<C>, loader: GenerationLoader, files: readonly string[], state: State, labels: GenerationLabels) {
    super();
    this.sharedState = state;
    this.opts = opts;
    this.workerModuleUrl = pathToFileURL(opts.workerFile).href;
    this.source = { configFile: opts.configFile, revision: opts.configRevision };
    this.labels = labels;
    this.store = store;
    this.currentFiles = files;
    this.log = opts.logger.child({ component: 'supervisor' });
    this.history = new RingBuffer(opts.historySize);
    this.loader = loader;
    this.metrics = new SupervisorMetrics(() => this.status());
    this.reloads = new CoalescingQueue(
      (info) => this.runReload(info),
      (err, info) => this.recordReload(this.failure(info, problemsOf(err, this.configFile), isoTime(Date.now()), 0), err),
    );
    this.tracker = new WorkerTracker((exit) => this.onWorkerExit(exit));
    this.pool = opts.http !== undefined ? undefined : new Piscina({
      // piscina-entry.cts: the worker module is loaded with import(), never require()d.
      filename: PISCINA_ENTRY,
      loadBalancer: this.tracker.balancer(opts.concurrentTasksPerWorker),
      minThreads: opts.threads,
      maxThreads: opts.threads,
      concurrentTasksPerWorker: opts.concurrentTasksPerWorker,
      // piscina's default 'sync' mode parks a worker in Atomics.wait between tasks, which would
      // freeze the timers and I/O of a second task sharing the worker.
      ...(opts.concurrentTasksPerWorker > 1 ? { atomics: 'async' as const } : {}),
      resourceLimits: opts.resourceLimits,
      workerData: { handle: store.handle, state, workerModule: this.workerModuleUrl },
    });
    if (this.pool !== undefined) {
      // Without a listener, an error of a worker with no task to fail would crash the process.
      this.pool.on('error', (err: unknown) => this.log.error({ err }, 'worker pool error'));
      this.tracker.attach(this.pool);
    }
    this.watcher =
      opts.watchDebounceMs === undefined
        ? undefined
        : new ConfigWatcher({
            files,
            debounceMs: opts.watchDebounceMs,
            logger: this.log,
            onChange: (changed) => {
              this.log.info({ files: changed }, 'config change detected');
              if (this.state === 'running') void this.reload({ trigger: 'watch' });
            },
          });
  }

  /** The config file the current generation was read from; reloads read it again unless told otherwise. */
  get configFile(): string {
    return this.source.configFile;
  }

  /** The revision of the current generation's config source (fleet mode), 0 for none. */
  get revision(): number {
    return this.source.revision;
  }

  /** The generation new tasks get. */
  get generation(): number {
    return this.store.generation;
  }

  /** Where the HTTP threads listen (option http), else undefined. */
  get http(): { readonly url: string; readonly address: import('node:net').AddressInfo } | undefined {
    return this.httpThreads === undefined ? undefined : { url: this.httpThreads.url, address: this.httpThreads.address };
  }

  /** Files the current generation was read from (config first, then list files). */
  get files(): readonly string[] {
    return this.currentFiles;
  }

  /**
   * Runs `task` on a worker with the generation current when it starts. Resolves with the
   * handler's result and that generation. Rejects with TaskFailedError (handler threw; it
   * knows the generation), GENSWAP_TASK_ABORTED, GENSWAP_TASK_LOST or GENSWAP_SUPERVISOR_CLOSED.
   */
  async run<R = unknown, T = unknown>(task: T, options: RunOptions = {}): Promise<TaskResult<R>> {
    if (this.state !== 'running') {
      this.metrics.taskDone('rejected');
      throw new SupervisorError('GENSWAP_SUPERVISOR_CLOSED', `task refused: the supervisor is ${this.state}`);
    }
    if (this.pool === undefined) {
      throw new SupervisorError('GENSWAP_SUPERVISOR_NO_POOL', 'run() refused: this supervisor serves HTTP from its threads (option http) and has no task pool');
    }
    const pool = this.pool;
    this.inFlight.enter();
    try {
      let raw: unknown;
      try {
        raw = await pool.run(task, options.signal === undefined ? {} : { signal: options.signal });
      } catch (err) {
        if (options.signal?.aborted === true) {
          this.countTask('tasksAborted', 'aborted');
          throw new SupervisorError('GENSWAP_TASK_ABORTED', 'task aborted by the caller; its worker is being replaced', { cause: err });
        }
        this.countTask('tasksLost', 'lost');
        throw new SupervisorError('GENSWAP_TASK_LOST', `task lost: ${(err as Error)?.message ?? String(err)}`, { cause: err });
      }
      if (!isEnvelope(raw)) {
        this.countTask('tasksLost', 'lost');
        throw new SupervisorError('GENSWAP_WORKER_NOT_WRAPPED', `worker module ${this.opts.workerFile} returned a bare value, not a defineWorker result`);
      }
      if (!raw.ok) {
        this.countTask('tasksFailed', 'failed');
        throw new TaskFailedError(raw.generation, raw.threadId, raw.error);
      }
      this.countTask('tasksOk', 'ok');
      return { generation: raw.generation, threadId: raw.threadId, result: raw.result as R };
    } finally {
      this.inFlight.leave();
    }
  }

  /**
   * Re-reads and validates the config file and publishes it as a new generation. Never rejects
   * for a bad config: the outcome says ok: false with the problems, and the running generation
   * is untouched. Calls made while a reload runs coalesce into one more reload (which reads the
   * file when it starts, so the latest file wins) and all get its outcome. Rejects only when
   * the supervisor is closing or closed.
   */
  reload(options: { trigger?: ReloadTrigger; from?: ReloadSource } = {}): Promise<ReloadRecord> {
    if (this.state !== 'running') {
      return Promise.reject(new SupervisorError('GENSWAP_SUPERVISOR_CLOSED', `reload refused: the supervisor is ${this.state}`));
    }
    this.counters.reloadRequests++;
    this.metrics.reloadRequested();
    return this.reloads.request({ trigger: options.trigger ?? 'api', from: options.from });
  }

  status(): SupervisorStatus {
    const store = this.store.stats();
    const http = this.httpThreads?.status();
    return {
      pid: process.pid,
      state: this.state,
      startedAt: this.startedAt.toISOString(),
      uptimeMs: Math.round(Date.now() - this.startedAt.getTime()),
      configFile: this.configFile,
      ...(this.source.revision > 0 ? { revision: this.source.revision } : {}),
      files: this.currentFiles,
      generation: store.generation,
      store,
      workers: {
        threads: this.opts.threads,
        alive: this.httpThreads?.aliveCount ?? this.tracker.aliveCount,
        threadIds: this.httpThreads?.threadIds ?? this.tracker.threadIds,
      },
      // With HTTP threads, a task is a request: the threads' in-flight requests count here.
      tasks: { inFlight: this.inFlight.count + (http?.threads.reduce((n, t) => n + t.inFlight, 0) ?? 0) },
      ...(http !== undefined ? { http } : {}),
      reloads: { inProgress: this.reloads.isRunning, queued: this.reloads.isQueued, loaderThread: this.loader.started === true, warmUpLoads: this.loader.warmUpLoads ?? 0, history: this.history.toArray() },
      counters: { ...this.counters },
    };
  }

  /**
   * Graceful shutdown: refuses new tasks and reloads, lets a running reload finish, waits for
   * in-flight tasks (with option http: requests) up to `drainTimeoutMs` (then terminates them),
   * and stops the workers. Resolves true when everything in flight finished within the timeout.
   * Idempotent; later calls return the same promise.
   */
  close(options: { drainTimeoutMs?: number } = {}): Promise<boolean> {
    this.closing ??= this.shutdown(options.drainTimeoutMs ?? this.opts.drainTimeoutMs);
    return this.closing;
  }

  /**
   * @internal start-up: with option http, binds the address and starts the HTTP threads (each
   * loads the worker module and must be serving); else runs PROBE_TASK on the pool.
   */
  async probe(): Promise<void> {
    const http = this.opts.http;
    if (http !== undefined) {
      this.httpThreads = await HttpThreads.start({
        host: http.host,
        port: http.port,
        mode: http.listenMode,
        threads: this.opts.threads,
        limits: http.limits,
        stallTimeoutMs: http.stallTimeoutMs,
        startTimeoutMs: http.startTimeoutMs,
        moduleUrl: this.workerModuleUrl,
        storeHandle: this.store.handle,
        labels: this.labels.buffer,
        state: this.sharedState,
        resourceLimits: this.opts.resourceLimits,
        logger: this.opts.logger,
        onExit: ({ threadId, exitCode, expected }) => this.onWorkerExit({ threadId, exitCode }, expected),
      });
      return;
    }
    const raw = await this.pool!.run(PROBE_TASK);
    if (!isEnvelope(raw)) {
      throw new SupervisorError('GENSWAP_WORKER_NOT_WRAPPED', `worker module ${this.opts.workerFile}: its default export is not a defineWorker() function`);
    }
  }

  private async shutdown(drainTimeoutMs: number): Promise<boolean> {
    const t0 = performance.now();
    this.state = 'closing';
    this.log.info({ inFlight: this.inFlight.count, drainTimeoutMs }, 'supervisor closing');
    this.watcher?.close();
    await this.loader.close();
    this.store.close(); // a publish waiting for a free slot gives up now; readers keep working
    await this.reloads.idle();
    let drained = true;
    if (this.httpThreads !== undefined && !(await this.httpThreads.close(drainTimeoutMs))) {
      drained = false;
      this.log.warn({ drainTimeoutMs }, 'drain timed out');
    }
    if (!(await this.inFlight.idle(drainTimeoutMs))) {
      drained = false;
      this.log.warn({ inFlight: this.inFlight.count, drainTimeoutMs }, 'drain timed out');
    }
    await this.pool?.destroy();
    this.state = 'closed';
    this.log.info({ drained, durationMs: round(performance.now() - t0) }, 'supervisor closed');
    return drained;
  }

  private countTask(counter: 'tasksOk' | 'tasksFailed' | 'tasksAborted' | 'tasksLost', label: 'ok' | 'failed' | 'aborted' | 'lost'): void {
    this.counters[counter]++;
    this.metrics.taskDone(label);
  }

  private async runReload(info: RunInfo<ReloadRequest>): Promise<ReloadRecord> {
    const startedAt = isoTime(Date.now());
    // Synchronous, before the file is read: `genswap reload --pid-file` relies on this order.
    this.emit('reload-start', { id: info.id, requests: info.requests });
    const t0 = performance.now();
    // The newest source named by the coalesced requests; none named: the current one again.
    const named = info.metas.findLast((m) => m.from !== undefined)?.from;
    const source: Required<ReloadSource> = named === undefined ? this.source : { configFile: named.configFile, revision: named.revision ?? 0 };
    try {
      const loaded = await this.loader.load(source.configFile);
      if (!loaded.ok) return this.recordReload(this.failure(info, loaded.problems, startedAt, performance.now() - t0));
      this.labels.set(this.store.generation + 1, source.revision); // L1: before the publish
      const tPublish = performance.now();
      const generation = await this.store.publishEncoded(loaded.bytes);
      const { readMs, parseMs, validateMs, compileMs, encodeMs } = loaded.timings;
      const timings = { readMs, parseMs, validateMs, compileMs, encodeMs, publishMs: performance.now() - tPublish };
      // Only after the publish succeeded: a failure above leaves everything as it was.
      this.source = source;
      this.currentFiles = loaded.files;
      this.watcher?.update(loaded.files);
      return this.recordReload({
        ok: true,
        id: info.id,
        generation,
        durationMs: round(performance.now() - t0),
        files: loaded.files,
        ...(source.revision > 0 ? { revision: source.revision } : {}),
        timings: roundTimings(timings),
        ...(loaded.loadedOn !== undefined ? { loadedOn: loaded.loadedOn } : {}),
        startedAt,
        requests: info.requests,
        triggers: triggersOf(info),
      });
    } catch (err) {
      return this.recordReload(this.failure(info, problemsOf(err, source.configFile), startedAt, performance.now() - t0), err);
    }
  }

  private failure(info: RunInfo<ReloadRequest>, problems: readonly ConfigProblem[], startedAt: string, durationMs: number): ReloadRecord {
    return {
      ok: false,
      id: info.id,
      generation: this.store.generation,
      durationMs: round(durationMs),
      problems,
      startedAt,
      requests: info.requests,
      triggers: triggersOf(info),
    };
  }

  /** `cause`: the error of a failed reload, logged under err unless it is a plain ConfigError. */
  private recordReload(entry: ReloadRecord, cause?: unknown): ReloadRecord {
    this.history.push(entry);
    this.metrics.reloadDone(entry);
    const fields = { reloadId: entry.id, generation: entry.generation, durationMs: entry.durationMs, requests: entry.requests, triggers: entry.triggers };
    if (entry.ok) {
      this.counters.reloadsOk++;
      // { files, ...fields }, not { ...fields, files }: see loadedOn in load-generation.ts.
      this.log.info({ files: entry.files, ...fields }, 'reload succeeded');
    } else {
      this.counters.reloadsFailed++;
      const err = cause !== undefined && !Array.isArray((cause as { problems?: unknown }).problems) ? cause : undefined;
      this.log.warn({ ...fields, problems: entry.problems, ...(err !== undefined ? { err } : {}) }, 'reload failed');
    }
    this.emit('reload', entry);
    return entry;
  }

  private onWorkerExit({ threadId, exitCode }: TrackedExit, expectedExit = false): void {
    // The thread has stopped: nothing can touch its pin row any more (core invariant I4).
    const pinsReleased = this.store.releaseReader(threadId);
    const expected = expectedExit || this.state !== 'running';
    this.counters.deadWorkerPinsReleased += pinsReleased;
    if (expected) {
      this.log.debug({ threadId, exitCode, pinsReleased }, 'worker stopped');
    } else {
      this.counters.workerExits++;
      this.metrics.workerExited(pinsReleased);
      this.log.warn({ threadId, exitCode, pinsReleased }, 'worker exited');
      // piscina replaces a dead worker synchronously when it learns of the death, before the
      // 'exit' event; fewer threads now means it gave up (a worker failed while booting).
      if (this.pool !== undefined && this.pool.threads.length < this.opts.threads) {
        this.log.error({ threads: this.pool.threads.length, expected: this.opts.threads }, 'worker pool below size');
      }
    }
    this.emit('worker-exit', { threadId, exitCode, pinsReleased, expected });
  }
}

function roundTimings(t: ReloadTimings): ReloadTimings {
  return { readMs: round(t.readMs), parseMs: round(t.parseMs), validateMs: round(t.validateMs), compileMs: round(t.compileMs), encodeMs: round(t.encodeMs), publishMs: round(t.publishMs) };
}
