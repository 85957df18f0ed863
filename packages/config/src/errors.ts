import { GenswapError } from '@genswap/core';
import { formatProblem } from './problems.js';
import type { ConfigProblem } from './types.js';

/**
 * The error registry of @genswap/config: every code a ConfigProblem or a thrown error can carry,
 * with the fix an operator should apply. Codes are stable and never reused; the README's table is
 * kept in step with this object by a test (src/readme.test.ts).
 */
export const CONFIG_ERRORS = {
  GENSWAP_CONFIG_INVALID: 'Fix every problem listed (file:line:col: path: message [code]); `genswap validate <file>` checks a file without applying it.',
  GENSWAP_CONFIG_NOT_FOUND: 'Check the path: it is resolved against the current directory (a list file against the config file\'s directory).',
  GENSWAP_CONFIG_IS_DIRECTORY: 'Point at a file, not a directory.',
  GENSWAP_CONFIG_NOT_A_FILE: 'Point at a regular file; pipes, sockets and devices are not read.',
  GENSWAP_CONFIG_UNREADABLE: 'Make the file readable by the user genswap runs as (chmod / chown), or fix the I/O error named in the message.',
  GENSWAP_CONFIG_TOO_LARGE: 'Shrink the file (move big lists to list files), or raise the limit named in the message (LoadOptions.maxBytes / maxListBytes / maxListTotalBytes).',
  GENSWAP_CONFIG_OVER_BUDGET: 'The load would read more than LoadOptions.readBudget allows: run it where a bigger read is fine (the supervisor does: its loader thread), or raise readBudget.',
  GENSWAP_CONFIG_EMPTY: 'Write a YAML mapping into the file; an empty file is refused so that a truncated write is never applied.',
  GENSWAP_CONFIG_BINARY: 'The file holds control characters (for example NUL): save it as plain UTF-8 text.',
  GENSWAP_CONFIG_NOT_UTF8: 'Save the file as UTF-8 (without a UTF-16 byte order mark).',
  GENSWAP_CONFIG_SYNTAX: 'Fix the YAML syntax at the position given (indentation, quotes, brackets, one document per file).',
  GENSWAP_CONFIG_DUPLICATE_KEY: 'Remove or rename one of the two keys: YAML mappings may not repeat a key.',
  GENSWAP_CONFIG_CUSTOM_TAG: 'Remove the tag: only plain YAML values are accepted (the core schema tags !!str, !!int, !!float, !!bool, !!null, !!map, !!seq).',
  GENSWAP_CONFIG_ALIAS_LIMIT: 'Use fewer aliases (*name), or raise LoadOptions.maxAliasCount if the expansion is intended.',
  GENSWAP_CONFIG_TOO_DEEP: 'Flatten the structure, or raise LoadOptions.maxDepth if that nesting is intended.',
  GENSWAP_CONFIG_BAD_KEY: 'Use a plain scalar (a word or a quoted string) as the mapping key.',
  GENSWAP_CONFIG_FORBIDDEN_KEY: 'Rename the key: __proto__, constructor and prototype are refused so that no config can reach object prototypes.',
  GENSWAP_CONFIG_UNKNOWN_KEY: 'Remove the key or fix its spelling (a close known key is suggested when there is one).',
  GENSWAP_CONFIG_MISSING_KEY: 'Add the required key to the mapping the problem points at.',
  GENSWAP_CONFIG_TYPE: 'Give the value the type the message names (quote strings that look like numbers or booleans).',
  GENSWAP_CONFIG_OUT_OF_RANGE: 'Bring the value (or the number of items) within the bounds the message names.',
  GENSWAP_CONFIG_FORMAT: 'Write the value in the format the message names.',
  GENSWAP_CONFIG_INVALID_VALUE: 'Use one of the values the message allows.',
  GENSWAP_CONFIG_LIST_ENTRY: 'Fix or remove the list-file line the problem points at.',
  GENSWAP_CONFIG_COMPILE_FAILED: 'The schema\'s compile step threw: this is a bug in that compile step; the message names the error.',
  GENSWAP_CONFIG_TOO_MANY_PROBLEMS: 'Fix the problems listed first; the rest are counted, not listed (LoadOptions.maxProblems).',
  GENSWAP_CONFIG_BAD_OPTION: 'Fix the load option named in the message: limits are integers (maxAliasCount >= 0, the others >= 1).',
  GENSWAP_CONFIG_SCHEMA_MODULE: 'Pass loadConfig a ConfigDefinition ({ schema, compile? }) or a zod 4 schema.',
  GENSWAP_CONFIG_ZOD_VERSION: 'Build the schema with zod 4 (`npm install zod@^4`, import from \'zod\'): zod 3 schemas, also those of `zod/v3`, cannot be run.',
} as const;

