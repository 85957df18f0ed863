import type { ConfigProblem } from '@genswap/config';

function hasProblems(err: unknown): err is { problems: readonly ConfigProblem[] } {
  return typeof err === 'object' && err !== null && Array.isArray((err as { problems?: unknown }).problems);
}

/**
 * The problems a failed reload reports. A ConfigError (anything carrying `problems`) keeps its
 * located problems; any other failure (publish timed out on pinned slots, value too large, a
 * bug in a compile step) becomes one problem on the config file, keeping its stable code.
 * Duck-typed on `problems` so a ConfigError from another copy of @genswap/config still counts.
 */
export function problemsOf(err: unknown, configFile: string): ConfigProblem[] {
  if (hasProblems(err) && err.problems.length > 0) return [...err.problems];
  const code = typeof (err as { code?: unknown })?.code === 'string' ? (err as { code: string }).code : 'GENSWAP_RELOAD_FAILED';
  const message = err instanceof Error ? err.message : String(err);
  return [{ file: configFile, line: 0, column: 0, path: '', message, code }];
}
