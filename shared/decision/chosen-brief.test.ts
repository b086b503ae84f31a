import { describe, expect, it } from 'vitest';
import { realisticSnapshot } from '../../bench/decision.ts';
import type { ClientLocation, StrategyName } from '../domain/types.ts';
import { chosenBriefOf, decideChosen } from './chosen-brief.ts';
import { decide } from './decide.ts';
import { DEFAULT_POLICY } from './policy.ts';
import { seededRng } from './rng.ts';
import { NOW } from './test-fixtures.ts';
import type { DecideContext, Policy, StrategyState } from './types.ts';

const CLIENTS: readonly ClientLocation[] = [
  { colo: 'FRA', country: 'DE', continent: 'EU', location: { lat: 50.1, lon: 8.7 } },
  { colo: 'SIN', country: 'SG', continent: 'AS', location: { lat: 1.35, lon: 103.8 } },
  { colo: null, country: null, continent: null, location: null },
];
const STRATEGIES: readonly StrategyName[] = ['switchyard', 'round-robin', 'random', 'weighted', 'least-outstanding', 'power-of-two', 'consistent-hash'];

describe('decideChosen (the replay totals without a Decision)', () => {
  it("gives the Decision's chosen cluster, outcome, estimate and price for every strategy and model", () => {
    let compared = 0;
    for (const strategy of STRATEGIES)
      for (const model of ['ttft', 'weights'] as const)
        for (const [n, inflow] of [[8, 0], [64, 40]] as const) {
          const base = realisticSnapshot(n, inflow);
          const snap = { ...base, app: { ...base.app, strategy } };
          const policy: Policy = { ...DEFAULT_POLICY, model };
          // Each side keeps its own round-robin state, advanced by the same decisions.
          const states: [StrategyState, StrategyState] = [
            { roundRobinCursor: 0, outstanding: new Map() },
            { roundRobinCursor: 0, outstanding: new Map() },
          ];
          for (let i = 0; i < 30; i++) {
            const seed = `b${n}-${i}`;
            const req = { appId: snap.app.id, fn: 'v1/chat/completions', method: 'POST', client: CLIENTS[i % 3] as ClientLocation, affinityKey: i % 2 === 0 ? `user-${i}` : null, synthetic: false };
            const ctx = (s: StrategyState): DecideContext => ({ now: NOW + i * 250, rng: seededRng(seed), seed, decisionId: seed, staleSnapshot: i % 7 === 3, strategyState: s });
            const lean = decideChosen(req, snap, policy, ctx(states[0]));
            expect(lean, `${strategy}/${model}/${n} #${i}`).toEqual(chosenBriefOf(decide(req, snap, policy, ctx(states[1]))));
            if (lean.chosen !== null && lean.chosenEstimatedLatencyMs !== null) compared++;
          }
        }
    // The comparison covered chosen rows with estimates, not only empty briefs.
    expect(compared).toBeGreaterThan(400);
  });

  it('gives the no-candidate brief when nothing is eligible', () => {
    const base = realisticSnapshot(8);
    const snap = { ...base, app: { ...base.app, excludedClusters: [...base.app.clusters] } };
    const ctx: DecideContext = { now: NOW, rng: seededRng('none'), seed: 'none', decisionId: 'none', staleSnapshot: false };
    const req = { appId: snap.app.id, fn: 'f', method: 'POST', client: CLIENTS[0] as ClientLocation, affinityKey: null, synthetic: false };
    const lean = decideChosen(req, snap, DEFAULT_POLICY, ctx);
    expect(lean).toEqual(chosenBriefOf(decide(req, snap, DEFAULT_POLICY, { ...ctx, rng: seededRng('none') })));
    expect(lean.chosen).toBeNull();
  });
});
