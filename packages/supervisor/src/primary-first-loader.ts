import type { LoadOptions } from '@genswap/config';
import type { AppModule } from './app-contract.js';
import { COLLECT_AFTER_PARSE_MS, collectGarbage } from './collect-garbage.js';
import { type GenerationLoader, loadGeneration, type LoadOutcome } from './load-generation.js';
import type { LoaderThread } from './loader-thread.js';

/**
 * Where reloads run when the supervisor has a loader thread: on the primary's own thread when
 * the reload reads little, in the loader thread when it would read more.
 *
 * A reload first runs here with a read budget (LoadOptions.readBudget, supervisor option
 * primaryLoadBytes): the config file and the list files it reads, together. A list file reused
 * from the list cache by its unchanged identity is not read, so a one-rule change beside an
 * unchanged million-entry list stays here too. A load that would read more stops before that
 * read (GENSWAP_CONFIG_OVER_BUDGET, never shown) and is run again, whole, in the loader thread,
 * where parsing a million lines does not hold up the primary's event loop. The wasted part is
 * reading and checking the config, a fraction of a millisecond beside the big read that follows.
 *
 * Why not always the thread: a small reload there costs two message hops and two thread
 * wake-ups, about as much CPU as the load itself (~0.5 ms on the reference machine). Reloads
 * are serialized by the supervisor, so loads here and in the thread never overlap; both use the
 * same list cache (the thread's is kept in step, loader-thread.ts).
 */
export class PrimaryFirstLoader implements GenerationLoader {
  private readonly options: LoadOptions;

  constructor(
    private readonly app: AppModule,
    load: LoadOptions,
    private readonly budget: number,
    private readonly thread: LoaderThread,
  ) {
    // Blocking reads: a read within the budget is a few tens of microseconds, less than the
    // thread-pool round trips of an asynchronous one.
    this.options = { ...load, blockingRead: true, readBudget: Math.min(budget, load.readBudget ?? budget) };
  }

  /** Whether the loader thread is running now (it starts with the first reload over the budget). */
  get started(): boolean {
    return this.thread.started;
  }

  async load(configFile: string): Promise<LoadOutcome> {
    if (this.budget > 0) {
      const outcome = await loadGeneration(configFile, this.app, this.options);
      if (outcome.ok) {
        if (outcome.timings.parseMs >= COLLECT_AFTER_PARSE_MS) collectGarbage();
        return { ...outcome, loadedOn: 'primary' };
      }
      if (!outcome.problems.some((p) => p.code === 'GENSWAP_CONFIG_OVER_BUDGET')) return outcome;
    }
    return this.thread.load(configFile);
  }

  close(): Promise<void> {
    return this.thread.close();
  }
}
