/**
 * The automatic gates: the canary's live outcomes against the stable version's over the current
 * step — replica error rate (plus an absolute error budget), TTFT p95 and cut streams. Pure.
 */
import type { GateConfig } from './types.ts';

/** Outcomes of one version over the evaluated window. */
export interface VersionOutcomes {
  readonly requests: number;
  /** Replica faults: 5xx or no answer (status 0); never a client's 4xx. */
  readonly errors: number;
  /** Streams that began (2xx/3xx) and were cut by a fault other than the client leaving. */
  readonly cut: number;
  /** Time to first byte of the successful requests, ms. */
  readonly ttfbMs: readonly number[];
}

export type GateName = 'error-budget' | 'error-rate' | 'ttft-p95' | 'cut-streams';

export interface GateFailure {
  readonly gate: GateName;
  readonly detail: string;
}

export interface GateVerdict {
  /** `fail`: roll back; `pass`: enough evidence and nothing regressed; `wait`: too few canary outcomes. */
  readonly result: 'pass' | 'fail' | 'wait';
  readonly failures: readonly GateFailure[];
  readonly canary: GateSummary;
  readonly stable: GateSummary;
}

export interface GateSummary {
  readonly requests: number;
  readonly errorRate: number;
  readonly cutRate: number;
  readonly ttftP95Ms: number | null;
}

/** Nearest-rank percentile (p in 0..100) of unsorted values; null for none. */
export function percentile(values: readonly number[], p: number): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[Math.min(sorted.length, rank) - 1] ?? null;
}

function summarize(o: VersionOutcomes): GateSummary {
  const n = o.requests;
  return { requests: n, errorRate: n > 0 ? o.errors / n : 0, cutRate: n > 0 ? o.cut / n : 0, ttftP95Ms: percentile(o.ttfbMs, 95) };
}

const pct = (x: number): string => `${(x * 100).toFixed(1)} %`;

/**
 * The verdict for one gate interval. The error budget acts at once (a canary that fails every
 * request must not wait for `minRequests`); the rate and latency gates need `minRequests`
 * canary outcomes, and compare with stable only when stable has outcomes too.
 */
export function evaluateGates(canary: VersionOutcomes, stable: VersionOutcomes, gates: GateConfig): GateVerdict {
  const c = summarize(canary);
  const s = summarize(stable);
  const failures: GateFailure[] = [];
  // Reaching the budget rolls back: the edge's brake stops the canary at that count, so "more
  // than the budget" would never be seen once the brake works.
  if (canary.errors > 0 && canary.errors >= gates.errorBudget) {
    failures.push({ gate: 'error-budget', detail: `${canary.errors} canary replica errors reached budget ${gates.errorBudget}` });
  }
  const enough = canary.requests >= gates.minRequests;
  if (enough) {
    if (c.errorRate - s.errorRate > gates.maxErrorRateDelta) {
      failures.push({ gate: 'error-rate', detail: `canary error rate ${pct(c.errorRate)} vs stable ${pct(s.errorRate)} (allowed +${pct(gates.maxErrorRateDelta)})` });
    }
    if (c.cutRate - s.cutRate > gates.maxCutRateDelta) {
      failures.push({ gate: 'cut-streams', detail: `canary cut streams ${pct(c.cutRate)} vs stable ${pct(s.cutRate)} (allowed +${pct(gates.maxCutRateDelta)})` });
    }
    if (c.ttftP95Ms !== null && s.ttftP95Ms !== null) {
      const limit = s.ttftP95Ms * gates.maxTtftP95Ratio + gates.ttftSlackMs;
      if (c.ttftP95Ms > limit) {
        failures.push({ gate: 'ttft-p95', detail: `canary TTFT p95 ${Math.round(c.ttftP95Ms)} ms > ${Math.round(limit)} ms (stable ${Math.round(s.ttftP95Ms)} ms × ${gates.maxTtftP95Ratio} + ${gates.ttftSlackMs} ms)` });
      }
    }
  }
  const result = failures.length > 0 ? 'fail' : enough ? 'pass' : 'wait';
  return { result, failures, canary: c, stable: s };
}
