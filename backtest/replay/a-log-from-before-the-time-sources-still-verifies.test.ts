/**
 * Session 49 made the queue term name where its times came from ("… × 625 ms (service 10000 ms
 * policy default ÷ 16 slots)") and the startup term name its own tier's source. A decision an
 * older edge logged says less, or "observed" where the tier's time was the default; a replay that
 * verifies compares whole decisions, explanations included, so every such decision counted as
 * changed though nothing moved (found in review). Those words are now left out of the comparison;
 * a number that differs still counts.
 */
import { describe, expect, it } from 'vitest';
import { decide } from '../decision-port.ts';
import { DEFAULT_POLICY } from '../../shared/decision/policy.ts';
import { cluster, context, request, snapshot, state } from '../../shared/decision/test-fixtures.ts';
import type { DecisionRecord } from '../decision-record.ts';
import { ReplayAccumulator } from './replay-engine.ts';

// One cluster with loaded replicas and a queue (queue term), one with none (startup term).
const snap = snapshot({
  clusters: [cluster('busy', 'eu-west'), cluster('empty', 'eu-central')],
  states: [state('busy', { hotFree: 0, hotBusy: 8, queued: 3, serviceMs: 4_000 }), state('empty', { hotFree: 0, hotBusy: 0, warm: 0, cold: 4, warmStartMs: 9_000 })],
});
const ctx = context('old-edge');

type Term = { name: string; detail: string };

function logged(edit: (t: Term) => void): DecisionRecord {
  const d = JSON.parse(JSON.stringify(decide(request(), snap, DEFAULT_POLICY, ctx))) as { candidates: { terms?: Term[] }[] };
  for (const c of d.candidates) for (const t of c.terms ?? []) edit(t);
  return {
    decision: d as unknown as DecisionRecord['decision'],
    outcomes: [],
    input: { request: request(), snapshot: snap, policy: DEFAULT_POLICY, now: ctx.now, seed: ctx.seed, staleSnapshot: false },
  };
}

function verified(record: DecisionRecord): number | null {
  const acc = new ReplayAccumulator({ policy: null, strategy: null, assumedDurationMs: 1000, verify: true });
  acc.add(record);
  return acc.report().identical;
}

/** What an edge before session 49 wrote: no queue sources; the startup term sourced by the warm start. */
function asBefore(t: Term): void {
  if (t.name === 'queue') t.detail = t.detail.replace(/ \(service [^)]*\)| \(observed queue wait\)/, '');
  if (t.name === 'startup') t.detail = t.detail.replace('(policy default)', '(observed)');
}

describe('a decision logged before the time sources, replayed with --verify', () => {
  it('as logged now: identical, and the explanation names its sources', () => {
    const now = logged(() => undefined);
    const terms = now.decision.candidates.flatMap((c) => (c as unknown as { terms?: Term[] }).terms ?? []);
    expect(terms.find((t) => t.name === 'queue' && t.detail.includes('(service 4000 ms observed ÷ 8 slots)'))).toBeDefined();
    expect(terms.find((t) => t.name === 'startup' && t.detail.endsWith('cold start 240000 ms (policy default)'))).toBeDefined();
    expect(verified(now)).toBe(1);
  });

  it('as an older edge logged it: still identical', () => {
    expect(verified(logged(asBefore))).toBe(1);
  });

  it('with a number in a detail that differs: not identical (the comparison still compares)', () => {
    expect(verified(logged((t) => {
      asBefore(t);
      if (t.name === 'queue') t.detail = t.detail.replace(/× (\d+) ms/, (_m, ms: string) => `× ${Number(ms) + 1} ms`);
    }))).toBe(0);
  });
});
