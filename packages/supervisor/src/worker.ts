/**
 * The worker-side entry, `@genswap/supervisor/worker`. Kept free of pino, piscina and
 * prom-client so a worker thread starts with nothing but @genswap/core loaded.
 */
import { threadId, workerData } from 'node:worker_threads';
import { attachReader, type Codec, type GenerationReader, type StoreHandle } from '@genswap/core';
import { ENVELOPE_KIND, isProbe, type TaskEnvelope, toRemoteError } from './envelope.js';
import { SupervisorError } from './errors.js';
import { WORKER_DEFINITION, type WorkerDefinition } from './worker-definition.js';
export type { TaskEnvelope } from './envelope.js';

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

/** What createSupervisor hands each worker through piscina's workerData. */
export interface SupervisedWorkerData<State = unknown> {
  readonly handle: StoreHandle;
  readonly state: State;
}

export interface DefineWorkerOptions<Config> {
  /** Must be the codec of the app (same name); default JSON. */
  readonly codec?: Codec<Config>;
}

/** The function piscina calls per task; export it as the module's default export. */
export type WorkerEntry<Task, Result> = (task: Task) => Promise<TaskEnvelope<Result>>;

function supervisedData(): SupervisedWorkerData {
  const data = workerData as Partial<SupervisedWorkerData> | null | undefined;
  if (data === null || typeof data !== 'object' || data.handle === undefined) {
    throw new SupervisorError('GENSWAP_WORKER_NOT_SUPERVISED', `worker thread ${threadId} has no genswap store handle in workerData`);
  }
  return data as SupervisedWorkerData;
}

/**
 * Wraps a handler `(task, config, ctx)` into a piscina task function. Each task pins the
 * generation current when it starts and releases the pin when the handler returns, throws
 * or its promise settles; the config it gets is that generation's value, valid until then
 * (do not keep references to it after the handler settles: a zero-copy codec's value aliases
 * shared memory that is rewritten once unpinned). A task killed with its thread (abort,
 * crash) never releases: the supervisor releases the dead thread's pins when it exits.
 *
 * Type the config with the app's compiled type: `(task: HttpTask, config: ConfigOf<typeof app>)`.
 */
export function defineWorker<Config, Task = unknown, Result = unknown, State = unknown>(
  handler: Handler<Task, Config, Result, State>,
  options: DefineWorkerOptions<Config> = {},
): WorkerEntry<Task, Result> {
  // The reader is attached on the first task, not at import: piscina imports the module before
  // the worker is ready, and a thread that never runs a task needs no pin row.
  let reader: GenerationReader<Config> | undefined;
  let state: State | undefined;

  const entry = async function genswapTask(task: Task): Promise<TaskEnvelope<Result>> {
    if (reader === undefined) {
      const data = supervisedData();
      reader = attachReader<Config>(data.handle, options.codec === undefined ? {} : { codec: options.codec });
      state = data.state as State;
    }
    if (isProbe(task)) {
      return { kind: ENVELOPE_KIND, ok: true, generation: reader.currentGeneration, threadId, result: undefined as Result };
    }
    const lease = reader.acquire();
    const ctx: TaskContext<State> = { generation: lease.generation, threadId, state: state as State };
    try {
      const result = await handler(task, lease.value, ctx);
      return { kind: ENVELOPE_KIND, ok: true, generation: lease.generation, threadId, result };
    } catch (err) {
      return { kind: ENVELOPE_KIND, ok: false, generation: lease.generation, threadId, error: toRemoteError(err) };
    } finally {
      lease.release();
    }
  };
  const definition: WorkerDefinition = { handler, codec: options.codec };
  return Object.assign(entry, { [WORKER_DEFINITION]: definition });
}
