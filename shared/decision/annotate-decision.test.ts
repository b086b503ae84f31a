import { describe, expect, it } from 'vitest';
import { realisticSnapshot } from '../../bench/decision.ts';
import type { AppSnapshot, StrategyName } from '../domain/types.ts';
import type { RolloutNote } from '../rollout/select-version.ts';
import { decide } from './decide.ts';
import { STRATEGIES } from './decisions-unchanged.ts';
import { annotateDecision, glanceAt } from './lazy-decision.ts';
import { NOW, context, policy, request } from './test-fixtures.ts';
import type { Decision, Policy } from './types.ts';

// Callers on the request path (the edge's rollout and route notes, the proxy's in-region prefix)
// add to a decision with annotateDecision instead of a spread, so the explanation is built when
// the decision log serialises it, after the response. What is logged must be what the eager
// spread gave, byte for byte, however many decisions on the same snapshot came in between.

const ROLLOUT: RolloutNote = { rolloutId: 'r1', model: 'm', version: 'v2', canary: true, reason: 'stable', weightPct: 10, bucket: 3, homeRegion: null, restricted: true, detail: 'rollout m@v2 (canary 10 %)' };
const ROUTE = { route: 'chat', scores: [0.9, 0.1] };

function appWith(strategy: StrategyName): AppSnapshot {
  const base = realisticSnapshot(64);
  return { ...base, app: { ...base.app, strategy } };
}

const cases = STRATEGIES.flatMap((strategy) =>
  (['ttft', 'weights'] as const).map((model) => ({ strategy, model, p: policy({ model }) as Policy })),
);

function spreadEagerly(d: Decision): Decision & { readonly route: typeof ROUTE } {
  // What edge.ts and in-region-decide.ts did on the request path before.
  const versioned = { ...d, rollout: ROLLOUT, summary: `${d.summary}; ${ROLLOUT.detail}` };
  return { ...versioned, route: ROUTE };
}

describe('annotateDecision', () => {
  it.each(cases)('$strategy, $model model: built off the path (after later decisions) equals the eager spread', ({ strategy, p }) => {
    const snap = appWith(strategy);
    const req = request({ appId: snap.app.id });
    const eager = spreadEagerly(decide(req, snap, p, context('s1')));
    const onPath = JSON.stringify(eager);
    const fresh = appWith(strategy);
    const d = decide(req, fresh, p, context('s1'));
    const annotated = annotateDecision(annotateDecision(d, '', `; ${ROLLOUT.detail}`, { rollout: ROLLOUT }), '', '', { route: ROUTE });
    for (let i = 0; i < 5; i++) decide(request({ appId: snap.app.id, client: { colo: null, country: null, continent: null, location: null } }), fresh, p, context(`later-${i}`, { now: NOW + 500 * i }));
    expect(JSON.stringify(annotated)).toBe(onPath);
    expect(Object.keys(annotated)).toEqual(Object.keys(eager));
    expect(annotated.route).toBe(ROUTE);
    // The explanation is built once and shared with the decision it annotates.
    expect(annotated.candidates).toBe(d.candidates);
  });

  it('prefixes the summary (the proxy in-region form) and leaves the origin as it was', () => {
    const snap = appWith('switchyard');
    const d = decide(request({ appId: snap.app.id }), snap, policy(), context('p'));
    const inRegion = annotateDecision(d, 'in-region (eu-west): ', '', {});
    expect(inRegion.summary).toBe(`in-region (eu-west): ${d.summary}`);
    expect(JSON.stringify(inRegion)).toBe(JSON.stringify({ ...d, summary: `in-region (eu-west): ${d.summary}` }));
  });

  it('annotates an eager decision (a plain copy, as one read back from JSON) by spreading it', () => {
    const snap = appWith('switchyard');
    const d = { ...decide(request({ appId: snap.app.id }), snap, policy(), context('l')) };
    const a = annotateDecision(d, '<', '>', { rollout: ROLLOUT });
    expect(a).toEqual({ ...d, rollout: ROLLOUT, summary: `<${d.summary}>` });
  });
});

describe('glanceAt', () => {
  it.each(cases)('$strategy, $model model: the counts and the chosen estimate and price the explanation would give', ({ strategy, p }) => {
    const snap = appWith(strategy);
    const req = request({ appId: snap.app.id });
    const d = decide(req, snap, p, context('g'));
    const glance = glanceAt(d);
    const chosen = d.candidates.find((c) => c.clusterId === d.chosen);
    expect(glance).toEqual({
      candidates: d.candidates.length,
      eligible: d.candidates.filter((c) => c.disqualifications.length === 0).length,
      chosenEstimatedLatencyMs: chosen?.estimatedLatencyMs ?? null,
      chosenPricePerHour: chosen?.pricePerHour ?? null,
    });
    expect(glanceAt({ ...d })).toEqual(glance);
  });
});
