import { type CST, Composer, type Document, Lexer, LineCounter, Parser, type YAMLError } from 'yaml';
import type { ConfigErrorCode } from './errors.js';

/** A problem found while parsing, located by string offset (converted to line:col by the caller). */
export interface OffsetProblem {
  readonly offset: number;
  readonly message: string;
  readonly code: ConfigErrorCode;
}

export interface ParsedYaml {
  /** The document, or undefined when the text could not be composed (too deep). */
  readonly doc: Document.Parsed | undefined;
  readonly lineCounter: LineCounter;
  readonly problems: readonly OffsetProblem[];
  /** True when the document is exactly what the user wrote, so worth converting and validating. */
  readonly usable: boolean;
}

/**
 * Only the YAML 1.2 core schema: no `!!binary`, `!!timestamp`, `!!set`... (resolveKnownTags off),
 * no merge keys, no custom tags. Duplicate keys are found while converting (see yaml-to-value.ts),
 * where both occurrences are known, so the library's own check is off.
 */
const PARSE_OPTIONS = {
  schema: 'core',
  version: '1.2',
  resolveKnownTags: false,
  merge: false,
  uniqueKeys: false,
  prettyErrors: false,
  strict: true,
  intAsBigInt: false,
  keepSourceTokens: false,
} as const;

const COLLECTIONS = new Set(['block-map', 'block-seq', 'flow-collection']);

/** Offset of the collection open at nesting level maxDepth + 1 on the parser's stack, if any. */
function tooDeepOnStack(stack: readonly CST.Token[], maxDepth: number): number | undefined {
  let depth = 0;
  for (const token of stack) {
    if (COLLECTIONS.has(token.type) && ++depth > maxDepth) return token.offset;
  }
  return undefined;
}

/**
 * Runs the lexer and the token parser (both iterative) one lexeme at a time, watching the parser's
 * stack of open collections, and stops at the first collection nested deeper than maxDepth. Two
 * reasons to check here rather than after parsing: the composer recurses, and a few hundred levels
 * exhaust the stack (a stack overflow that lands inside V8's regexp compiler aborts the process
 * instead of throwing); and a 4 MiB file of `[` costs the parser ~10 s, which this cuts to the
 * first maxDepth levels.
 */
function tokenize(text: string, lineCounter: LineCounter, maxDepth: number): CST.Token[] | { tooDeepAt: number } {
  const parser = new Parser(lineCounter.addNewLine);
  // Parser.parse() reports the first line itself; driving next() directly, it is ours to report.
  lineCounter.addNewLine(0);
  const tokens: CST.Token[] = [];
  for (const lexeme of new Lexer().lex(text)) {
    for (const token of parser.next(lexeme)) tokens.push(token);
    if (parser.stack.length > maxDepth) {
      const at = tooDeepOnStack(parser.stack, maxDepth);
      if (at !== undefined) return { tooDeepAt: at };
    }
  }
  for (const token of parser.end()) tokens.push(token);
  return tokens;
}

function describeTag(tag: string): string {
  return tag.startsWith('tag:yaml.org,2002:') ? `!!${tag.slice('tag:yaml.org,2002:'.length)}` : tag;
}

function fromYamlError(err: YAMLError): OffsetProblem {
  const offset = err.pos[0];
  if (err.code === 'TAG_RESOLVE_FAILED') {
    const tag = err.message.replace(/^Unresolved tag: /, '');
    return { offset, code: 'GENSWAP_CONFIG_CUSTOM_TAG', message: `tag ${describeTag(tag)} is not allowed` };
  }
  if (/Maximum call stack size exceeded/.test(err.message)) {
    return { offset, code: 'GENSWAP_CONFIG_TOO_DEEP', message: 'nesting too deep to parse' };
  }
  return { offset, code: 'GENSWAP_CONFIG_SYNTAX', message: err.message };
}

/**
 * Parses one YAML document with source positions. Every parser error and warning is a problem
 * (a config is no place for "probably fine"); a second document in the file is a problem.
 */
export function parseYaml(text: string, maxDepth: number): ParsedYaml {
  const lineCounter = new LineCounter();
  const tokens = tokenize(text, lineCounter, maxDepth);
  if (!Array.isArray(tokens)) {
    const problem: OffsetProblem = { offset: tokens.tooDeepAt, code: 'GENSWAP_CONFIG_TOO_DEEP', message: `nesting deeper than maxDepth (${maxDepth})` };
    return { doc: undefined, lineCounter, problems: [problem], usable: false };
  }
  const composer = new Composer(PARSE_OPTIONS);
  const docs: Document.Parsed[] = [];
  // Two documents are enough to know the file is wrong; a file of ten thousand `---` is not composed.
  for (const composed of composer.compose(tokens, true, text.length)) if (docs.push(composed) === 2) break;
  const doc = docs[0]!;
  const problems: OffsetProblem[] = [...doc.errors, ...doc.warnings].map(fromYamlError);
  const second = docs[1];
  if (second !== undefined) {
    problems.push({ offset: second.range[0], code: 'GENSWAP_CONFIG_SYNTAX', message: 'a second YAML document (---) in the file: a config file holds one document' });
  }
  // Warnings (custom tags, unknown directives) leave a tree, but one whose tagged values fell back
  // to strings: validating it would add follow-on complaints about values the user did not write.
  const usable = doc.errors.length === 0 && doc.warnings.length === 0 && second === undefined;
  return { doc, lineCounter, problems, usable };
}
