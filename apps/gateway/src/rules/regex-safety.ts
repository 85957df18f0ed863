/**
 * Validate-time checks for user regexes. JavaScript's backtracking engine can take exponential
 * time on a pattern like `(a+)+$` against `aaaa…!`, and a verdict service runs patterns against
 * attacker-chosen input (paths, user agents). So a pattern is rejected, with its location, when
 * - it does not compile (`new RegExp` throws), or
 * - it is longer than MAX_REGEX_LENGTH, or
 * - it has star height above one: an unbounded quantifier (`*`, `+`, `{n,}`) applied to a
 *   group that itself contains one, e.g. `(a+)+`, `(\w*x)*`, `((ab)+c)*`, or
 * - it uses a backreference (`\1`, `\k<name>`), which makes matching NP-hard in general.
 *
 * This is the same heuristic as the well-known `safe-regex` check (written anew here). It
 * does not catch every slow pattern: overlapping alternatives under a star (`(a|a)*`) pass.
 * Keep rule patterns simple and anchored.
 */

export const MAX_REGEX_LENGTH = 256;

/** Flags the worker compiles each kind of pattern with: paths are case-sensitive, header text is not. */
export const PATH_REGEX_FLAGS = '';
export const TEXT_REGEX_FLAGS = 'i';

export interface RegexProblem {
  readonly code: 'GENSWAP_GATEWAY_CONFIG_BAD_REGEX' | 'GENSWAP_GATEWAY_CONFIG_UNSAFE_REGEX';
  readonly message: string;
}

interface Frame {
  /** The group (or the whole pattern) contains an unbounded quantifier somewhere inside. */
  hasUnbounded: boolean;
}

/** Length of the quantifier starting at source[i], and whether it is unbounded; 0 when none. */
function quantifierAt(source: string, i: number): { length: number; unbounded: boolean } | undefined {
  const c = source[i];
  if (c === '*' || c === '+') return { length: 1, unbounded: true };
  if (c === '?') return { length: 1, unbounded: false };
  if (c !== '{') return undefined;
  const m = /^\{(\d+)(,(\d*))?\}/.exec(source.slice(i));
  if (m === null) return undefined; // a literal `{`
  return { length: m[0].length, unbounded: m[2] !== undefined && m[3] === '' };
}

/** Returns a description of the unsafe shape in `source`, or undefined. Assumes it compiles. */
export function unsafeShape(source: string): string | undefined {
  const stack: Frame[] = [{ hasUnbounded: false }];
  // What the next quantifier would apply to: a closed group (with its inner state), an atom, or nothing.
  let last: { group: boolean; hasUnbounded: boolean } | undefined;
  let i = 0;
  while (i < source.length) {
    const c = source[i]!;
    if (c === '\\') {
      const next = source[i + 1] ?? '';
      if (next >= '1' && next <= '9') return `backreference \\${next} at offset ${i}`;
      if (next === 'k' && source[i + 2] === '<') return `named backreference at offset ${i}`;
      last = { group: false, hasUnbounded: false };
      i += 2;
      continue;
    }
    if (c === '[') {
      // A character class is one atom; skip to its unescaped closing bracket.
      i++;
      while (i < source.length && source[i] !== ']') i += source[i] === '\\' ? 2 : 1;
      i++;
      last = { group: false, hasUnbounded: false };
      continue;
    }
    if (c === '(') {
      stack.push({ hasUnbounded: false });
      last = undefined;
      i++;
      if (source[i] === '?') {
        // (?: (?= (?! (?<= (?<! (?<name>: skip the group's prefix
        i++;
        if (source[i] === '<' && source[i + 1] !== '=' && source[i + 1] !== '!') {
          const close = source.indexOf('>', i);
          i = close < 0 ? source.length : close + 1;
        } else {
          i += source[i] === '<' ? 2 : 1;
        }
      }
      continue;
    }
    if (c === ')') {
      const frame = stack.length > 1 ? stack.pop()! : stack[0]!;
      last = { group: true, hasUnbounded: frame.hasUnbounded };
      if (frame.hasUnbounded) stack[stack.length - 1]!.hasUnbounded = true;
      i++;
      continue;
    }
    const quantifier = quantifierAt(source, i);
    if (quantifier !== undefined && last !== undefined) {
      if (quantifier.unbounded && last.group && last.hasUnbounded) {
        return `nested quantifier at offset ${i}: a group containing an unbounded quantifier is itself repeated without bound`;
      }
      if (quantifier.unbounded) stack[stack.length - 1]!.hasUnbounded = true;
      i += quantifier.length;
      if (source[i] === '?') i++; // lazy
      last = undefined;
      continue;
    }
    last = c === '|' ? undefined : { group: false, hasUnbounded: false };
    i++;
  }
  return undefined;
}

/** Checks a rule pattern as the worker will compile it (`new RegExp(source, flags)`). */
export function checkRegex(source: string, flags: string): RegexProblem | undefined {
  if (source.length > MAX_REGEX_LENGTH) {
    return { code: 'GENSWAP_GATEWAY_CONFIG_UNSAFE_REGEX', message: `regex is ${source.length} characters long, more than the ${MAX_REGEX_LENGTH} allowed` };
  }
  try {
    new RegExp(source, flags);
  } catch (err) {
    return { code: 'GENSWAP_GATEWAY_CONFIG_BAD_REGEX', message: `invalid regex: ${(err as Error).message}` };
  }
  const shape = unsafeShape(source);
  if (shape !== undefined) {
    return { code: 'GENSWAP_GATEWAY_CONFIG_UNSAFE_REGEX', message: `regex /${source}/ may take exponential time: ${shape}` };
  }
  return undefined;
}
