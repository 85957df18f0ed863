import { FORBIDDEN_KEYS } from './yaml-to-value.js';

/**
 * The common case of a config file, read without the `yaml` package: block mappings and
 * sequences, one-line flow sequences, plain scalars of a conservative alphabet (printable ASCII,
 * and Unicode letters, digits and marks), quoted strings without escapes, and comments; lines end
 * in LF or CRLF. It gives the value the full path (parse-yaml.ts, then
 * yaml-to-value.ts) would give, or NOT_PLAIN for anything outside that subset or anything the full
 * path would complain about, and the caller then takes the full path, which alone reports
 * problems. Every branch that is unsure gives up rather than guess: a wrong "no" costs a
 * millisecond, a wrong value would be a silent misconfiguration.
 *
 * Why it exists: a reload of a small config runs a few times a second at most, so its code is
 * never hot, and cold, the `yaml` lexer, parser and composer cost ~1 ms for a ten-line file on
 * this project's 2-core reference machine, most of a small reload. This walk over the lines costs
 * a few tens of microseconds. plain-yaml.test.ts checks it against the full path on generated and
 * mutated documents.
 */
export const NOT_PLAIN: unique symbol = Symbol('not plain YAML');

type Value = unknown;
type Result = Value | typeof NOT_PLAIN;

interface Line {
  /** Column of the first character of `text`. */
  readonly indent: number;
  /** The line after its indentation; never empty, never a comment. */
  readonly text: string;
}

// Core schema (YAML 1.2) resolution of a plain scalar, in the order the `yaml` package tries its
// tags: null, bool, octal, decimal and hexadecimal int, then .inf/.nan, exponent and plain floats.
const NULL = /^(?:~|[Nn]ull|NULL)$/;
const BOOL = /^(?:[Tt]rue|TRUE|[Ff]alse|FALSE)$/;
const INT_OCT = /^0o[0-7]+$/;
const INT = /^[-+]?[0-9]+$/;
const INT_HEX = /^0x[0-9a-fA-F]+$/;
const FLOAT_NAN = /^(?:[-+]?\.(?:inf|Inf|INF)|\.nan|\.NaN|\.NAN)$/;
const FLOAT_EXP = /^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)[eE][-+]?[0-9]+$/;
const FLOAT = /^[-+]?(?:\.[0-9]+|[0-9]+\.[0-9]*)$/;

function resolvePlain(s: string): Value {
  // Most scalars and every key are words: a letter other than n, t, f (null, true, false) can
  // start nothing but a string, so the tag patterns below need not run for them.
  const c = s.charCodeAt(0) | 0x20; // ASCII lower case (digits and signs stay out of a-z)
  if (c >= 0x61 && c <= 0x7a && c !== 0x6e && c !== 0x74 && c !== 0x66) return s;
  if (NULL.test(s)) return null;
  if (BOOL.test(s)) return s[0] === 't' || s[0] === 'T';
  if (INT_OCT.test(s)) return parseInt(s.slice(2), 8);
  if (INT.test(s)) return parseInt(s, 10);
  if (INT_HEX.test(s)) return parseInt(s.slice(2), 16);
  if (FLOAT_NAN.test(s)) return s.endsWith('nan') || s.endsWith('NaN') || s.endsWith('NAN') ? Number.NaN : s[0] === '-' ? -Infinity : Infinity;
  if (FLOAT_EXP.test(s) || FLOAT.test(s)) return parseFloat(s);
  return s;
}

/**
 * A plain scalar as accepted here: printable ASCII and Unicode letters, digits and combining marks
 * (`naïve`, `Größe`, `東京`), starting with a letter, digit or one of `_ . / ~ ^ $ ( = < +`, or
 * `-` or `:` before a character that is not a space (`-1`, `::1`); no `#`, quotes, backslash,
 * backquote, brackets, braces or commas anywhere; spaces only between words. Indicators YAML
 * gives meaning to at the start (`- ? : , [ ] { } # & * ! | > ' " % @ \``) never start one, so
 * nothing accepted can be an alias, tag, anchor, block scalar or directive. Other non-ASCII
 * characters (spaces such as U+00A0, U+2028 and U+0085, which YAML 1.1 read as line breaks,
 * symbols, the byte order mark) are left to the full path.
 */
