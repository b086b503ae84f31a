import type { CompiledCandidate } from './compile-snapshot.ts';

export interface LatencyEstimate {
  readonly ms: number;
  /** How it was estimated, for the explanation. */
  readonly source: 'ttft' | 'rtt' | 'geo';
}

/**
 * Which measurement `estimateLatency` uses for a candidate (one memo slot each): the app's own
 * mean time to first byte on the cluster (its recent outcomes), the cluster's own proxy's
 * health-check RTT, or the geo model alone.
 */
export const LatencySource = { OwnTtfb: 0, Rtt: 1, Geo: 2 } as const;
export type LatencySource = (typeof LatencySource)[keyof typeof LatencySource];
/** Memo slots per candidate, one per `LatencySource`. */
export const LATENCY_SOURCES = 3;

/**
 * Which input stands for the proxy → cluster leg of `c` at `now`: this app's own
 * recent TTFB there (outcomes newer than `outcomeMaxAgeMs`), else the cluster's
 * own proxy's RTT (newer than `maxAgeMs`), else nothing (geo model only). Never
 * the cluster-wide TTFB: it mixes every app's server time, and one tenant's slow
 * answers would make the cluster look far to the others.
 */
export function latencySource(
  c: CompiledCandidate,
  now: number,
  maxAgeMs: number,
  outcomeMaxAgeMs: number,
): LatencySource {
  const o = c.outcomes;
  if (o !== null && o.ttfbMs !== null && o.ttfbMs >= 0 && o.requests > 0 && now - o.observedAt <= outcomeMaxAgeMs)
    return LatencySource.OwnTtfb;
  const m = c.measured;
  if (m !== null && now - m.observedAt <= maxAgeMs && m.samples > 0) return LatencySource.Rtt;
  return LatencySource.Geo;
}

/**
 * Expected latency from the client to first byte on `c`: the client → regional
 * proxy leg from the geo model (`geoMs`; regional proxies sit in their
 * cluster's region, so the cluster's location stands in for the proxy's),
 * plus the proxy → cluster leg from `source` (`latencySource`). Null when the
 * client's location (so `geoMs`) is unknown: then latency cannot rank clusters
 * at all.
 */
export function estimateLatency(
  c: CompiledCandidate,
  geoMs: number | null,
  source: LatencySource,
): LatencyEstimate | null {
  if (geoMs === null || Number.isNaN(geoMs)) return null;
  if (source === LatencySource.OwnTtfb && c.outcomes !== null && c.outcomes.ttfbMs !== null)
    return { ms: geoMs + c.outcomes.ttfbMs, source: 'ttft' };
  if (source === LatencySource.Rtt && c.measured !== null)
    return { ms: geoMs + Math.max(0, c.measured.rttMs), source: 'rtt' };
  return { ms: geoMs, source: 'geo' };
}
