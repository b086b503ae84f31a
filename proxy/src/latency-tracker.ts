/**
 * Moving averages of what this proxy measures per cluster: round-trip time of
 * health checks and time to first byte of real responses (EWMA, α = 0.2), the
 * inputs the edge's latency modifier reads from proxy_cluster_health.
 *
 * RTT is network (health checks, one per endpoint and interval, the same for every
 * app); TTFB is every app's server time mixed together. Only RTT may stand for the
 * cluster in a decision: one tenant's slow answers must not make the cluster look
 * far for another. No TTFB ranks clusters at the edge: even an app's own includes its
 * server time, which the clusters it does not use would not show.
 */
export interface ClusterLatency {
  rttMs: number | null;
  ttfbMs: number | null;
  /** RTT samples only: what `rttMs` is averaged over (0: no RTT yet). */
  rttSamples: number;
}

const ALPHA = 0.2;

function ewma(prev: number | null, sample: number): number {
  return prev === null ? sample : prev + ALPHA * (sample - prev);
}

export class LatencyTracker {
  private readonly byCluster = new Map<string, ClusterLatency>();

  private get(clusterId: string): ClusterLatency {
    let l = this.byCluster.get(clusterId);
    if (l === undefined) {
      l = { rttMs: null, ttfbMs: null, rttSamples: 0 };
      this.byCluster.set(clusterId, l);
    }
    return l;
  }

  rtt(clusterId: string, ms: number): void {
    const l = this.get(clusterId);
    l.rttMs = ewma(l.rttMs, ms);
    l.rttSamples += 1;
  }

  ttfb(clusterId: string, ms: number): void {
    const l = this.get(clusterId);
    l.ttfbMs = ewma(l.ttfbMs, ms);
  }

  snapshot(): ReadonlyMap<string, Readonly<ClusterLatency>> {
    return this.byCluster;
  }
}
