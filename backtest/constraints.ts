/**
 * Hard constraints re-checked independently of the decision pipeline, so a
 * replayed policy or a simulated strategy cannot grade its own homework: a
 * choice that breaks residency, exclusion, hardware or (outside panic mode)
 * health rules is counted as a violation.
 */
import type { AppSnapshot, Continent } from '../shared/domain/types.ts';
import { residencyAllows } from '../shared/domain/residency.ts';

export { residencyAllows };
import type { Decision, Policy } from '../shared/decision/types.ts';

export type ViolationCode =
  | 'residency'
  | 'not-deployed'
  | 'excluded'
  | 'unknown-cluster'
  | 'hardware'
  | 'no-state'
  | 'stale'
  | 'unhealthy'
  | 'circuit-open'
  | 'draining';

/** Every hard rule the decision's chosen cluster breaks; empty when compliant or nothing was chosen. */
export function violationsOf(
  decision: Pick<Decision, 'chosen' | 'outcome'>,
  snapshot: AppSnapshot,
  clientContinent: Continent | null,
  policy: Pick<Policy, 'staleHardMs'>,
  now: number,
): ViolationCode[] {
  const id = decision.chosen;
  if (id === null) return [];
  const out: ViolationCode[] = [];
  const app = snapshot.app;
  if (!app.clusters.includes(id)) out.push('not-deployed');
  if (app.excludedClusters.includes(id)) out.push('excluded');
  const cluster = snapshot.clusters.get(id);
  if (cluster === undefined) out.push('unknown-cluster');
  else if (!residencyAllows(app.residency, cluster, clientContinent)) out.push('residency');
  const state = snapshot.state.get(id);
  if (state !== undefined && app.gpuTypes.length > 0 && !app.gpuTypes.includes(state.gpuType)) {
    out.push('hardware');
  }
  // Panic mode may knowingly pick an unhealthy or stale cluster; it may never break the rules above.
  if (decision.outcome === 'panic') return out;
  if (state === undefined) out.push('no-state');
  else if (now - state.observedAt > policy.staleHardMs) out.push('stale');
  const status = snapshot.status.get(id);
  if (state?.health === 'unhealthy' || status?.health === 'unhealthy') out.push('unhealthy');
  if (status?.circuitOpen === true) out.push('circuit-open');
  if (status?.draining === true) out.push('draining');
  return out;
}
