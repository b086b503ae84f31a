/**
 * How the engines' request times are smoothed between reports: one rule for the aggregator
 * (control/aggregator/engine-times.ts) and the simulator that judges the decision on what an
 * aggregator would push (backtest/sim/visible-state.ts). An interval's mean moves a moving
 * average; an interval in which no request was counted leaves it as it was (engines count a
 * request when it finishes, so a scrape every second often counts none, most of all on a jammed
 * cluster of long generations).
 */

/** Weight of the newest interval's mean; the start-up times (control/aggregator/startup-times.ts) move by the same rule. */
export const REQUEST_TIME_EWMA_ALPHA = 0.3;

/** The average after an interval whose requests averaged `sampleMs` (null: none counted). */
export function nextAverage(previous: number | null, sampleMs: number | null): number | null {
  if (sampleMs === null || !Number.isFinite(sampleMs) || sampleMs < 0) return previous;
  return previous === null ? sampleMs : previous + REQUEST_TIME_EWMA_ALPHA * (sampleMs - previous);
}

/** Waits below this are no queue: reported as none (an average of zeros only approaches 0). */
export const NO_WAIT_BELOW_MS = 1;

/** The queue wait a state row carries: the average, or null when it is no wait at all. */
export function reportedWait(average: number | null): number | null {
  return average !== null && average >= NO_WAIT_BELOW_MS ? average : null;
}
