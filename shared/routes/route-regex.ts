/**
 * A route's `regex` condition runs a tenant's pattern on a client's prompt at the edge, where
 * every tenant shares the isolate's one thread. JavaScript's engine backtracks: `(a+)+$` on a
 * 27-character prompt took 0.6 s there. RE2 (re2js) matches in time linear in the prompt, at
 * the price of its syntax: no lookaround, no backreferences.
 */
import { RE2JS } from 're2js';

/** Case-insensitive, RE2 syntax. Throws on a pattern RE2 does not accept (`regexProblem` says why first). */
export function compileRouteRegex(pattern: string): RE2JS {
  return RE2JS.compile(pattern, RE2JS.CASE_INSENSITIVE);
}

/** Why `pattern` cannot be a route regex, or null. */
export function routeRegexProblem(pattern: string): string | null {
  try {
    compileRouteRegex(pattern);
    return null;
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    return `not a regular expression Switchyard can run in linear time (RE2 syntax: no lookaround or backreferences): ${why}`;
  }
}
