import { RE2JS } from 're2js';

/**
 * Rule patterns run on RE2JS (the JavaScript port of RE2), never on V8's backtracking RegExp.
 *
 * Why an engine and not a check: a verdict service runs patterns against attacker-chosen text
 * (paths, user agents, header values), and V8's engine backtracks. Heuristic checks in the style
 * of safe-regex let `^(\w|\d)+$`, `^(a+){2,64}$`, `^(/.*){1,10}/\.(env|git)` or
 * `^.*a.*a.*a.*b$` through, and each of those stalls a worker on a short hostile input. RE2's
 * engines (lazy DFA, Pike VM, one-pass, bit-state with a visited set) take time linear in the
 * input for every pattern they accept, so no analysis has to be sound: there is nothing left for
 * it to find. What RE2 cannot run in linear time (backreferences, lookaround) it does not
 * accept, and this module refuses those at validate time with a message naming the construct
 * and its offset.
 *
 * Syntax is RE2's, which for rule patterns is JavaScript's minus backreferences and lookaround:
 * `\d \w \s \b` are ASCII, `(?<name>…)` and `(?:…)` work, `\uXXXX` is written `\x{XXXX}`,
 * counted repetition is capped at 1000. Case-insensitive patterns fold Unicode simple cases.
 *
 * Weighed against: `re2` (native bindings: node-gyp downloads Node headers or a prebuilt
 * binary from outside the npm registry, and must be rebuilt for each Node major), `re2-wasm`
 * (unmaintained since 2021, WASM memory freed by hand), `recheck` (a checker, not an engine: its
 * verdict can be "unknown" under its time budget, and the pattern would still run on V8).
 * RE2JS is plain JavaScript with no dependencies and no install scripts.
 */

export const MAX_REGEX_LENGTH = 256;
/**
 * Largest compiled program accepted. The linear engines' cost per input character is bounded
 * by the program size; this keeps that constant small (the bundled patterns are under 40).
 */
export const MAX_PROGRAM_SIZE = 2000;

/** Flags each kind of pattern is compiled with: paths are case-sensitive, header text is not. */
export const PATH_REGEX_FLAGS = 0;
export const TEXT_REGEX_FLAGS = RE2JS.CASE_INSENSITIVE;

export interface RegexProblem {
  readonly code: 'GENSWAP_GATEWAY_CONFIG_BAD_REGEX' | 'GENSWAP_GATEWAY_CONFIG_UNSAFE_REGEX';
  readonly message: string;
}

/** A compiled rule pattern: `test` is a linear-time unanchored search. */
export interface LinearRegex {
  test(text: string): boolean;
}

/**
 * Finds constructs RE2 refuses but JavaScript users write, so the problem can say what to do
 * instead of RE2's "invalid escape sequence". Returns a description with the offset, or undefined.
 */
export function unsupportedConstruct(source: string): string | undefined {
  let inClass = false;
  for (let i = 0; i < source.length; i++) {
    const c = source[i]!;
    if (c === '\\') {
      const next = source[i + 1] ?? '';
      if (next >= '1' && next <= '9') return `backreference or octal escape \\${next} at offset ${i} (not supported: no linear-time engine can run backreferences)`;
      if (next === 'k' && !inClass) return `named backreference \\k at offset ${i} (not supported: no linear-time engine can run backreferences)`;
      i++;
      continue;
    }
    if (inClass) {
      if (c === ']') inClass = false;
      continue;
    }
    if (c === '[') {
      inClass = true;
      if (source[i + 1] === ']') i++; // `[]a]`: a leading ] is literal in RE2
      continue;
    }
    if (c === '(' && source[i + 1] === '?') {
      const kind = source.slice(i + 2, i + 4);
      if (kind.startsWith('=') || kind.startsWith('!')) return `lookahead (?${kind[0]} at offset ${i} (not supported: match the text itself, or split the rule)`;
      if (kind === '<=' || kind === '<!') return `lookbehind (?${kind} at offset ${i} (not supported: match the text itself, or split the rule)`;
    }
  }
  return undefined;
}

function compileOrProblem(source: string, flags: number): RE2JS | RegexProblem {
  if (source.length > MAX_REGEX_LENGTH) {
    return { code: 'GENSWAP_GATEWAY_CONFIG_UNSAFE_REGEX', message: `regex is ${source.length} characters long, more than the ${MAX_REGEX_LENGTH} allowed` };
  }
  const construct = unsupportedConstruct(source);
  if (construct !== undefined) return { code: 'GENSWAP_GATEWAY_CONFIG_BAD_REGEX', message: `regex /${source}/ uses a ${construct}` };
  let compiled: RE2JS;
  try {
    compiled = RE2JS.compile(source, flags);
  } catch (err) {
    return { code: 'GENSWAP_GATEWAY_CONFIG_BAD_REGEX', message: `invalid regex (RE2 syntax): ${(err as Error).message}` };
  }
  const size = compiled.programSize();
  if (size > MAX_PROGRAM_SIZE) {
    return { code: 'GENSWAP_GATEWAY_CONFIG_UNSAFE_REGEX', message: `regex /${source}/ compiles to ${size} instructions, more than the ${MAX_PROGRAM_SIZE} allowed (lower its repetition counts)` };
  }
  return compiled;
}

/** Validate time (primary): the problem with `source`, or undefined when the worker can run it. */
export function checkRegex(source: string, flags: number): RegexProblem | undefined {
  const result = compileOrProblem(source, flags);
  return result instanceof RE2JS ? undefined : result;
}

/** Worker side: compiles a pattern the primary already accepted (so this does not throw). */
export function compileLinearRegex(source: string, flags: number): LinearRegex {
  const result = compileOrProblem(source, flags);
  if (!(result instanceof RE2JS)) throw new Error(`rule pattern was not validated: ${result.message}`);
  return result;
}