const PLAIN_ASCII = /^(?:[A-Za-z0-9_./~^$(=<+]|[-:](?=[^ ]))[!$%&()*+\-./0-9:;<=>?@A-Z^_a-z|~ ]*$/;
const PLAIN_UNICODE = /^(?:[A-Za-z0-9_./~^$(=<+\p{L}\p{N}]|[-:](?=[^ ]))[!$%&()*+\-./0-9:;<=>?@A-Z^_a-z|~ \p{L}\p{N}\p{M}]*$/u;
/** Anything outside printable ASCII (the ASCII pattern, cheaper, decides strings without it). */
const NON_ASCII = /[^\x20-\x7e]/;
/** A key as accepted here: a word, maybe with `-`, `.` or `/` inside (header and path names). */
const KEY = /^[A-Za-z0-9_][A-Za-z0-9_./-]{0,127}$/;

/** A plain scalar's value, or NOT_PLAIN when it is outside the subset or would not be one scalar. */
function plainScalar(s: string): Result {
  if (!(NON_ASCII.test(s) ? PLAIN_UNICODE : PLAIN_ASCII).test(s) || s.endsWith(' ') || s.endsWith(':') || s.includes('  ')) return NOT_PLAIN;
  // `a: b` inside a value is a mapping (or an error), and so is `a:` at the end of a flow item
  // (`[a:]` is a one-pair mapping); a `:` before any other character is part of the scalar
  // (`2001:db8::/32`, `a:b`), in block and flow context alike.
  if (s.includes(': ')) return NOT_PLAIN;
  return resolvePlain(s);
}

const ESCAPES: ReadonlyMap<string | undefined, string> = new Map([['\\', '\\'], ['"', '"'], ['/', '/'], ['n', '\n'], ['t', '\t'], ['r', '\r']]);

/**
 * A quoted scalar starting at `at` in `s`: its value and the index after its closing quote, or
 * undefined. Single quotes: no `''` inside. Double quotes: only the escapes \\ \" \/ \n \t \r
 * (a regex's `\\.` among them); any other escape is left to the full path.
 */
function quoted(s: string, at: number): { value: string; end: number } | undefined {
  if (s[at] === "'") {
    const close = s.indexOf("'", at + 1);
    if (close < 0 || s[close + 1] === "'") return undefined;
    return { value: s.slice(at + 1, close), end: close + 1 };
  }
  let value = '';
  let from = at + 1;
  for (let i = from; i < s.length; i++) {
    const c = s[i];
    if (c === '"') return { value: value + s.slice(from, i), end: i + 1 };
    if (c !== '\\') continue;
    const escaped = ESCAPES.get(s[i + 1]);
    if (escaped === undefined) return undefined;
    value += s.slice(from, i) + escaped;
    i++;
    from = i + 1;
  }
  return undefined;
}

/**
 * `s` without its trailing spaces. Not String.prototype.trimEnd, which also takes U+00A0, U+2028,
 * U+FEFF and the other Unicode spaces that YAML keeps as part of a plain scalar.
 */
function trimSpacesEnd(s: string): string {
  let end = s.length;
  while (end > 0 && s.charCodeAt(end - 1) === 0x20) end--;
  return end === s.length ? s : s.slice(0, end);
}

/** `s` without its leading spaces (see trimSpacesEnd). */
function trimSpacesStart(s: string): string {
  let start = 0;
  while (s.charCodeAt(start) === 0x20) start++;
  return start === 0 ? s : s.slice(start);
}

/** Whether `s` from `at` on is nothing, or spaces and then a comment (a `#` after a space). */
function onlyComment(s: string, at: number): boolean {
  let i = at;
  while (s[i] === ' ') i++;
  return i === s.length || (s[i] === '#' && i > at);
}

/** A scalar inside a flow collection, from `i` up to (not including) the first of `stops`: quoted, or plain. */
function flowScalar(s: string, i: number, stops: string): { value: Result; end: number } {
  if (s[i] === "'" || s[i] === '"') return quoted(s, i) ?? { value: NOT_PLAIN, end: i };
  let end = i;
  while (end < s.length && !stops.includes(s[end]!)) end++;
  return { value: plainScalar(trimSpacesEnd(s.slice(i, end))), end };
}

/**
 * `[a, b, 'c']` or `{ k: v, k2: 'w' }` on one line, then nothing or a comment; items and values
 * are scalars, keys are keys of the subset (`k: v`, a space after the colon).
 */
function flowCollection(s: string): Result {
  const isMap = s[0] === '{';
  const close = isMap ? '}' : ']';
  const out: Value[] | Record<string, Value> = isMap ? {} : [];
  let i = 1;
  while (s[i] === ' ') i++;
  if (s[i] === close) return onlyComment(s, i + 1) ? out : NOT_PLAIN;
  for (;;) {
    if (isMap) {
      const colon = s.indexOf(': ', i);
      const key = colon < 0 ? '' : s.slice(i, colon);
      if (!isKey(key) || Object.hasOwn(out, key)) return NOT_PLAIN;
      i = colon + 2;
      while (s[i] === ' ') i++;
      const { value, end } = flowScalar(s, i, ',}');
      if (value === NOT_PLAIN) return NOT_PLAIN;
      (out as Record<string, Value>)[key] = value;
      i = end;
    } else {
      const { value, end } = flowScalar(s, i, ',]');
      if (value === NOT_PLAIN) return NOT_PLAIN;
      (out as Value[]).push(value);
      i = end;
    }
    while (s[i] === ' ') i++;
    if (s[i] === close) return onlyComment(s, i + 1) ? out : NOT_PLAIN;
    if (s[i] !== ',') return NOT_PLAIN;
    i++;
    while (s[i] === ' ') i++;
    // A trailing comma, an empty item or a nested collection: the full path decides.
    if (s[i] === close || s[i] === ',' || s[i] === '[' || s[i] === '{' || s[i] === undefined) return NOT_PLAIN;
  }
}

/**
 * A value written on the line of its key or dash: a flow collection (when one more level of
 * nesting is allowed), a quoted string or a plain scalar.
 */
function inlineValue(s: string, nestOk: boolean): Result {
  const c = s[0];
  if (c === '[' || c === '{') return nestOk ? flowCollection(s) : NOT_PLAIN;
  if (c === "'" || c === '"') {
    const q = quoted(s, 0);
    return q !== undefined && onlyComment(s, q.end) ? q.value : NOT_PLAIN;
  }
  const hash = s.indexOf(' #');
  const plain = trimSpacesEnd(hash < 0 ? s : s.slice(0, hash));
  return plainScalar(plain);
}

/** Whether the line is a sequence entry: `-` alone or before a space. */
function isEntry(text: string): boolean {
  return text === '-' || text.startsWith('- ');
}

/** `key:` or `key: value` split, or undefined when the line does not start with a key of the subset. */
function splitKey(text: string): { key: string; rest: string } | undefined {
  const colon = text.indexOf(':');
  if (colon <= 0 || (colon + 1 < text.length && text[colon + 1] !== ' ')) return undefined;
  const key = text.slice(0, colon);
  return isKey(key) ? { key, rest: trimSpacesStart(text.slice(colon + 1)) } : undefined;
}

/** A key of the subset; one that resolves to something other than a string (`80`, `true`, `~`) is left to the full path. */
function isKey(key: string): boolean {
  return KEY.test(key) && typeof resolvePlain(key) === 'string' && !FORBIDDEN_KEYS.has(key);
}

class Walk {
  private i = 0;

  constructor(
    private readonly lines: Line[],
    private readonly maxDepth: number,
  ) {}

  document(): Result {
    const first = this.lines[0];
    if (first === undefined || isEntry(first.text) || splitKey(first.text) === undefined) return NOT_PLAIN;
    const value = this.mapping(first.indent, 1);
    return this.i === this.lines.length ? value : NOT_PLAIN;
  }

  /** The value below a `key:` or `-` with nothing after it: a more indented block, or a sequence at `indent` (`sameIndentSeq`), or null. */
  private nested(indent: number, depth: number, sameIndentSeq: boolean): Result {
    const next = this.lines[this.i];
    if (next === undefined) return null;
    if (next.indent > indent) return isEntry(next.text) ? this.sequence(next.indent, depth) : this.mapping(next.indent, depth);
    if (sameIndentSeq && next.indent === indent && isEntry(next.text)) return this.sequence(indent, depth);
    return null;
  }

  /** After a value written on its own line: a more indented line would continue it (or be an error). */
  private endOfValue(indent: number): boolean {
    const next = this.lines[this.i];
    return next === undefined || next.indent <= indent;
  }

  private mapping(indent: number, depth: number): Result {
    if (depth >= this.maxDepth) return NOT_PLAIN;
    const out: Record<string, Value> = {};
    while (this.i < this.lines.length) {
      const line = this.lines[this.i]!;
      if (line.indent < indent) break;
      if (line.indent > indent) return NOT_PLAIN;
      const kv = splitKey(line.text);
      if (kv === undefined || Object.hasOwn(out, kv.key)) return NOT_PLAIN;
      this.i++;
      let value: Result;
      if (kv.rest === '' || kv.rest[0] === '#') {
        value = this.nested(indent, depth + 1, true);
      } else {
        value = inlineValue(kv.rest, depth + 1 < this.maxDepth);
        if (!this.endOfValue(indent)) return NOT_PLAIN;
      }
      if (value === NOT_PLAIN) return NOT_PLAIN;
      out[kv.key] = value;
    }
    return out;
  }

  private sequence(indent: number, depth: number): Result {
    if (depth >= this.maxDepth) return NOT_PLAIN;
    const out: Value[] = [];
    while (this.i < this.lines.length) {
      const line = this.lines[this.i]!;
      if (line.indent < indent) break;
      if (line.indent > indent) return NOT_PLAIN;
      // A key at the indentation of this sequence ends it (the sequence was a key's value written at the key's indentation).
      if (!isEntry(line.text)) break;
      let gap = 1;
      while (line.text[gap] === ' ') gap++;
      const content = line.text.slice(gap);
      let item: Result;
      if (content === '' || content[0] === '#') {
        this.i++;
        item = this.nested(indent, depth + 1, false);
      } else if (isEntry(content)) {
        return NOT_PLAIN; // `- - a`: left to the full path
      } else if (splitKey(content) !== undefined) {
        // `- key: value`: a mapping whose keys sit at the column of this first key.
        this.lines[this.i] = { indent: indent + gap, text: content };
        item = this.mapping(indent + gap, depth + 1);
      } else {
        this.i++;
        item = inlineValue(content, depth + 1 < this.maxDepth);
        if (!this.endOfValue(indent)) return NOT_PLAIN;
      }
      if (item === NOT_PLAIN) return NOT_PLAIN;
      out.push(item);
    }
    return out;
  }
}

/**
 * The value of `text` if it is a block mapping within the subset described above, else NOT_PLAIN.
 * `text` has had its byte order mark removed and its control characters refused (decode-text.ts).
 */
export function plainYamlValue(text: string, maxDepth: number): Result {
  const lines: Line[] = [];
  let start = 0;
  while (start <= text.length) {
    let end = text.indexOf('\n', start);
    if (end < 0) end = text.length;
    // A CRLF line end is one line break, as LF is. A CR anywhere else, even last in the file (a
    // line break to YAML, but part of a scalar to the `yaml` package), is left to the full path,
    // and so are tabs (never indentation, sometimes a value's whitespace).
    const raw = text.slice(start, end < text.length && end > start && text.charCodeAt(end - 1) === 0x0d ? end - 1 : end);
    start = end + 1;
    if (raw.includes('\t') || raw.includes('\r')) return NOT_PLAIN;
    let indent = 0;
    while (raw.charCodeAt(indent) === 0x20) indent++;
    if (indent === raw.length || raw[indent] === '#') continue;
    // Directives and document markers are left to the full path.
    if (indent === 0 && (raw[0] === '%' || raw.startsWith('---') || raw.startsWith('...'))) return NOT_PLAIN;
    lines.push({ indent, text: raw.slice(indent) });
  }
  return new Walk(lines, maxDepth).document();
}
