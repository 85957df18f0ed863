import { createStore } from '@genswap/core';
import { ConfigError, ListCache, type LoadOptions } from '@genswap/config';
import { importAppModule } from './app-module.js';
import { roundMs as round } from './duration.js';
import { COLLECT_AFTER_PARSE_MS, collectGarbage } from './collect-garbage.js';
import { type GenerationLoader, inlineLoader, loadGeneration } from './load-generation.js';
import { LoaderThread } from './loader-thread.js';
import { PrimaryFirstLoader } from './primary-first-loader.js';
import { type ResolvedOptions, type SupervisorOptions, invalidOption, resolveOptions } from './options.js';
import { handleSignals } from './signals.js';
import { Supervisor } from './supervisor.js';
import { GenerationLabels } from './generation-labels.js';

/** The loader thread imports `appModule` itself: it must be where `app` came from, or reloads would load another app. */
async function checkSameApp<C, State>(opts: ResolvedOptions<C, State>, appModuleUrl: string): Promise<void> {
  const { definition } = (await importAppModule(appModuleUrl, 'supervisor option appModule')).app;
  // A bare-schema definition is wrapped afresh on each import, so compare what it is made of.
  if (definition.schema !== opts.app.definition.schema || definition.compile !== opts.app.definition.compile) {
    throw invalidOption(`supervisor option appModule: ${appModuleUrl} exports another app than the app option (its definition differs)`);
  }
}

/**
 * Loads and validates the config (rejecting with the ConfigError and its located problems if
 * it is bad), publishes it as generation 1, starts the pool and checks one worker can load
 * the worker module. Generation 1 goes through the same loadGeneration as every reload, on the
 * primary's thread (nothing serves yet, so nothing waits for it); so do reloads that read
 * little, the others run in the loader thread, which starts with the first of them
 * (primary-first-loader.ts); all share generation 1's list cache. Rejects with
 * GENSWAP_SUPERVISOR_INVALID_OPTION for bad options, GENSWAP_SUPERVISOR_MODULE for a module
 * that cannot be resolved.
 */
export async function createSupervisor<C, State = unknown>(options: SupervisorOptions<C, State>): Promise<Supervisor<C, State>> {
  const opts = resolveOptions(options);
  const log = opts.logger.child({ component: 'supervisor' });
  const t0 = performance.now();
  if (opts.appModuleUrl !== undefined) await checkSameApp(opts, opts.appModuleUrl);
  const load: LoadOptions = { listCache: new ListCache(), ...opts.load };
  const loaded = await loadGeneration(opts.configFile, opts.app, load);
  if (!loaded.ok) throw new ConfigError(opts.configFile, loaded.problems);
  // A big list's scratch memory is not left to an idle collector (collect-garbage.ts).
  if (loaded.timings.parseMs >= COLLECT_AFTER_PARSE_MS) collectGarbage();
  const listCache = load.listCache ?? new ListCache();
  const loader: GenerationLoader =
    opts.appModuleUrl === undefined
      ? inlineLoader(opts.app, load)
      : new PrimaryFirstLoader(
          opts.app,
          { ...load, listCache },
          opts.primaryLoadBytes,
          { loads: opts.warmUpLoads, afterReloads: opts.warmUpAfterReloads, log },
          new LoaderThread({ moduleUrl: opts.appModuleUrl, load: opts.load, nice: opts.loaderNice }, { idleMs: opts.loaderIdleMs, cache: listCache }),
        );
  let supervisor: Supervisor<C, State>;
  try {
    const store = createStore<C>({
      maxReaders: Math.max(64, opts.threads * 2),
      ...opts.store,
      ...(opts.app.codec !== undefined ? { codec: opts.app.codec } : {}),
    });
    const labels = new GenerationLabels();
    labels.set(1, opts.configRevision); // L1: before generation 1 is published
    await store.publishEncoded(loaded.bytes);
    const state = opts.app.createState?.() as State;
    supervisor = new Supervisor<C, State>(opts, store, loader, loaded.files, state, labels);
  } catch (err) {
    await loader.close();
    throw err;
  }
  try {
    await supervisor.probe();
  } catch (err) {
    await supervisor.close({ drainTimeoutMs: 0 });
    throw err;
  }
  if (opts.signals) {
    // The listeners stay for the life of the process: after close(), SIGTERM exits at once.
    handleSignals({
      onReload: () => void supervisor.reload({ trigger: 'signal' }).catch((err: unknown) => log.warn({ err }, 'reload refused')),
      onShutdown: async () => {
        await supervisor.close();
      },
      logger: opts.logger,
    });
  }
  log.info({ generation: supervisor.generation, threads: opts.threads, configFile: opts.configFile, files: supervisor.files, durationMs: round(performance.now() - t0) }, 'supervisor started');
  return supervisor;
}
