/**
 * The automatic gates: the canary's live outcomes against the stable version's over the current
 * step — replica error rate (plus an absolute error budget), TTFT p95 (p50 while samples are few)
 * and cut streams. Pure.
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

export type GateName = 'error-budget' | 'error-rate' | 'ttft-p95' | 'ttft-p50' | 'cut-streams';

/**
 * TTFT samples each side needs before the gate compares p95s. With fewer, the nearest-rank p95
 * is the slowest request, so one stall (a GC pause, a noisy neighbour) rolled a healthy canary
 * back — likelier the fewer canary samples against stable's many; medians are compared instead,
 * which a canary that is slow throughout fails as well.
 */
export const MIN_TAIL_SAMPLES = 20;

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
  readonly ttftP50Ms: number | null;
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
  return { requests: n, errorRate: n > 0 ? o.errors / n : 0, cutRate: n > 0 ? o.cut / n : 0, ttftP95Ms: percentile(o.ttfbMs, 95), ttftP50Ms: percentile(o.ttfbMs, 50) };
}

/** The TTFT gate: p95 against p95 with enough samples on both sides, else median against median. */
function ttftFailure(canary: VersionOutcomes, stable: VersionOutcomes, c: GateSummary, s: GateSummary, gates: GateConfig): GateFailure | null {
  const tail = Math.min(canary.ttfbMs.length, stable.ttfbMs.length) >= MIN_TAIL_SAMPLES;
  const [cMs, sMs, p] = tail ? [c.ttftP95Ms, s.ttftP95Ms, 'p95'] : [c.ttftP50Ms, s.ttftP50Ms, 'p50'];
  if (cMs === null || sMs === null) return null;
  const limit = sMs * gates.maxTtftP95Ratio + gates.ttftSlackMs;
  if (cMs <= limit) return null;
  const why = tail ? '' : ` (medians: fewer than ${MIN_TAIL_SAMPLES} TTFT samples on a side)`;
  return { gate: tail ? 'ttft-p95' : 'ttft-p50', detail: `canary TTFT ${p} ${Math.round(cMs)} ms > ${Math.round(limit)} ms (stable ${Math.round(sMs)} ms × ${gates.maxTtftP95Ratio} + ${gates.ttftSlackMs} ms)${why}` };
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
    const ttft = ttftFailure(canary, stable, c, s, gates);
    if (ttft !== null) failures.push(ttft);
  }
  const result = failures.length > 0 ? 'fail' : enough ? 'pass' : 'wait';
  return { result, failures, canary: c, stable: s };
}
