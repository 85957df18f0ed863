import { createRequire } from 'node:module';
import type { RE2JS as RE2JSClass } from 're2js';
import { GatewayError } from '../errors.js';

type RE2JS = RE2JSClass;

/**
 * RE2JS is loaded on first use, synchronously: a config whose patterns all take the fast path
 * (isOneAlternation) never loads it, so a worker thread starts without parsing ~260 KB of engine.
 */
let engine: typeof RE2JSClass | undefined;
function re2(): typeof RE2JSClass {
  engine ??= (createRequire(import.meta.url)('re2js') as { RE2JS: typeof RE2JSClass }).RE2JS;
  return engine;
}

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

/** Flags each kind of pattern is compiled with: paths are case-sensitive, header text is not (RE2JS.CASE_INSENSITIVE). */
export const PATH_REGEX_FLAGS = 0;
export const TEXT_REGEX_FLAGS = 1;

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

/**
 * The fast path: a pattern with no repetition at all and at most one alternation, made only of
 * ASCII literals, punctuation escapes, `\d \w \b \B \n \r \t`, bracket classes of those, `^`
 * and `$` (e.g. `(sqlmap|nikto|nmap)`, `/(\.env|\.git|wp-config\.php)`). V8's backtracking
 * engine runs such a pattern in linear time: from each start position it tries each alternative
 * once, one character per pattern atom, so the work is at most (input length) x (pattern length);
 * with no quantifier nothing is retried, and with a single alternation paths cannot multiply
 * (two sibling groups of k alternatives would make k^2 paths, g of them k^g). On this subset
 * V8 and RE2 agree on every input (ASCII only: case folding and `\s`/`.` differ beyond it, so
 * `.` and `\s` are not in the subset), and V8 needs no engine loaded nor compiled: such patterns
 * are most rule patterns (the bundled ones are), and a worker thread matches them on its first
 * request at once.
 */
export function isOneAlternation(source: string): boolean {
  let inGroup = false;
  let groupHasBar = false;
  let alternations = 0; // groups with a `|`, plus one if `|` appears outside any group
  let topLevelBar = false;
  let inClass = false;
  for (let i = 0; i < source.length; i++) {
    const c = source.charCodeAt(i);
    if (c > 0x7e || c < 0x20) return false;
    const ch = source[i]!;
    if (ch === '\\') {
      const next = source[i + 1] ?? '';
      if (!SAFE_ESCAPES.has(next)) return false;
      if (inClass && (next === 'b' || next === 'B')) return false; // [\b] is a backspace in JS
      i++;
      continue;
    }
    if (inClass) {
      if (ch === ']') inClass = false;
      else if (ch === '[') return false; // RE2 reads [[:alpha:]] where JS reads a literal [
      continue;
    }
    switch (ch) {
      case '[':
        if (source[i + 1] === ']' || source[i + 1] === '^') return false; // [] [^]: the engines differ; negated classes are left to RE2
        inClass = true;
        break;
      case '*':
      case '+':
      case '?':
      case '{':
      case '}':
      case '.':
        return false;
      case '(':
        if (inGroup) return false;
        inGroup = true;
        groupHasBar = false;
        if (source[i + 1] === '?') {
          if (source[i + 2] !== ':') return false; // only (?:…) besides plain groups
          i += 2;
        }
        break;
      case ')':
        if (!inGroup) return false;
        inGroup = false;
        if (groupHasBar) alternations++;
        break;
      case '|':
        if (inGroup) groupHasBar = true;
        else topLevelBar = true;
        break;
      default:
        break;
    }
  }
  if (inClass || inGroup) return false;
  return alternations + (topLevelBar ? 1 : 0) <= 1;
}

/** Escapes that mean the same in V8 (without the u flag) and RE2, over ASCII. */
const SAFE_ESCAPES = new Set(['d', 'w', 'b', 'B', 'n', 'r', 't', '.', '/', '\\', '-', '(', ')', '[', ']', '|', '^', '$', '*', '+', '?', '{', '}']);

function compileOrProblem(source: string, flags: number): RE2JS | RegexProblem {
  if (source.length > MAX_REGEX_LENGTH) {
    return { code: 'GENSWAP_GATEWAY_CONFIG_UNSAFE_REGEX', message: `regex is ${source.length} characters long, more than the ${MAX_REGEX_LENGTH} allowed` };
  }
  const construct = unsupportedConstruct(source);
  if (construct !== undefined) return { code: 'GENSWAP_GATEWAY_CONFIG_BAD_REGEX', message: `regex /${source}/ uses a ${construct}` };
  let compiled: RE2JS;
  try {
    compiled = re2().compile(source, flags === TEXT_REGEX_FLAGS ? re2().CASE_INSENSITIVE : 0);
  } catch (err) {
    return { code: 'GENSWAP_GATEWAY_CONFIG_BAD_REGEX', message: `invalid regex (RE2 syntax): ${(err as Error).message}` };
  }
  const size = compiled.programSize();
  if (size > MAX_PROGRAM_SIZE) {
    return { code: 'GENSWAP_GATEWAY_CONFIG_UNSAFE_REGEX', message: `regex /${source}/ compiles to ${size} instructions, more than the ${MAX_PROGRAM_SIZE} allowed (lower its repetition counts)` };
  }
  return compiled;
}

function isProblem(result: RE2JS | RegexProblem): result is RegexProblem {
  return typeof (result as Partial<RegexProblem>).code === 'string';
}

/**
 * Validate time (primary): the problem with `source`, or undefined when the worker can run it:
 * a fast-path pattern is checked by V8 (which will run it), any other by RE2JS.
 */
export function checkRegex(source: string, flags: number): RegexProblem | undefined {
  if (source.length <= MAX_REGEX_LENGTH && isOneAlternation(source)) {
    // The fast path runs on V8, so V8 must accept it; on this subset RE2 would read it alike.
    try {
      new RegExp(source, flags === TEXT_REGEX_FLAGS ? 'i' : '');
      return undefined;
    } catch (err) {
      return { code: 'GENSWAP_GATEWAY_CONFIG_BAD_REGEX', message: `invalid regex: ${(err as Error).message}` };
    }
  }
  const result = compileOrProblem(source, flags);
  return isProblem(result) ? result : undefined;
}

/**
 * Compiled patterns of this thread by flags and source. Rules rarely change between reloads,
 * and compiling on RE2JS costs about a third of a millisecond warm, on the first request of
 * every new generation: a reload that keeps a pattern keeps its compiled form. Sequential use
 * of one compiled pattern by many requests is safe (its DFA cache only grows, up to RE2JS's
 * budget). Bounded: the oldest entries go first.
 */
const MAX_COMPILED = 4096;
const compiledCache = new Map<string, LinearRegex>();

/** Worker side: compiles a pattern the primary already accepted (so this does not throw). */
export function compileLinearRegex(source: string, flags: number): LinearRegex {
  const key = `${flags}:${source}`;
  const hit = compiledCache.get(key);
  if (hit !== undefined) return hit;
  let compiled: LinearRegex;
  if (isOneAlternation(source) && source.length <= MAX_REGEX_LENGTH) {
    compiled = new RegExp(source, flags === TEXT_REGEX_FLAGS ? 'i' : '');
  } else {
    const result = compileOrProblem(source, flags);
    if (isProblem(result)) throw new GatewayError('GENSWAP_GATEWAY_BAD_ENCODING', `rule pattern /${source}/ was not validated: ${result.message}`);
    compiled = result;
  }
  if (compiledCache.size >= MAX_COMPILED) compiledCache.delete(compiledCache.keys().next().value!);
  compiledCache.set(key, compiled);
  return compiled;
}
