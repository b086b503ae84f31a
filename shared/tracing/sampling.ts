/**
 * Parent-based trace-id-ratio sampling, the one rule edge and proxy share: a request that
 * arrives with a parent follows the parent's `sampled` flag (so a trace is never half
 * recorded); a root is sampled when its trace id falls under the ratio. The id decides, not a
 * fresh random draw, so every hop that sees the same root id agrees.
 */

/** Sample ratios are probabilities: 0 (never) .. 1 (always). */
export function validRatio(ratio: number): boolean {
  return Number.isFinite(ratio) && ratio >= 0 && ratio <= 1;
}

/** Is a new root trace with this id recorded at `ratio`? Reads the id's last 13 hex digits (52 bits). */
export function rootSampled(traceId: string, ratio: number): boolean {
  if (ratio >= 1) return true;
  if (ratio <= 0) return false;
  const low = parseInt(traceId.slice(-13), 16);
  return Number.isFinite(low) && low < ratio * 2 ** 52;
}

/** Parent-based: follow the parent when there is one, else the ratio on the trace id. */
export function shouldSample(parent: { readonly sampled: boolean } | null, traceId: string, ratio: number): boolean {
  return parent === null ? rootSampled(traceId, ratio) : parent.sampled;
}

/**
 * Sampling under a parent that arrived from outside (a client's `traceparent`, not a signed
 * routing token): its "not sampled" is followed, but it cannot demand recording beyond the
 * ratio, which is the operator's bound on tracing cost. The trace id cannot decide here (the
 * client picks it, e.g. one ending in zeros), so `draw`, uniform in [0, 1), does. The hop that
 * decided hands its flag on (token `tp`, `traceparent`), so later hops still agree.
 */
export function untrustedParentSampled(parent: { readonly sampled: boolean }, ratio: number, draw: number): boolean {
  return parent.sampled && draw < ratio;
}
