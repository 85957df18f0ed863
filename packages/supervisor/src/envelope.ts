import type { RemoteError } from './errors.js';

/**
 * What a defineWorker task sends back to the primary. The generation travels with the result
 * so the caller can say which config answered (serve's `x-genswap-generation`). Handler errors
 * travel as data rather than as thrown errors: structured clone drops an error's extra fields,
 * and the generation of a failed task is still worth knowing.
 */
export type TaskEnvelope<R> =
  | { readonly kind: typeof ENVELOPE_KIND; readonly ok: true; readonly generation: number; readonly threadId: number; readonly result: R }
  | { readonly kind: typeof ENVELOPE_KIND; readonly ok: false; readonly generation: number; readonly threadId: number; readonly error: RemoteError };

export const ENVELOPE_KIND = 'genswap.task';

export function isEnvelope(value: unknown): value is TaskEnvelope<unknown> {
  return typeof value === 'object' && value !== null && (value as { kind?: unknown }).kind === ENVELOPE_KIND;
}

export function toRemoteError(err: unknown): RemoteError {
  if (err instanceof Error) {
    const code = (err as { code?: unknown }).code;
    return {
      name: err.name,
      message: err.message,
      ...(typeof code === 'string' ? { code } : {}),
      ...(err.stack !== undefined ? { stack: err.stack } : {}),
    };
  }
  return { name: 'NonError', message: String(err) };
}

/**
 * The task createSupervisor sends once at start-up: it makes one worker load the module and
 * attach to the store (codec and handle checked) without calling the handler, so a worker
 * module that fails to load or is not wrapped by defineWorker fails start-up, not the first request.
 */
export const PROBE_TASK = Object.freeze({ kind: 'genswap.probe' as const });

export function isProbe(task: unknown): boolean {
  return typeof task === 'object' && task !== null && (task as { kind?: unknown }).kind === PROBE_TASK.kind;
}
