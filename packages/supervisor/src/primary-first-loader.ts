import { ListCache, type LoadOptions } from '@genswap/config';
import type { AppModule } from './app-contract.js';
import { COLLECT_AFTER_PARSE_MS, collectGarbage } from './collect-garbage.js';
import { type GenerationLoader, loadedOn, loadGeneration, type LoadOutcome } from './load-generation.js';
import type { LoaderThread } from './loader-thread.js';
import type { SupervisorLogger } from './logger.js';

/** The warm-up's dry loads (see SupervisorOptions.warmUpLoads). */
export interface WarmUp {
  /** How many; 0: none. */
  readonly loads: number;
  /** After this many reloads on the primary. */
  readonly afterReloads: number;
  readonly log: SupervisorLogger;
}

/** Dry loads run back to back, then the event loop gets a turn: a slice is a few ms (about 0.4 ms a load). */
const WARM_UP_SLICE = 8;

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
  private primaryReloads = 0;
  private warmUpDone = 0;
  private warmUpTimer: NodeJS.Timeout | undefined;
  /** Whether slices of the warm-up are scheduled or running now. */
  private warming = false;
  private closed = false;

  constructor(
    private readonly app: AppModule,
    load: LoadOptions,
    private readonly budget: number,
    private readonly warmUp: WarmUp,
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

  /** Dry loads of the warm-up done so far. */
  get warmUpLoads(): number {
    return this.warmUpDone;
  }

  async load(configFile: string): Promise<LoadOutcome> {
    if (this.budget > 0) {
      const outcome = await loadGeneration(configFile, this.app, this.options);
      if (outcome.ok) {
        if (outcome.timings.parseMs >= COLLECT_AFTER_PARSE_MS) collectGarbage();
        // The first time once afterReloads is reached, and again after a pause (see startWarmUp).
        if (++this.primaryReloads >= this.warmUp.afterReloads && this.warmUpDone < this.warmUp.loads && !this.warming) this.startWarmUp(configFile);
        return loadedOn(outcome, 'primary');
      }
      if (!outcome.problems.some((p) => p.code === 'GENSWAP_CONFIG_OVER_BUDGET')) return outcome;
    }
    return this.thread.load(configFile);
  }

  /**
   * Runs warmUp.loads dry loads of `configFile` (the one the reload that triggered it read) in
   * slices on this thread, so V8 optimizes the code every later reload runs (see
   * SupervisorOptions.warmUpLoads). A dry load is loadGeneration with the same options, except a
   * list cache of its own, copied from the real one: it reuses the compiled lists and changes
   * nothing a reload relies on. Nothing it loads is published or kept. Each load finishes within
   * its slice (reads are blocking; only an async schema would await), and slices run between
   * macrotasks, so reloads, signals and admin requests are never held for more than one slice.
   * After each slice the thread rests as long as the slice took. A dry load that fails (the file
   * changed and is bad, grew past the budget, or was caught halfway through an in-place write)
   * pauses it: the next reload that succeeds here resumes it, on the file that reload read, from
   * the count reached. An editor's or a script's write in place can no longer end it for good.
   */
  private startWarmUp(configFile: string): void {
    const dryCache = new ListCache({ entries: this.options.listCache?.entries() ?? [] });
    const options: LoadOptions = { ...this.options, listCache: dryCache };
    const t0 = performance.now();
    const slice = async (): Promise<void> => {
      this.warmUpTimer = undefined;
      const start = performance.now();
      for (let i = 0; i < WARM_UP_SLICE && this.warmUpDone < this.warmUp.loads; i++) {
        // Every other dry load validates the whole file: dry loads of one file would otherwise all
        // reuse every section (reuseUnchangedSections), and a reload that changed a section runs
        // the validation and compile code the warm-up is there to optimize.
        if (this.warmUpDone % 2 === 0) dryCache.commitSections(undefined);
        const outcome = await loadGeneration(configFile, this.app, options);
        if (this.closed) return;
        if (!outcome.ok) {
          this.warming = false;
          this.warmUp.log.debug({ loads: this.warmUpDone, problems: outcome.problems }, 'reload warm-up paused until the next good reload: a dry load failed');
          return;
        }
        this.warmUpDone++;
      }
      // As long a pause as the slice took: the warm-up takes at most half of this thread.
      if (this.warmUpDone < this.warmUp.loads) {
        this.warmUpTimer = setTimeout(() => void slice(), Math.max(1, performance.now() - start)).unref();
      } else {
        this.warming = false;
        this.warmUp.log.debug({ loads: this.warmUpDone, ms: Math.round(performance.now() - t0) }, 'reload warm-up done');
      }
    };
    this.warming = true;
    this.warmUpTimer = setTimeout(() => void slice(), 1).unref();
  }

  close(): Promise<void> {
    this.closed = true;
    if (this.warmUpTimer !== undefined) clearTimeout(this.warmUpTimer);
    return this.thread.close();
  }
}
