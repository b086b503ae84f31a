import { describe, expect, it } from 'vitest';
import type { ClusterAppState } from '../domain/types.ts';
import { decide } from './decide.ts';
import { cluster, context, policy, request, snapshot, state } from './test-fixtures.ts';
import type { Decision } from './types.ts';

const full = (over: Partial<ClusterAppState> = {}): Partial<ClusterAppState> => ({ hotFree: 0, hotBusy: 24, warm: 0, cold: 0, queued: 0, ...over });

function prob(d: Decision, id: string): number {
  return d.candidates.find((c) => c.clusterId === id)?.probability ?? NaN;
}

describe('panic with every candidate full: spread by expected queue wait, not by id', () => {
  // Full clusters (no free slot, nothing to start) are disqualified ("no-capacity") under the
  // weights model, so a saturated fleet is the panic rule's. Its order ends in the id: every
  // decider sent everything to the first cluster by id, whatever its queue (americas-hpa's first
  // hour: 1,801 of 1,843 rejections at one cluster while another had 1 queued).
  const A = cluster('a-east', 'us-east');
  const B = cluster('b-central', 'us-central');
  const C = cluster('c-west', 'us-west');
  const snap = snapshot({
    clusters: [A, B, C],
    states: [state('a-east', full({ queued: 221 })), state('b-central', full({ queued: 1 })), state('c-west', full({ hotBusy: 18, queued: 17 }))],
  });
  const weights = policy({ model: 'weights' });

  it('shares follow 1 / expected wait (slots ÷ (queued + 1)); fallbacks by share', () => {
    const d = decide(request(), snap, weights, context());
    expect(d.outcome).toBe('panic');
    const w = { 'a-east': 24 / 222, 'b-central': 24 / 2, 'c-west': 18 / 18 };
    const total = w['a-east'] + w['b-central'] + w['c-west'];
    for (const [id, x] of Object.entries(w)) expect(prob(d, id)).toBeCloseTo(x / total, 9);
    expect(d.fallbacks).toEqual(['b-central', 'c-west', 'a-east'].filter((id) => id !== d.chosen));
  });

  it('picks by those shares across requests: mostly the short queue, never only the first id', () => {
    const picks = new Map<string, number>();
    for (let i = 0; i < 400; i++) {
      const id = decide(request(), snap, weights, context(`seed-${i}`)).chosen ?? 'none';
      picks.set(id, (picks.get(id) ?? 0) + 1);
    }
    expect(picks.get('b-central') ?? 0).toBeGreaterThan(320);
    expect(picks.get('c-west') ?? 0).toBeGreaterThan(10);
    expect(picks.get('a-east') ?? 0).toBeLessThan(15);
  });

  it('says so in the summary', () => {
    const d = decide(request(), snap, weights, context());
    expect(d.summary).toMatch(/^PANIC: every candidate failed health filters; routed to least-bad \S+ \(p=0\.\d\d, every one full: spread by expected queue wait\) despite no-capacity/);
  });
});
