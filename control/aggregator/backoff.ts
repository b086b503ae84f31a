/**
 * Delay before retry number `attempt` (0-based): exponential, capped, with "equal jitter"
 * (half fixed, half random) so aggregators that lost the database together do not retry in
 * lockstep, yet never retry immediately. `random` returns [0, 1).
 */
export function backoffDelay(attempt: number, opts: { readonly baseMs: number; readonly maxMs: number }, random: () => number): number {
  const ceiling = Math.min(opts.maxMs, opts.baseMs * 2 ** Math.min(attempt, 30));
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}
