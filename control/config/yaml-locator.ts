import { isMap, isNode, isScalar, LineCounter, type Document } from 'yaml';

/**
 * Finds the line of a YAML path: the line of the mapping key when the path ends in one (that is
 * where the operator looks for `residency:`), else of the node, falling back to the nearest
 * ancestor that exists (e.g. for a missing field).
 */
export function makeLocator(doc: Document, lines: LineCounter): (path: readonly PropertyKey[]) => number | null {
  return (path) => {
    for (let n = path.length; n >= 0; n--) {
      const prefix = path.slice(0, n) as unknown[];
      const parent = n > 0 ? doc.getIn(prefix.slice(0, -1), true) : undefined;
      if (isMap(parent)) {
        const pair = parent.items.find((p) => isScalar(p.key) && p.key.value === prefix[n - 1]);
        if (pair !== undefined && isNode(pair.key) && pair.key.range) return lines.linePos(pair.key.range[0]).line;
      }
      const node = n === 0 ? doc.contents : doc.getIn(prefix, true);
      if (isNode(node) && node.range) return lines.linePos(node.range[0]).line;
    }
    return null;
  };
}
