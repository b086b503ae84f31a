/**
 * The edge decision span's attributes: what was chosen and why, in the names the dashboard and
 * trace views show. Fleet internals that only operators see (prices, seed) stay out: traces may
 * leave the fleet.
 */
import type { Decision } from '../../shared/decision/types.ts';
import type { AttributeValue } from '../../shared/tracing/attributes.ts';

export function decisionAttributes(d: Decision, decisionMs: number, mode: string): Record<string, AttributeValue | null> {
  const chosen = d.candidates.find((c) => c.clusterId === d.chosen);
  return {
    'switchyard.decision.id': d.id,
    'switchyard.decision.outcome': d.outcome,
    'switchyard.decision.reason': d.reason,
    'switchyard.decision.strategy': d.strategy,
    'switchyard.decision.stale': d.stale,
    'switchyard.decision.us': Math.round(decisionMs * 10_000) / 10,
    'switchyard.answer_mode': mode,
    'switchyard.cluster.chosen': d.chosen,
    'switchyard.cluster.tier': d.tier,
    'switchyard.cluster.predicted_latency_ms': chosen?.estimatedLatencyMs ?? null,
    'switchyard.candidates': d.candidates.length,
    'switchyard.candidates.eligible': d.candidates.filter((c) => c.disqualifications.length === 0).length,
    'switchyard.fallbacks': d.fallbacks.join(','),
  };
}
