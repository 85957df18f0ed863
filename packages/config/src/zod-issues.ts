import type { $ZodIssue } from 'zod/v4/core';
import type { ConfigErrorCode } from './errors.js';
import type { ConfigPath } from './types.js';

/** A validation problem before it is located in the YAML text. */
export interface SchemaProblem {
  readonly path: ConfigPath;
  /** Point at the key (unknown keys) rather than its value. */
  readonly at: 'value' | 'key';
  readonly message: string;
  readonly code: string;
}

function valueAt(data: unknown, path: readonly PropertyKey[]): { found: boolean; value: unknown } {
  let value = data;
  for (const seg of path) {
    if (typeof value !== 'object' || value === null || !Object.hasOwn(value, seg)) return { found: false, value: undefined };
    value = (value as Record<PropertyKey, unknown>)[seg];
  }
  return { found: true, value };
}

/** How a YAML value reads in a message: `number (12)`, `a mapping`, `string ("on")`. */
export function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a sequence';
  if (typeof value === 'object') return 'a mapping';
  if (typeof value === 'string') return `string (${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}...` : value)})`;
  return `${typeof value} (${String(value)})`;
}

const CODE_BY_ISSUE: Readonly<Record<string, ConfigErrorCode>> = {
  invalid_type: 'GENSWAP_CONFIG_TYPE',
  too_big: 'GENSWAP_CONFIG_OUT_OF_RANGE',
  too_small: 'GENSWAP_CONFIG_OUT_OF_RANGE',
  not_multiple_of: 'GENSWAP_CONFIG_OUT_OF_RANGE',
  invalid_format: 'GENSWAP_CONFIG_FORMAT',
  invalid_value: 'GENSWAP_CONFIG_INVALID_VALUE',
  invalid_key: 'GENSWAP_CONFIG_INVALID_VALUE',
  invalid_element: 'GENSWAP_CONFIG_INVALID_VALUE',
  invalid_union: 'GENSWAP_CONFIG_INVALID_VALUE',
  custom: 'GENSWAP_CONFIG_INVALID_VALUE',
};

/**
 * An issue about a key the mapping does not have (whatever the key's schema: a type, an enum, a
 * union) is a missing key. Refinements keep their own words: they may mean something subtler.
 */
function isMissingKey(issue: $ZodIssue, data: unknown, path: ConfigPath): boolean {
  if (issue.code === 'custom' || issue.code === 'unrecognized_keys' || path.length === 0) return false;
  const parent = valueAt(data, path.slice(0, -1));
  return parent.found && typeof parent.value === 'object' && parent.value !== null && !Array.isArray(parent.value) && !valueAt(data, path).found;
}

/**
 * True for a union member that failed only because the value is of another type or literal
 * altogether (not a member the user was trying to write).
 */
function onlyWrongKind(issues: readonly $ZodIssue[]): boolean {
  const only = issues.length === 1 ? issues[0]! : undefined;
  return only !== undefined && only.path.length === 0 && (only.code === 'invalid_type' || only.code === 'invalid_value');
}

/** What a member expected: `number`, `"on" or "off"`. */
function expectedBy(issue: $ZodIssue): string {
  if (issue.code === 'invalid_type') return issue.expected;
  if (issue.code === 'invalid_value') return issue.values.map((v) => JSON.stringify(v)).join(' or ');
  return 'something else';
}

/**
 * Turns zod issues into problems with stable codes and messages that speak about the YAML the
 * user wrote (`missing required key "port"`, `expected number, got string ("80")`).
 * `data` is the validated input, used to tell a missing key from a wrong type.
 */
export function issuesToProblems(issues: readonly $ZodIssue[], data: unknown, prefix: ConfigPath = []): SchemaProblem[] {
  const out: SchemaProblem[] = [];
  for (const issue of issues) {
    const path = [...prefix, ...(issue.path as (string | number)[])];
    if (isMissingKey(issue, data, path)) {
      out.push({ path, at: 'value', message: `missing required key "${String(path[path.length - 1])}"`, code: 'GENSWAP_CONFIG_MISSING_KEY' });
      continue;
    }
    switch (issue.code) {
      case 'unrecognized_keys':
        for (const key of issue.keys) out.push({ path: [...path, key], at: 'key', message: `unknown key "${key}"`, code: 'GENSWAP_CONFIG_UNKNOWN_KEY' });
        break;
      case 'invalid_type':
        out.push({ path, at: 'value', message: `expected ${issue.expected}, got ${describeValue(valueAt(data, path).value)}`, code: 'GENSWAP_CONFIG_TYPE' });
        break;
      case 'invalid_union': {
        const branches = issue.errors.filter((branch) => !onlyWrongKind(branch));
        if (branches.length === 1 && issue.errors.length > 1) {
          // Only one member matched the value's kind: its own complaints are the useful ones.
          out.push(...issuesToProblems(branches[0]!, data, path));
        } else if (branches.length === 0 && issue.errors.length > 0) {
          const firsts = issue.errors.map((b) => b[0]!);
          const expected = [...new Set(firsts.map(expectedBy))].join(' or ');
          const code = firsts.every((i) => i.code === 'invalid_type') ? 'GENSWAP_CONFIG_TYPE' : 'GENSWAP_CONFIG_INVALID_VALUE';
          out.push({ path, at: 'value', message: `expected ${expected}, got ${describeValue(valueAt(data, path).value)}`, code });
        } else {
          out.push({ path, at: 'value', message: issue.message, code: 'GENSWAP_CONFIG_INVALID_VALUE' });
        }
        break;
      }
      default: {
        // A refinement may name its own code: .refine(fn, { params: { code: 'GENSWAP_...' } }).
        const own = issue.code === 'custom' ? (issue.params as { code?: unknown } | undefined)?.code : undefined;
        const code = typeof own === 'string' && own.startsWith('GENSWAP_') ? own : (CODE_BY_ISSUE[issue.code] ?? 'GENSWAP_CONFIG_INVALID_VALUE');
        out.push({ path, at: 'value', message: issue.message, code });
      }
    }
  }
  return out;
}
