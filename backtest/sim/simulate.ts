/**
 * Runs one scenario under each requested strategy (same arrivals, same seed)
 * and gathers the per-strategy results into one report object.
 */
import type { Policy } from '../../shared/decision/types.ts';
import { policyFromEnv } from '../policy-file.ts';
import type { StrategyResult } from './metrics.ts';
import { runStrategy } from './run-strategy.ts';
import type { ResolvedScenario, SimStrategy } from './scenario.ts';

export interface IncidentSpan {
  readonly kind: string;
  readonly target: string;
  readonly startMs: number;
  readonly endMs: number;
}

export interface SimReport {
  readonly kind: 'simulation';
  readonly scenario: string;
  readonly description: string;
  readonly seed: string;
  readonly durationMs: number;
  readonly tickSeconds: number;
  readonly clusters: number;
  readonly policyVersion: string;
  readonly incidents: readonly IncidentSpan[];
  readonly strategies: readonly StrategyResult[];
}

export interface SimulateOptions {
  /** Override the scenario's strategy list. */
  readonly strategies?: readonly SimStrategy[];
  /** Called after each strategy finishes (progress output). */
  readonly onStrategyDone?: (r: StrategyResult) => void;
}

export function simulate(s: ResolvedScenario, opts: SimulateOptions = {}): SimReport {
  const policy: Policy = policyFromEnv(
    Object.entries(s.policy).map(([key, value], i) => ({ key, value, line: i + 1 })),
    `scenario ${s.name} policy`,
  );
  const results: StrategyResult[] = [];
  for (const name of opts.strategies ?? s.strategies) {
    const r = runStrategy(s, name, policy);
    results.push(r);
    opts.onStrategyDone?.(r);
  }
  return {
    kind: 'simulation',
    scenario: s.name,
    description: s.description,
    seed: s.seed,
    durationMs: s.durationHours * 3_600_000,
    tickSeconds: s.tickSeconds,
    clusters: s.clusters.length,
    policyVersion: policy.version,
    incidents: s.incidents.map((i) => ({
      kind: i.kind,
      target: 'cluster' in i && i.cluster !== undefined ? i.cluster : 'region' in i ? i.region : 'provider' in i ? (i.provider ?? '') : '',
      startMs: i.startHours * 3_600_000,
      endMs: (i.startHours + i.durationHours) * 3_600_000,
    })),
    strategies: results,
  };
}
