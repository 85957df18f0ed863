import { createStore } from '@genswap/core';
import { loadConfig } from '@genswap/config';
import { resolveOptions } from './options.js';
import { roundMs as round } from './duration.js';
import { Supervisor } from './supervisor.js';
import type { SupervisorOptions } from './types.js';

/**
 * Loads and validates the config (rejecting with the ConfigError and its located problems if
 * it is bad), publishes it as generation 1, starts the pool and checks one worker can load
 * the worker module. Rejects with GENSWAP_SUPERVISOR_INVALID_OPTION for bad options.
 */
export async function createSupervisor<C, State = unknown>(options: SupervisorOptions<C, State>): Promise<Supervisor<C, State>> {
  const opts = resolveOptions(options);
  const log = opts.logger.child({ component: 'supervisor' });
  const t0 = performance.now();
  const loaded = await loadConfig(opts.configFile, opts.app.definition, opts.load);
  const store = createStore<C>({
    maxReaders: Math.max(64, opts.threads * 2),
    ...opts.store,
    ...(opts.app.codec !== undefined ? { codec: opts.app.codec } : {}),
  });
  await store.publish(loaded.value as C);
  const state = opts.app.createState?.() as State;
  const supervisor = new Supervisor<C, State>(opts, store, loaded.files, state);
  try {
    await supervisor.probe();
  } catch (err) {
    await supervisor.close({ drainTimeoutMs: 0 });
    throw err;
  }
  log.info({ generation: store.generation, threads: opts.threads, configFile: opts.configFile, files: loaded.files, durationMs: round(performance.now() - t0) }, 'supervisor started');
  return supervisor;
}
