import { isNode, LineCounter, type Document } from 'yaml';

/** Finds the line of a YAML path, falling back to the nearest ancestor that exists (e.g. for a missing field). */
export function makeLocator(doc: Document, lines: LineCounter): (path: readonly PropertyKey[]) => number | null {
  return (path) => {
    for (let n = path.length; n >= 0; n--) {
      const node = doc.getIn(path.slice(0, n) as unknown[], true);
      if (isNode(node) && node.range) return lines.linePos(node.range[0]).line;
    }
    return null;
  };
}
