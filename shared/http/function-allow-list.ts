/**
 * An app's declared functions (`requests.functions`), compiled once per app into a matcher the
 * edge and the proxy both use: anything not declared is a 404 on either side, so a replica's
 * own admin paths (`_control`, `metrics`, `health`) are never reachable through Switchyard.
 *
 * Patterns are canonical paths (checked by `functionPatternProblem`); a last segment `*`
 * matches one or more further segments (`v1/*` matches `v1/models` and `v1/chat/completions`,
 * not `v1` itself); `*` alone matches every function. The function matched is the canonical
 * form from `parseAppPath`, so `..`, `//` and encodings cannot slip past a prefix.
 */
export type FunctionMatcher = (fn: string) => boolean;

export function compileFunctionAllowList(patterns: readonly string[]): FunctionMatcher {
  if (patterns.includes('*')) return () => true;
  const exact = new Set<string>();
  const prefixes: string[] = [];
  for (const p of patterns) {
    if (p.endsWith('/*')) prefixes.push(p.slice(0, -1));
    else exact.add(p);
  }
  return (fn) => {
    if (exact.has(fn)) return true;
    for (const prefix of prefixes) if (fn.length > prefix.length && fn.startsWith(prefix)) return true;
    return false;
  };
}

const cache = new WeakMap<readonly string[], FunctionMatcher>();

/** The matcher for an app's pattern list, compiled on first use and kept with the list. */
export function functionAllowed(patterns: readonly string[], fn: string): boolean {
  let m = cache.get(patterns);
  if (m === undefined) {
    m = compileFunctionAllowList(patterns);
    cache.set(patterns, m);
  }
  return m(fn);
}
