import type { CompiledCandidate } from './compile-snapshot.ts';

export interface LatencyEstimate {
  readonly ms: number;
  /** How it was estimated, for the explanation. */
  readonly source: 'rtt' | 'geo';
}

/**
 * Whether the cluster's own proxy's RTT is fresh (newer than `maxAgeMs`, from at least one
 * sample) and so stands for the proxy → cluster leg, as in the ttft model's network term.
 *
 * Proxies from before session 14 wrote their TTFB (every app's server time) as the RTT until a
 * health check had measured one, and then the same number in both columns: rtt_ms = ttft_ms. A
 * proxy now never reports that pair (reporter.ts), so during a rolling deploy such a row is an
 * old proxy's TTFB and the geo model stands instead.
 */
export function ownRttUsable(c: CompiledCandidate, now: number, maxAgeMs: number): boolean {
  const m = c.measured;
  return m !== null && now - m.observedAt <= maxAgeMs && m.samples > 0 && m.rttMs !== m.ttftMs;
}

/**
 * Expected network latency from the client to `c`: the client → regional proxy leg from the
 * geo model (`geoMs`; regional proxies sit in their cluster's region, so the cluster's location
 * stands in for the proxy's), plus the proxy's health-check RTT to the cluster when `rttUsable`
 * (`ownRttUsable`). The same kind of measurement for every candidate: never a time to first byte,
 * which includes server time (the app's own would make the clusters it uses look far next to
 * those it does not; the cluster-wide one mixes every app's). Null when the client's location
 * (so `geoMs`) is unknown: then latency cannot rank clusters at all.
 */
export function estimateLatency(c: CompiledCandidate, geoMs: number | null, rttUsable: boolean): LatencyEstimate | null {
  if (geoMs === null || Number.isNaN(geoMs)) return null;
  if (rttUsable && c.measured !== null) return { ms: geoMs + Math.max(0, c.measured.rttMs), source: 'rtt' };
  return { ms: geoMs, source: 'geo' };
}
