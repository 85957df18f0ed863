import { type Alias, type Document, type Node, isAlias, visit } from 'yaml';

/**
 * Resolves aliases to their anchored node: the last anchor of that name before the alias in
 * document order (YAML lets an anchor name be redefined). The index is built on the first alias
 * only, so alias-free configs never pay for it; each alias is resolved once.
 */
export class AnchorIndex {
  private order: Node[] | undefined;
  private readonly resolved = new Map<Alias, Node | undefined>();

  constructor(private readonly doc: Document.Parsed) {}

  resolve(alias: Alias): Node | undefined {
    if (this.resolved.has(alias)) return this.resolved.get(alias);
    if (this.order === undefined) {
      const order: Node[] = [];
      visit(this.doc, {
        Node: (_key, node) => {
          if (isAlias(node) || node.anchor !== undefined) order.push(node);
        },
      });
      this.order = order;
    }
    let found: Node | undefined;
    for (const node of this.order) {
      if (node === alias) break;
      if (!isAlias(node) && node.anchor === alias.source) found = node;
    }
    this.resolved.set(alias, found);
    return found;
  }
}
