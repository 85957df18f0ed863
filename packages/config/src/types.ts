import type { z } from 'zod';
import type { ListCache } from './list-cache.js';

/**
 * The contract of @genswap/config. Other packages (supervisor, gateway, cli) code against
 * these types; keep them stable.
 */

/** One thing wrong with a config, located in a file (the config or a list file it includes). */
export interface ConfigProblem {
  /** Absolute path of the file the problem is in. */
  readonly file: string;
  /** 1-based line and column; 0 when the problem has no position (missing file, empty file...). */
  readonly line: number;
  readonly column: number;
  /** Path in the config document, e.g. `ip.deny[3]`; '' for the whole document or a list-file problem. */
  readonly path: string;
  readonly message: string;
  /** Stable code from the config error registry, e.g. GENSWAP_CONFIG_UNKNOWN_KEY. */
  readonly code: string;
  /**
   * What to do, when the problem comes from an error of another registry (a reload refused by
   * the store: GENSWAP_NO_FREE_SLOT...); config codes' fixes are in CONFIG_ERRORS.
   */
  readonly fix?: string;
}

export type ConfigPath = readonly (string | number)[];

/** A plain-text list file: one entry per line, `#` starts a comment, blank lines skipped. */
export interface ListFile {
  /** Absolute path. */
  readonly file: string;
  /** Entries, trimmed, comments removed. */
  readonly entries: readonly string[];
  /** 1-based line number of each entry in `file` (parallel to `entries`). */
  readonly lines: Int32Array;
}

/** Handed to a definition's compile step. */
export interface CompileContext {
  /** Absolute path of the config file. */
  readonly file: string;
  /** Directory list-file references are resolved against. */
  readonly dir: string;
  /**
   * Reads a list file named by the config (relative to the config file; the same file is read
   * once per load). On failure records a problem and returns undefined: located at the config
   * node `path` when the file cannot be read (missing, unreadable, too big), at the offending
   * line of the list file when its content is not text (binary, not UTF-8).
   */
  readList(ref: string, path: ConfigPath): ListFile | undefined;
  /**
   * Reads a list file (as readList does) and compiles its bytes with `compiler`, reusing the
   * result of the last successful load when the file's content is unchanged (LoadOptions.listCache,
   * keyed by compiler name, path, size and SHA-256). Returns undefined when the file cannot be
   * read or is not text (the problem is recorded); otherwise what the compiler returned. A result
   * is cached only if its compile recorded no problem and the whole load succeeds.
   */
  compileList<T>(ref: string, path: ConfigPath, compiler: ListCompiler<T>): T | undefined;
  /** Records a problem at the YAML node of `path` in the config file. */
  problemAt(path: ConfigPath, message: string, code: string): void;
  /** Records a problem at entry `index` of a list file (its line; column 1). */
  problemInList(list: ListFile, index: number, message: string, code: string): void;
  /** True once any problem was recorded. */
  readonly failed: boolean;
}

/** A list file's bytes as a ListCompiler receives them: valid UTF-8, size-checked. */
export interface RawListFile {
  /** Absolute path (what problems name). */
  readonly file: string;
  readonly bytes: Buffer;
  /** SHA-256 of `bytes`, hex: with the compiler's name, an identity for what it compiles from them. */
  readonly sha256: string;
  /**
   * Visits every entry (the entries splitList would return, as byte ranges; see list-scan.ts).
   * Returns false, with the problem recorded, when the file holds a control character.
   */
  scan(visit: (start: number, end: number, line: number, column: number) => void, from?: number, to?: number, firstLine?: number): boolean;
  /**
   * Counts entries a compiler found without `scan` (a fast path over the bytes of its own, which
   * must accept only lines holding one entry and nothing scan would refuse).
   */
  countEntries(count: number): void;
  /** Records a problem at line:column of this list file. */
  problemAt(line: number, column: number, message: string, code: string): void;
}

