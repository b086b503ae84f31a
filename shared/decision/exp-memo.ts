/**
 * `Math.exp` results of the pick's weights, kept per candidate and keyed by the exact argument.
 *
 * Why: a capped decision calls `Math.exp` ~200 times (two softmax passes, two start-up passes;
 * ~110 instructions each in V8's fdlibm), and from one client location on one snapshot the
 * arguments repeat: scores move only in 250 ms age steps, the capped temperature is the policy's,
 * and the start-up weights read the network term and start times, fixed per snapshot and location.
 * A slot answers only when its stored argument is the same double (=== ; ±0 give the same 1,
 * NaN never matches), so a hit returns exactly what `Math.exp` would: no invalidation to get
 * wrong. Where it lives (one memo per snapshot and client location, `ttft-memo.ts`) only sets
 * how often it hits.
 */

/** Which weight a slot holds: each use keeps its own last argument per candidate. */
export const EXP_USE = { softmax: 0, widened: 1, warmStart: 2, coldStart: 3 } as const;

/** [argument, value] pairs, 4 uses per candidate (NaN: empty). */
export type ExpMemo = Float64Array;

export function newExpMemo(candidates: number): ExpMemo {
  return new Float64Array(candidates * 8).fill(NaN);
}

/**
 * Index of candidate `index`'s slot for `use` (4 uses × [argument, value] per candidate). Literals,
 * and callers pass the use as a local: a module binding is reloaded and re-checked at every access.
 */
export function expSlot(index: number, use: number): number {
  return index * 8 + use * 2;
}

/** `Math.exp(x)`, from the memo's `slot` when it last saw the same `x`. Small enough to inline. */
export function memoExp(m: ExpMemo, slot: number, x: number): number {
  if (m[slot] === x) return m[slot + 1] as number;
  const v = Math.exp(x);
  m[slot] = x;
  m[slot + 1] = v;
  return v;
}