export type ConfigErrorCode = keyof typeof CONFIG_ERRORS;

/** The fix of a problem: its own, else the config registry's, else undefined. */
function fixOf(problem: ConfigProblem): string | undefined {
  return problem.fix ?? (Object.hasOwn(CONFIG_ERRORS, problem.code) ? CONFIG_ERRORS[problem.code as ConfigErrorCode] : undefined);
}

/**
 * A config file was refused. `problems` lists every problem found (up to LoadOptions.maxProblems,
 * then one GENSWAP_CONFIG_TOO_MANY_PROBLEMS entry counting the rest), config file first, in
 * file order. Nothing was applied.
 *
 * `code` is GENSWAP_CONFIG_INVALID for problems inside the file. When the file could not be
 * taken at all (one problem without a position: not found, unreadable, too large, empty, or a
 * failure of another package such as GENSWAP_VALUE_TOO_LARGE), `code` and `fix` are that
 * problem's own, and the message says what happened rather than "invalid at :0:0".
 */
export class ConfigError extends GenswapError {
  readonly file: string;
  readonly problems: readonly ConfigProblem[];

  constructor(file: string, problems: readonly ConfigProblem[], options?: { cause?: unknown }) {
    const only = problems.length === 1 && problems[0]!.line === 0 && problems[0]!.file === file ? problems[0] : undefined;
    const fix = only === undefined ? undefined : fixOf(only);
    if (only !== undefined && fix !== undefined) {
      super(only.code, `config ${file}: ${only.message}`, fix, options);
    } else {
      const count = problems.length === 1 ? '1 problem' : `${problems.length} problems`;
      const lines = problems.map((p) => `  ${formatProblem(p)}`).join('\n');
      super('GENSWAP_CONFIG_INVALID', `config ${file} is invalid (${count}):\n${lines}`, CONFIG_ERRORS.GENSWAP_CONFIG_INVALID, options);
    }
    this.file = file;
    this.problems = problems;
  }
}

/** loadConfig was given something that is not a definition (modules are resolved by @genswap/supervisor). */
export class DefinitionModuleError extends GenswapError {
  readonly module: string;

  constructor(module: string, message: string, options?: { cause?: unknown }) {
    super('GENSWAP_CONFIG_SCHEMA_MODULE', `schema module ${module}: ${message}`, CONFIG_ERRORS.GENSWAP_CONFIG_SCHEMA_MODULE, options);
    this.module = module;
  }
}

/** A LoadOptions limit is not an integer in range. */
export class ConfigOptionError extends GenswapError {
  constructor(name: string, value: unknown, least: number) {
    super('GENSWAP_CONFIG_BAD_OPTION', `load option ${name} must be an integer >= ${least}, got ${String(value)}`, CONFIG_ERRORS.GENSWAP_CONFIG_BAD_OPTION);
  }
}

/** The schema was built with zod 3; genswap runs zod 4 schemas. */
export class ZodVersionError extends GenswapError {
  constructor() {
    super('GENSWAP_CONFIG_ZOD_VERSION', 'the schema is a zod 3 schema; genswap needs a zod 4 schema (zod@^4, a peer dependency)', CONFIG_ERRORS.GENSWAP_CONFIG_ZOD_VERSION);
  }
}