/** Turns one list file into a compiled value (see CompileContext.compileList). */
export interface ListCompiler<T> {
  /**
   * Names the compile and its version: cached results are kept per name, so two compilers
   * never receive each other's values. Change it when the compiled form changes.
   */
  readonly name: string;
  compile(list: RawListFile): T;
}

/**
 * A config definition: a zod schema, and an optional compile step turning the validated
 * value into its runtime form (CIDR strings into sorted ranges, regex sources checked...).
 * If compile records problems, loading fails with all of them and its return value is ignored.
 */
export interface ConfigDefinition<S extends z.ZodType = z.ZodType, C = z.output<S>> {
  readonly schema: S;
  readonly compile?: (value: z.output<S>, ctx: CompileContext) => C;
  /**
   * With LoadOptions.listCache: a top-level key of the config whose input did not change since
   * the last good load keeps that load's validated value (the same object), and zod validates
   * only the keys that changed. For a z.object / z.strictObject schema without object-level
   * checks (others are always validated whole). Opt in only when compile does not mutate its
   * input, and no default of an unchanged section needs computing afresh (a `.default(() => ...)`
   * that reads the clock, say). Default false.
   */
  readonly reuseUnchangedSections?: boolean;
}

export interface LoadOptions {
  /** Largest config file accepted, bytes. Default 4 MiB. */
  readonly maxBytes?: number;
  /** Largest list file accepted, bytes. Default 256 MiB. */
  readonly maxListBytes?: number;
  /** Most bytes read from all list files of one config together (a file named twice, or through a symlink, counts once). Default 256 MiB. */
  readonly maxListTotalBytes?: number;
  /**
   * Most alias expansions allowed in one document, counted in the expanded tree (billion-laughs
   * guard); 0 forbids aliases. Default 100.
   */
  readonly maxAliasCount?: number;
  /** Deepest nesting of mappings/sequences, checked before the YAML is composed. Default 64. */
  readonly maxDepth?: number;
  /** Most problems listed in a ConfigError; the rest are counted in one last problem. Default 100. */
  readonly maxProblems?: number;
  /**
   * Read the config file with blocking calls instead of the thread pool's round trips (open,
   * stat, read, close: four hops and four wake-ups). For a thread that does nothing but load,
   * such as the supervisor's loader thread; on an event loop that also serves, keep the default
   * (false). List files are always read with blocking calls, from the compile step.
   */
  readonly blockingRead?: boolean;
  /**
   * Not a limit on the config but on this one load: the most bytes it may read, the config file
   * and the list files it reads together (a list reused from `listCache` by its unchanged
   * identity is not read, so it does not count). A load that would read more stops before that
   * read with a GENSWAP_CONFIG_OVER_BUDGET problem. For a caller that runs small loads where it
   * stands and hands bigger ones to another thread, as the supervisor does. Default: no budget.
   */
  readonly readBudget?: number;
  /**
   * Compiled list files kept from the last successful load with this cache (see list-cache.ts):
   * a list whose bytes did not change is not compiled again. Without it every load compiles
   * every list.
   */
  readonly listCache?: ListCache;
}

/** Where a load spent its time. List files count as read (I/O) and parse (line splitting), not compile. */
export interface LoadTimings {
  readonly readMs: number;
  readonly parseMs: number;
  readonly validateMs: number;
  readonly compileMs: number;
}

export interface LoadedConfig<C> {
  readonly value: C;
  /** Absolute path of the config file. */
  readonly file: string;
  /** Every file read: the config file first, then list files (what a --watch should watch). */
  readonly files: readonly string[];
  readonly bytes: number;
  /** Entries read from list files, all lists together. */
  readonly listEntries: number;
  /** List files whose compiled form came from LoadOptions.listCache (their bytes were unchanged). */
  readonly listsReused: number;
  /** Top-level keys whose validated value came from the last good load (reuseUnchangedSections). */
  readonly sectionsReused: number;
  readonly timings: LoadTimings;
}
