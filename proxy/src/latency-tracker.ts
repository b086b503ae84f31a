/**
 * What this proxy measures per cluster, the inputs of proxy_cluster_health: the network round
 * trip from health checks (min-rtt-window.ts) and the time to first byte of real responses
 * (EWMA, α = 0.2).
 *
 * RTT is network (the quickest health answer of the cluster's endpoints, the least over a
 * window: the same for every app); TTFB is every app's server time mixed together. Only RTT may
 * stand for the cluster in a decision: one tenant's slow answers, or its load slowing its
 * replicas' /health, must not make the cluster look far for another. No TTFB ranks clusters at
 * the edge: even an app's own includes its server time, which the clusters it does not use
 * would not show.
 */
import { MinRttWindow } from './min-rtt-window.ts';

export interface ClusterLatency {
  rttMs: number | null;
  ttfbMs: number | null;
  /** RTT samples only: the health answers behind `rttMs` (0: no RTT yet). */
  rttSamples: number;
}

const ALPHA = 0.2;

function ewma(prev: number | null, sample: number): number {
  return prev === null ? sample : prev + ALPHA * (sample - prev);
}

interface Tracked {
  readonly rtt: MinRttWindow;
  ttfbMs: number | null;
}

export class LatencyTracker {
  private readonly byCluster = new Map<string, Tracked>();

  constructor(private readonly rttWindowMs: number) {}

  private get(clusterId: string): Tracked {
    let l = this.byCluster.get(clusterId);
    if (l === undefined) {
      l = { rtt: new MinRttWindow(this.rttWindowMs), ttfbMs: null };
      this.byCluster.set(clusterId, l);
    }
    return l;
  }

  /** One health round of a cluster: the round trips of its endpoints that answered 2xx. */
  rttRound(clusterId: string, at: number, answersMs: readonly number[]): void {
    if (answersMs.length > 0) this.get(clusterId).rtt.addRound(at, answersMs);
  }

  ttfb(clusterId: string, ms: number): void {
    const l = this.get(clusterId);
    l.ttfbMs = ewma(l.ttfbMs, ms);
  }

  snapshot(now: number): ReadonlyMap<string, Readonly<ClusterLatency>> {
    const out = new Map<string, ClusterLatency>();
    for (const [id, l] of this.byCluster) {
      const rtt = l.rtt.current(now);
      out.set(id, { rttMs: rtt?.ms ?? null, ttfbMs: l.ttfbMs, rttSamples: rtt?.samples ?? 0 });
    }
    return out;
  }
}
