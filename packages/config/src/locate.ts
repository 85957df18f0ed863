import { type Document, type Node, type Pair, isAlias, isMap, isScalar, isSeq } from 'yaml';
import type { AnchorIndex } from './anchor-index.js';
import type { ConfigPath } from './types.js';
import { keyString } from './yaml-to-value.js';

/**
 * Finds where a document path was written, for a problem about it:
 * - a value: the value's node (a key with no value: the key);
 * - `at: 'key'`: the key itself (unknown or forbidden keys);
 * - a path that does not exist (a missing required key): the deepest mapping or sequence on
 *   the path that does exist, i.e. the parent that lacks the key.
 * Paths go through aliases to the anchored node, where the text actually is.
 */
export function locate(doc: Document.Parsed, anchors: AnchorIndex, path: ConfigPath, at: 'value' | 'key' = 'value'): number {
  let node: Node | null = doc.contents;
  let offset = node?.range?.[0] ?? 0;
  for (let i = 0; i < path.length; i++) {
    while (isAlias(node)) node = anchors.resolve(node) ?? null;
    const seg = path[i]!;
    let pair: Pair | undefined;
    let next: Node | null | undefined;
    if (isMap(node)) {
      pair = node.items.find((p) => keyString(isAlias(p.key) ? anchors.resolve(p.key) : p.key) === String(seg));
      next = pair === undefined ? undefined : (pair.value as Node | null);
    } else if (isSeq(node) && typeof seg === 'number') {
      next = node.items[seg] as Node | undefined;
    }
    if (next === undefined) return offset;
    const keyOffset = (pair?.key as Node | null)?.range?.[0];
    if (i === path.length - 1 && at === 'key' && keyOffset !== undefined) return keyOffset;
    // `key:` with nothing after it: point at the key, the empty value has no text of its own.
    if (next === null || (isScalar(next) && next.range != null && next.range[0] === next.range[1])) return keyOffset ?? offset;
    node = next;
    offset = next.range?.[0] ?? offset;
  }
  return offset;
}
