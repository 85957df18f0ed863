import { type ConfigProblem, type LoadOptions, type LoadTimings, loadConfig } from '@genswap/config';
import { type Codec, CoreError, type Encoded, jsonCodec } from '@genswap/core';
import type { AppModule } from './app-contract.js';
import { problemsOf } from './problems.js';

/** One generation's config, read, parsed, validated, compiled and encoded with the app's codec. */
export interface LoadedGeneration {
  readonly ok: true;
  /** The codec's encoding: its parts when it has encodeParts (an unchanged table then stays where a slot holds it). */
  readonly bytes: Encoded;
  readonly files: readonly string[];
  readonly timings: LoadTimings & { readonly encodeMs: number };
  /** Which thread loaded it, when the loader says (reloads: see primary-first-loader.ts). */
  readonly loadedOn?: LoadedOn;
}

/** Where a generation was loaded: on the primary's own thread, or in the loader thread. */
export type LoadedOn = 'primary' | 'loader thread';

/** Why it could not be loaded: every problem, converted once (see problems.ts). */
export interface LoadFailed {
  readonly ok: false;
  readonly problems: readonly ConfigProblem[];
}

export type LoadOutcome = LoadedGeneration | LoadFailed;

/**
 * Phase 1 of every generation, the first one and every reload alike: load the config file
 * and encode it. Generation 1 runs on the primary's thread (before anything serves); reloads
 * run in the loader thread (loader-worker.ts) when the supervisor knows the app module, else on
 * the primary's thread too. The primary only publishes the bytes.
 * Never rejects: a failure comes back as its problems, with the originating code and fix.
 */
export async function loadGeneration(configFile: string, app: AppModule | Promise<AppModule>, load: LoadOptions | undefined): Promise<LoadOutcome> {
  try {
    const { definition, codec = jsonCodec as Codec<unknown> } = await app;
    const loaded = await loadConfig(configFile, definition, load);
    const t0 = performance.now();
    let bytes: Encoded;
    try {
      bytes = codec.encodeParts !== undefined ? codec.encodeParts(loaded.value) : codec.encode(loaded.value);
    } catch (err) {
      throw new CoreError('GENSWAP_ENCODE_FAILED', `codec ${codec.name} failed to encode the config: ${(err as Error).message}`, { cause: err });
    }
    const { readMs, parseMs, validateMs, compileMs } = loaded.timings;
    return { ok: true, bytes, files: loaded.files, timings: { readMs, parseMs, validateMs, compileMs, encodeMs: performance.now() - t0 } };
  } catch (err) {
    return { ok: false, problems: problemsOf(err, configFile) };
  }
}

/**
 * The outcome with where it was loaded. Written out field by field, not as
 * `{ ...outcome, loadedOn }`: on Node 20 (V8 11.3) an object literal that starts with a spread
 * and then adds a property gets a new hidden class on every call (a fresh map and a property
 * transition, ~0.6 us each), and every later read of the result then misses its inline cache.
 */
export function loadedOn(outcome: LoadedGeneration, where: LoadedOn): LoadedGeneration {
  return { ok: true, bytes: outcome.bytes, files: outcome.files, timings: outcome.timings, loadedOn: where };
}

/** Where generations are loaded: the loader thread (loader-thread.ts) or the primary's own thread. */
export interface GenerationLoader {
  /** Loads `configFile`: the supervisor's current source, or the one a reload names (reload({ from })). */
  load(configFile: string): Promise<LoadOutcome>;
  close(): Promise<void>;
  /** A loader with a thread of its own: whether it is running now. */
  readonly started?: boolean;
  /** A loader that warms up the primary's reload path: the dry loads it has run. */
  readonly warmUpLoads?: number;
}

/**
 * Loads on the calling thread: for a supervisor given no appModule to import in a loader thread.
 * `load` carries the list cache generation 1 was loaded with: unchanged list files are not
 * compiled again (list-cache.ts in @genswap/config).
 */
export function inlineLoader(app: AppModule, load: LoadOptions): GenerationLoader {
  return {
    load: async (configFile) => {
      const outcome = await loadGeneration(configFile, app, load);
      return outcome.ok ? loadedOn(outcome, 'primary') : outcome;
    },
    close: async () => {},
  };
}
