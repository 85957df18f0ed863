import { type Document, type LineCounter, type Node, type Pair, isAlias, isMap, isPair, isScalar, isSeq } from 'yaml';
import { AnchorIndex } from './anchor-index.js';
import type { ConfigErrorCode } from './errors.js';
import type { ConfigPath } from './types.js';

/**
 * Keys refused anywhere in a document. `__proto__` would set the prototype of the object built
 * for its mapping; `constructor` and `prototype` are refused too because user compile steps,
 * spreads and merge helpers downstream treat them specially. No config needs them, so they are
 * problems (GENSWAP_CONFIG_FORBIDDEN_KEY) rather than data.
 */
export const FORBIDDEN_KEYS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);

export interface PathProblem {
  readonly offset: number;
  readonly path: ConfigPath;
  readonly message: string;
  readonly code: ConfigErrorCode;
}

export interface Converted {
  readonly value: unknown;
  /** False when the value is missing parts (alias limit, too deep, unknown anchor): do not validate it. */
  readonly complete: boolean;
  readonly problems: readonly PathProblem[];
  readonly anchors: AnchorIndex;
}

/** The string a mapping key stands for (`80: x` and `"80": x` are the same key), or undefined if it is not a scalar. */
export function keyString(key: unknown): string | undefined {
  if (!isScalar(key)) return undefined;
  const v = key.value;
  return typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean' ? String(v) : undefined;
}

function start(node: Node | null | undefined): number | undefined {
  return node?.range?.[0];
}

/**
 * Builds the plain JS value of a parsed document, walking the tree itself instead of calling
 * toJS() so that every refusal has a position: aliases are expanded in place and counted (each
 * alias met in the expanded tree counts once, so nested billion-laughs aliases hit the limit after
 * maxAliasCount expansions, not after a billion), depth is checked on the expanded tree, keys are
 * checked for duplicates after conversion to strings, and forbidden keys never reach an object.
 */
class Converter {
  private aliases = 0;
  private complete = true;
  private aliasLimitReported = false;
  private depthReported = false;
  private readonly path: (string | number)[] = [];
  readonly problems: PathProblem[] = [];
  readonly anchors: AnchorIndex;

  constructor(
    doc: Document.Parsed,
    private readonly lineCounter: LineCounter,
    private readonly maxDepth: number,
    private readonly maxAliasCount: number,
  ) {
    this.anchors = new AnchorIndex(doc);
  }

  finish(value: unknown): Converted {
    return { value, complete: this.complete, problems: this.problems, anchors: this.anchors };
  }

  private report(offset: number | undefined, message: string, code: ConfigErrorCode, path: ConfigPath = this.path): void {
    this.problems.push({ offset: offset ?? 0, path: [...path], message, code });
  }

  value(node: unknown, depth: number): unknown {
    if (node === null || node === undefined) return null;
    if (isScalar(node)) return node.value;
    if (isAlias(node)) {
      const target = this.expand(node);
      return target === undefined ? null : this.value(target, depth);
    }
    if (isMap(node)) return this.mapping(node.items, start(node), depth + 1);
    if (isSeq(node)) {
      if (!this.depthOk(start(node), depth + 1)) return null;
      const out: unknown[] = [];
      for (let i = 0; i < node.items.length; i++) {
        this.path.push(i);
        const item = node.items[i];
        // `[a: 1]` is a sequence holding a one-pair mapping.
        out.push(isPair(item) ? this.mapping([item], start(item.key as Node), depth + 2) : this.value(item, depth + 1));
        this.path.pop();
      }
      return out;
    }
    return null;
  }

  private depthOk(offset: number | undefined, depth: number): boolean {
    if (depth <= this.maxDepth) return true;
    this.complete = false;
    if (!this.depthReported) this.report(offset, `nesting deeper than maxDepth (${this.maxDepth})`, 'GENSWAP_CONFIG_TOO_DEEP');
    this.depthReported = true;
    return false;
  }

  /** Counts one alias expansion and finds its anchor; undefined when refused. */
  private expand(alias: Node & { source: string }): Node | undefined {
    if (++this.aliases > this.maxAliasCount) {
      this.complete = false;
      if (!this.aliasLimitReported) {
        this.report(start(alias), `more than maxAliasCount (${this.maxAliasCount}) alias expansions`, 'GENSWAP_CONFIG_ALIAS_LIMIT');
      }
      this.aliasLimitReported = true;
      return undefined;
    }
    const target = this.anchors.resolve(alias as Parameters<AnchorIndex['resolve']>[0]);
    if (target === undefined) {
      this.complete = false;
      this.report(start(alias), `alias *${alias.source} has no anchor &${alias.source} before it`, 'GENSWAP_CONFIG_SYNTAX');
      return undefined;
    }
    // An alias written inside the node it names would expand forever: say so, rather than
    // letting the depth or alias limit report it with a path a hundred segments long.
    const [from, to] = target.range ?? [0, 0];
    const at = start(alias) ?? -1;
    if (at >= from && at < to) {
      this.complete = false;
      this.report(at, `alias *${alias.source} refers to a node that contains it (a cycle)`, 'GENSWAP_CONFIG_ALIAS_LIMIT');
      return undefined;
    }
    return target;
  }

  private mapping(items: readonly Pair[], offset: number | undefined, depth: number): Record<string, unknown> | null {
    if (!this.depthOk(offset, depth)) return null;
    const out: Record<string, unknown> = {};
    const keyNodes = new Map<string, Node>();
    for (const pair of items) {
      let keyNode = pair.key as Node | null;
      if (isAlias(keyNode)) keyNode = this.expand(keyNode) ?? null;
      const keyAt = start(pair.key as Node) ?? start(pair.value as Node) ?? offset;
      const key = keyString(keyNode);
      if (key === undefined) {
        const found = isMap(keyNode) ? 'a mapping' : isSeq(keyNode) ? 'a sequence' : 'an empty key';
        this.report(keyAt, `mapping keys must be strings or numbers, found ${found}`, 'GENSWAP_CONFIG_BAD_KEY');
        continue;
      }
      if (FORBIDDEN_KEYS.has(key)) {
        this.report(keyAt, `key "${key}" is not allowed`, 'GENSWAP_CONFIG_FORBIDDEN_KEY', [...this.path, key]);
        continue;
      }
      const first = keyNodes.get(key);
      if (first !== undefined) {
        const at = this.lineCounter.linePos(start(first) ?? 0);
        this.report(keyAt, `duplicate key "${key}" (first at line ${at.line}, column ${at.col})`, 'GENSWAP_CONFIG_DUPLICATE_KEY', [...this.path, key]);
        continue;
      }
      keyNodes.set(key, pair.key as Node);
      this.path.push(key);
      out[key] = this.value(pair.value, depth);
      this.path.pop();
    }
    return out;
  }
}

export function yamlToValue(doc: Document.Parsed, lineCounter: LineCounter, maxDepth: number, maxAliasCount: number): Converted {
  const converter = new Converter(doc, lineCounter, maxDepth, maxAliasCount);
  return converter.finish(converter.value(doc.contents, 0));
}
