/**
 * Session 39 added `reserveFrom` (whose setting the failover reserve was) beside `reserveShare` in
 * a candidate's explanation. A decision logged before that has the share but not the field; a
 * replay that verifies compares whole decisions, and counted every such decision as changed
 * (found in review). The verify now compares a recorded decision without a field added since.
 */
import { describe, expect, it } from 'vitest';
import { decide } from '../decision-port.ts';
import { parsePolicy } from '../../shared/decision/policy.ts';
import { cluster, context, request, snapshot, state, NOW } from '../../shared/decision/test-fixtures.ts';
import type { DecisionRecord } from '../decision-record.ts';
import { ReplayAccumulator } from './replay-engine.ts';

const clusters = [cluster('cheap', 'eu-west'), cluster('near', 'eu-central'), cluster('uk', 'uk-south')];
const rows = [
  { hotBusy: 200, hotFree: 56, pricePerHour: 2.2 },
  { hotBusy: 40, hotFree: 24, pricePerHour: 4.2 },
  { hotBusy: 40, hotFree: 24, pricePerHour: 3.6 },
];
// An EU-only app on three clusters, the cheap one carrying most: the reserve moves a share.
const snap = snapshot({
  app: { residency: { kind: 'continents', continents: ['EU'] } },
  clusters,
  states: clusters.map((c, i) => state(c.id, { warm: 16, cold: 200, observedAt: NOW - 2000, inflowByOrigin: { FRA: 2 }, ...rows[i] })),
});
const parsed = parsePolicy({ ROUTE_FAILOVER_RESERVE: '1' });
if (!parsed.ok) throw new Error('policy');
const policy = parsed.value;
const ctx = context('old-log');

/** The decision as a log holds it (JSON), with `edit` applied to each candidate. */
function logged(edit: (c: Record<string, unknown>) => void): DecisionRecord {
  const d = JSON.parse(JSON.stringify(decide(request(), snap, policy, context('old-log')))) as { candidates: Record<string, unknown>[] };
  for (const c of d.candidates) edit(c);
  return {
    decision: d as unknown as DecisionRecord['decision'],
    outcomes: [],
    input: { request: request(), snapshot: snap, policy, now: ctx.now, seed: ctx.seed, staleSnapshot: false },
  };
}

function verified(record: DecisionRecord): number | null {
  const acc = new ReplayAccumulator({ policy: null, strategy: null, assumedDurationMs: 1000, verify: true });
  acc.add(record);
  return acc.report().identical;
}

describe('a decision the failover reserve moved, replayed with --verify', () => {
  it('as logged now (with reserveFrom): identical', () => {
    const now = logged(() => undefined);
    expect((now.decision.candidates as unknown as Record<string, unknown>[]).some((c) => c['reserveFrom'] === 'policy')).toBe(true);
    expect(verified(now)).toBe(1);
  });

  it('as logged before reserveFrom existed: still identical', () => {
    expect(verified(logged((c) => delete c['reserveFrom']))).toBe(1);
  });

  it('with a share that differs: not identical (the comparison still compares)', () => {
    expect(verified(logged((c) => {
      if (typeof c['reserveShare'] === 'number') c['reserveShare'] = c['reserveShare'] * 2;
    }))).toBe(0);
  });
});
