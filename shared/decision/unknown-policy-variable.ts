/**
 * The one check that a `ROUTE_*` name is a policy variable `parsePolicy` reads. `parsePolicy`
 * ignores names it does not know (a Worker's env holds other vars), so a misspelt override
 * (`ROUTE_LATENCY_VALUE_UDS`) used to be dropped silently: the canary or the replay ran the
 * default value under the operator's policy name. Readers of explicit overrides call this.
 */
import { POLICY_VARIABLES } from './policy.ts';

const NAMES = POLICY_VARIABLES.map((v) => v.name);
const KNOWN = new Set(NAMES);

/** Why `name` is not a policy variable (with the nearest one when it looks like a typo), or null. */
export function unknownPolicyVariable(name: string): string | null {
  return KNOWN.has(name) ? null : `${name} is not a policy variable (${nearestHint(name, NAMES)})`;
}

/**
 * The same for a whole environment's `ROUTE_*` names, where the canary's variables
 * (`also`) are known too and a misspelt one (`ROUTE_CANARY_PERCNT`) would leave the canary off
 * unannounced; the hint looks among both.
 */
export function unknownRouteVariable(name: string, also: readonly string[]): string | null {
  if (KNOWN.has(name) || also.includes(name)) return null;
  return `${name} is not a policy variable (${nearestHint(name, [...NAMES, ...also])})`;
}

/** Case-blind, so `route_model` (read by nothing: env names are case-sensitive) is pointed to ROUTE_MODEL. */
function nearestHint(name: string, names: readonly string[]): string {
  const upper = name.toUpperCase();
  const near = names.map((n) => [n, editDistance(n, upper)] as const).sort((a, b) => a[1] - b[1])[0];
  return near !== undefined && near[1] <= 3 ? `did you mean ${near[0]}?` : 'see workers/README.md for the ROUTE_* variables';
}

/** Levenshtein distance: names are short, so the quadratic table is cheap. */
function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      row.push(Math.min((prev[j] ?? 0) + 1, (row[j - 1] ?? 0) + 1, (prev[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1)));
    }
    prev = row;
  }
  return prev[b.length] ?? 0;
}
