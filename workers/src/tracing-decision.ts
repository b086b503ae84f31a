/**
 * The edge decision span's attributes: what was chosen and why, in the names the dashboard and
 * trace views show. Fleet internals that only operators see (prices, seed) stay out: traces may
 * leave the fleet. The counts come from `glanceAt`, not `d.candidates`: reading those would build
 * every candidate's explanation on the request path.
 */
import type { Decision } from '../../shared/decision/types.ts';
import type { AttributeValue } from '../../shared/tracing/attributes.ts';
import { glanceAt } from './shared-deps.ts';

export function decisionAttributes(d: Decision, decisionMs: number, mode: string): Record<string, AttributeValue | null> {
  const glance = glanceAt(d);
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
    'switchyard.cluster.predicted_latency_ms': glance.chosenEstimatedLatencyMs,
    'switchyard.candidates': glance.candidates,
    'switchyard.candidates.eligible': glance.eligible,
    'switchyard.fallbacks': d.fallbacks.join(','),
  };
}
