import type { CompiledCandidate } from './compile-snapshot.ts';

export interface LatencyEstimate {
  readonly ms: number;
  /** How it was estimated, for the explanation. */
  readonly source: 'ttft' | 'rtt' | 'geo';
}

/**
 * Expected latency from the client to first byte on `c`: the client → regional
 * proxy leg from the geo model (`geoMs`; regional proxies sit in their
 * cluster's region, so the cluster's location stands in for the proxy's),
 * plus the proxy's own measurement of the proxy → cluster leg — time to first
 * token when measured, else RTT. Measurements older than `maxAgeMs` are
 * ignored. Null when the client's location (so `geoMs`) is unknown: then
 * latency cannot rank clusters at all.
 */
export function estimateLatency(
  c: CompiledCandidate,
  geoMs: number | null,
  now: number,
  maxAgeMs: number,
): LatencyEstimate | null {
  if (geoMs === null || Number.isNaN(geoMs)) return null;
  const m = c.measured;
  if (m === null || now - m.observedAt > maxAgeMs || m.samples <= 0)
    return { ms: geoMs, source: 'geo' };
  if (m.ttftMs !== null && m.ttftMs >= 0) return { ms: geoMs + m.ttftMs, source: 'ttft' };
  return { ms: geoMs + Math.max(0, m.rttMs), source: 'rtt' };
}
