import type { ConfigProblem } from '@genswap/config';

function hasProblems(err: unknown): err is { problems: readonly ConfigProblem[] } {
  return typeof err === 'object' && err !== null && Array.isArray((err as { problems?: unknown }).problems);
}

/**
 * The one conversion of a failed load or publish into problems, made where the error is caught
 * (in the loader thread for its loads, in the primary for a publish), never again afterwards.
 * A ConfigError (anything carrying `problems`) keeps its located problems; any other failure
 * (no free slot, value too large, a bug in a compile step, a module that cannot be imported)
 * becomes one problem on the config file with the error's own code and fix. Duck-typed on
 * `problems` and `code` so errors from another copy of a genswap package still count.
 */
export function problemsOf(err: unknown, configFile: string): ConfigProblem[] {
  if (hasProblems(err) && err.problems.length > 0) return [...err.problems];
  const e = err as { code?: unknown; fix?: unknown } | null | undefined;
  const code = typeof e?.code === 'string' ? e.code : 'GENSWAP_RELOAD_FAILED';
  const message = err instanceof Error ? err.message : String(err);
  return [{ file: configFile, line: 0, column: 0, path: '', message, code, ...(typeof e?.fix === 'string' ? { fix: e.fix } : {}) }];
}
