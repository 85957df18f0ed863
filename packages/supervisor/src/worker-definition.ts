import type { Codec } from '@genswap/core';
import { SupervisorError } from './errors.js';
import type { Handler } from './worker.js';

/**
 * What defineWorker() leaves on the function it returns, so one handler module serves both ways
 * of running it: as a piscina task function (supervisor.run) and in the HTTP threads of
 * `genswap serve`, which call the handler directly. Symbol.for: the module may be loaded more than
 * once (two copies of @genswap/supervisor), and the key must still match.
 */
export const WORKER_DEFINITION = Symbol.for('genswap.worker-definition');

export interface WorkerDefinition {
  readonly handler: Handler<any, any, any, any>;
  readonly codec: Codec<any> | undefined;
}

/** The definition in a handler module's namespace (its default export), or a GENSWAP_WORKER_NOT_WRAPPED error. */
export function workerDefinitionOf(namespace: unknown, where: string): WorkerDefinition {
  const entry = (namespace as { default?: unknown } | null)?.default;
  const def = typeof entry === 'function' ? (entry as { [WORKER_DEFINITION]?: WorkerDefinition })[WORKER_DEFINITION] : undefined;
  if (def === undefined || typeof def.handler !== 'function') {
    throw new SupervisorError('GENSWAP_WORKER_NOT_WRAPPED', `worker module ${where}: its default export is not a defineWorker() function`);
  }
  return def;
}
