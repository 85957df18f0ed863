import { GenswapError } from '@genswap/core';

/**
 * The error registry of @genswap/supervisor: stable code -> what to do. Codes are never
 * reused. The README's error table is kept in step with this registry by a test.
 */
export const SUPERVISOR_ERRORS = {
  GENSWAP_SUPERVISOR_INVALID_OPTION: 'Fix the supervisor option named in the message; its accepted values are given there.',
  GENSWAP_SUPERVISOR_CLOSED: 'The supervisor is shutting down or closed; create a new one (or retry against the replacement process).',
  GENSWAP_TASK_FAILED: 'The handler threw or rejected: see the message and `remote` (name, message, stack) for where.',
  GENSWAP_TASK_ABORTED: 'The caller aborted the task; its worker was replaced and its pins released. Nothing to do.',
  GENSWAP_TASK_LOST: 'The worker died under the task (crash, process.exit, resourceLimits) or the pool refused it; see cause. The worker was replaced.',
  GENSWAP_WORKER_NOT_WRAPPED: 'Export the handler as `export default defineWorker(handler)` from @genswap/supervisor/worker.',
  GENSWAP_WORKER_NOT_SUPERVISED: 'Load this worker module through createSupervisor (or `genswap serve --handler`); it needs the store handle in workerData.',
  GENSWAP_RELOAD_FAILED: 'An unexpected error stopped the reload before publishing; the running generation is untouched. See the message.',
  GENSWAP_SUPERVISOR_MODULE: 'Point --schema / appModule at a compiled JavaScript module exporting an AppModule ({ definition, codec?, createState? }) as `app` or default, or `definition` by name; point --handler / worker at a compiled worker module (`export default defineWorker(...)`). Paths are resolved against the current directory.',
  GENSWAP_ADMIN_NOT_LOOPBACK: 'Bind the admin listener to a loopback address (127.0.0.1 or ::1); it can reload and expose internals.',
  GENSWAP_HTTP_LISTEN_FAILED: 'Pick another listen address or port (or stop what holds it); the message says why the socket could not be bound.',
  GENSWAP_HTTP_THREAD_FAILED: 'An HTTP thread could not start: fix the handler module named in the message (it must load and export defineWorker(handler)).',
  GENSWAP_SUPERVISOR_NO_POOL: 'This supervisor serves HTTP from its own threads and has no task pool; create one without the http option to call run().',
  GENSWAP_ADMIN_SOCKET_PATH: 'Point the admin socket at a path that is free or holds a stale socket; genswap never deletes another kind of file there.',
  GENSWAP_ADMIN_TOKEN: 'Give the admin token a non-empty value (a file with the token, or an environment variable holding it).',
} as const;

export type SupervisorErrorCode = keyof typeof SUPERVISOR_ERRORS;

export class SupervisorError extends GenswapError {
  constructor(code: SupervisorErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, SUPERVISOR_ERRORS[code], options);
  }
}

/** The handler's error as the worker saw it (errors lose their class and extra fields crossing threads). */
export interface RemoteError {
  readonly name: string;
  readonly message: string;
  readonly code?: string;
  readonly stack?: string;
}

/** A task failed in the handler; `generation` names the config it ran on. */
export class TaskFailedError extends SupervisorError {
  readonly generation: number;
  readonly threadId: number;
  readonly remote: RemoteError;

  constructor(generation: number, threadId: number, remote: RemoteError) {
    super('GENSWAP_TASK_FAILED', `handler failed on generation ${generation} in thread ${threadId}: ${remote.name}: ${remote.message}`);
    this.generation = generation;
    this.threadId = threadId;
    this.remote = remote;
  }
}
