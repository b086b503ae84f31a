import type { ClientLocation } from '../domain/types.ts';
import type { CompiledCandidate } from './compile-snapshot.ts';
import type { Disqualification } from './disqualification.ts';
import type { Policy } from './types.ts';

function add(
  out: Disqualification[] | null,
  c: CompiledCandidate,
  d: Disqualification,
): Disqualification[] {
  const list = out ?? [...c.staticDisqualifications];
  list.push(d);
  return list;
}

function seconds(ms: number): string {
  return ms < 10_000 ? `${Math.round(ms / 100) / 10}s` : `${Math.round(ms / 1000)}s`;
}

/**
 * Every reason `c` may not serve this request (empty when it may). All
 * reasons are collected, not just the first, so explanations and panic
 * classification see the whole picture. Snapshot-only reasons were computed
 * at compile time; this adds the ones that depend on the client and on `now`.
 */
export function hardFilters(
  c: CompiledCandidate,
  client: ClientLocation,
  policy: Policy,
  now: number,
): readonly Disqualification[] {
  // Allocated only when something disqualifies: most candidates pass and share the frozen empty list.
  let out: Disqualification[] | null = null;

  if (c.clientContinentOnly && c.cluster !== null) {
    if (client.continent === null) {
      out = add(out, c, {
        code: 'residency',
        detail: "client continent unknown; app must stay on the client's continent",
      });
    } else if (client.continent !== c.cluster.continent) {
      out = add(out, c, {
        code: 'residency',
        detail: `cluster is in ${c.cluster.continent}; client is in ${client.continent}`,
      });
    }
  }

  // A status row older than the hard limit says nothing about now (its writer is gone): ignore it.
  const status = c.status;
  if (status !== null && now - status.observedAt <= policy.staleHardMs) {
    if (status.draining) out = add(out, c, { code: 'draining', detail: 'cluster is draining' });
    if (status.circuitOpen)
      out = add(out, c, {
        code: 'circuit-open',
        detail: "regional proxy's circuit breaker is open",
      });
    if (status.health === 'unhealthy')
      out = add(out, c, { code: 'unhealthy', detail: 'cluster reported unhealthy' });
  }

  const state = c.state;
  if (state === null) {
    out = add(out, c, {
      code: 'no-state',
      detail: 'no capacity/health report for this app on this cluster',
    });
  } else {
    const age = now - state.observedAt;
    // Negated so a corrupt (NaN) timestamp counts as stale rather than fresh.
    if (!(age <= policy.staleHardMs)) {
      out = add(out, c, {
        code: 'stale',
        detail: `state is ${seconds(age)} old (limit ${seconds(policy.staleHardMs)}): unknown`,
      });
    } else {
      if (state.health === 'unhealthy')
        out = add(out, c, { code: 'unhealthy', detail: 'app reported unhealthy on this cluster' });
      if (!(state.hotFree > 0) && !(state.warm > 0) && !(state.cold > 0)) {
        out = add(out, c, {
          code: 'no-capacity',
          detail: `no free capacity (hot ${state.hotFree}, warm ${state.warm}, cold ${state.cold})`,
        });
      }
    }
  }
  return out ?? c.staticDisqualifications;
}
