/**
 * Case-insensitive `*` globs (a route's `models` and header values), matched in linear time.
 * They used to compile to one anchored regex with `.*` per star, which backtracks: a tenant's
 * `coder-*-*-instruct` against a 40 KB model header held the edge isolate's one thread for
 * 2.4 s, stalling every other tenant's requests on it.
 */

/** One glob as its literal pieces between stars: `a*b*c` → ['a', 'b', 'c']. */
type Glob = readonly string[];

function compileGlob(pattern: string): Glob {
  return pattern.toLowerCase().split('*');
}

/**
 * Whether `s` matches: the first piece is a prefix, the last a suffix, and the middle ones occur
 * in order between them. Taking each middle piece at its leftmost place is never wrong for `*`
 * (any later match leaves less room for the rest), so there is no backtracking.
 */
function matchesGlob(pieces: Glob, s: string): boolean {
  const first = pieces[0] ?? '';
  if (pieces.length === 1) return s === first;
  const last = pieces[pieces.length - 1] ?? '';
  if (s.length < first.length + last.length || !s.startsWith(first) || !s.endsWith(last)) return false;
  let at = first.length;
  const end = s.length - last.length;
  for (let i = 1; i < pieces.length - 1; i++) {
    const piece = pieces[i] ?? '';
    const found = s.indexOf(piece, at);
    if (found < 0 || found + piece.length > end) return false;
    at = found + piece.length;
  }
  return true;
}

/** A matcher for any of `patterns` (case-insensitive). */
export function compileGlobs(patterns: readonly string[]): (value: string) => boolean {
  const globs = patterns.map(compileGlob);
  return (value) => {
    const s = value.toLowerCase();
    return globs.some((g) => matchesGlob(g, s));
  };
}
