import type { LoadedOn } from './load-generation.js';
import type { ConfigProblem } from '@genswap/config';

/** Why a reload was asked for; shown in logs and the reload history. */
export type ReloadTrigger = 'api' | 'signal' | 'watch' | 'admin' | 'startup' | 'fleet';

/**
 * Where a reload reads its config, when not from the supervisor's current config file: a config
 * source (fleet mode) materializes each revision in a directory of its own and names it here.
 * On success it becomes the supervisor's config file (what SIGHUP re-reads); on failure the
 * previous one stays.
 */
export interface ReloadSource {
  readonly configFile: string;
  /** The revision it carries (a fleet revision), labeling the generation; 0 or absent: none. */
  readonly revision?: number;
}

interface ReloadOutcomeBase {
  /** Reload number, 1 for the first reload after start-up; coalesced requests share one. */
  readonly id: number;
  /** Milliseconds from reading the file to the publish (or to the failure). */
  readonly durationMs: number;
}

export interface ReloadSuccess extends ReloadOutcomeBase {
  readonly ok: true;
  /** The generation now current. */
  readonly generation: number;
  /** Every file the new generation was read from (config first, then list files). */
  readonly files: readonly string[];
  /** The revision of the config source it was read from (fleet mode), when it has one. */
  readonly revision?: number;
  /**
   * Where durationMs went, ms: reading (config and list files, hashing included), parsing (YAML
   * and list lines), validating, compiling and encoding, in the loader; publishing (copying
   * into the slot) in the primary. The rest is waiting: message passing, a busy loop.
   */
  readonly timings?: ReloadTimings;
  /** Which thread read, parsed and compiled it: the primary's own (a small reload) or the loader thread. */
  readonly loadedOn?: LoadedOn;
}

export interface ReloadTimings {
  readonly readMs: number;
  readonly parseMs: number;
  readonly validateMs: number;
  readonly compileMs: number;
  readonly encodeMs: number;
  readonly publishMs: number;
}

export interface ReloadFailure extends ReloadOutcomeBase {
  readonly ok: false;
  /** The generation that keeps serving (unchanged by this reload). */
  readonly generation: number;
  /** What is wrong, each located in a file (line/column 0 when there is no position). */
  readonly problems: readonly ConfigProblem[];
}

/** The result of `supervisor.reload()`. It never rejects for a bad config: it says so here. */
export type ReloadOutcome = ReloadSuccess | ReloadFailure;

/** One line of the reload history kept by status(). */
export type ReloadRecord = ReloadOutcome & {
  /** When the reload started reading the file (ISO 8601). */
  readonly startedAt: string;
  /** How many reload requests this one served (more than 1 when requests coalesced). */
  readonly requests: number;
  /** Why it was requested (every distinct trigger among the coalesced requests). */
  readonly triggers: readonly ReloadTrigger[];
};
