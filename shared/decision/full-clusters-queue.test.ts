import { describe, expect, it } from 'vitest';
import type { ClusterAppState } from '../domain/types.ts';
import { decide } from './decide.ts';
import { cluster, context, policy, request, snapshot, state } from './test-fixtures.ts';
import type { Decision, Policy } from './types.ts';

// A cluster with no free slot and nothing it can start (out of nodes, or at its maximum) still
// serves: a request queues for the next slot its loaded replicas free. While another eligible
// cluster can start replicas such a cluster stays out ("no-capacity"): the excess goes where it
// makes replicas start. But when none can, every request queues somewhere, and under the ttft
// model the full clusters become candidates whose queue terms say where the wait is shortest.
// Before, a saturated fleet sent every decider's traffic to whichever cluster last showed one
// free slot, or, with none, to the panic rule.

const NEAR = cluster('near', 'us-east');
const MID = cluster('mid', 'us-central');

const full = (over: Partial<ClusterAppState> = {}): Partial<ClusterAppState> => ({ hotFree: 0, hotBusy: 24, warm: 0, cold: 0, queued: 0, ...over });

function prob(d: Decision, id: string): number {
  return d.candidates.find((c) => c.clusterId === id)?.probability ?? NaN;
}

function decideFor(near: Partial<ClusterAppState>, mid: Partial<ClusterAppState>, p: Policy = policy(), seed = 'seed-1'): Decision {
  const snap = snapshot({ clusters: [NEAR, MID], states: [state('near', near), state('mid', mid)] });
  return decide(request(), snap, p, context(seed));
}

describe('ttft model, no cluster can start a replica: a full cluster with loaded replicas queues', () => {
  it.each([
    { name: 'a full cluster with an empty queue keeps a share next to one with one free slot', near: full(), mid: full({ hotFree: 1, hotBusy: 23 }), min: 0.2, max: 0.8 },
    { name: 'a full cluster with a long queue gets next to nothing', near: full({ queued: 200 }), mid: full({ hotFree: 1, hotBusy: 23 }), min: 0, max: 0.01 },
    { name: 'every cluster full: the longer queue gets little', near: full({ queued: 100 }), mid: full({ queued: 2 }), min: 0, max: 0.05 },
    { name: 'every cluster full, equal queues: an even split', near: full({ queued: 5 }), mid: full({ queued: 5 }), min: 0.3, max: 0.7 },
  ])('$name', ({ near, mid, min, max }) => {
    const d = decideFor(near, mid);
    expect(d.outcome).toBe('routed');
    expect(prob(d, 'near')).toBeGreaterThanOrEqual(min);
    expect(prob(d, 'near')).toBeLessThanOrEqual(max);
    expect(prob(d, 'near') + prob(d, 'mid')).toBeCloseTo(1, 9);
  });

  it('explains the wait: no free slot, its queue, and no start-up to cap it', () => {
    const d = decideFor(full({ queued: 30 }), full({ hotFree: 1, hotBusy: 23 }));
    const near = d.candidates.find((c) => c.clusterId === 'near');
    expect(near?.disqualifications).toEqual([]);
    expect(near?.tier).toBe('hot');
    const queue = near?.terms?.find((t) => t.name === 'queue');
    expect(queue?.detail).toMatch(/^0 free \/ 24 slots, 30 queued, /);
    expect(queue?.detail).not.toMatch(/capped/);
    expect(queue?.ms).toBeGreaterThan(10_000);
  });

  it('the summary says a full cluster was chosen to queue, and a cluster with a free slot is not so marked', () => {
    const picks = new Map<string, string>();
    for (let i = 0; i < 200 && picks.size < 2; i++) {
      const d = decideFor(full({ queued: 1 }), full({ hotFree: 1, hotBusy: 23 }), policy(), `s${i}`);
      if (d.chosen !== null) picks.set(d.chosen, d.summary);
    }
    // near (p≈0.16) scored worse than mid: a draw, not the best (summary.ts howPicked).
    expect(picks.get('near')).toMatch(/^chose near \(hot, p=0\.\d\d, full: queues, no cluster it may land on can start a replica\) by a draw over predicted TTFT and price \(1 eligible cluster scored better\)/);
    expect(picks.get('mid')).toMatch(/^chose mid \(hot, p=0\.\d\d\) by fastest-predicted/);
  });

  it.each([
    { name: 'no loaded replica and nothing to start: nothing would serve', p: policy(), near: full({ hotBusy: 0 }), mid: full({ hotFree: 4, hotBusy: 20 }) },
    { name: 'another cluster can start replicas: the excess goes there', p: policy(), near: full(), mid: full({ hotFree: 1, hotBusy: 23, warm: 8 }) },
    { name: 'the weights model keeps the capacity filter', p: policy({ model: 'weights' }), near: full(), mid: full({ hotFree: 4, hotBusy: 20 }) },
  ])('stays disqualified (no-capacity): $name', ({ p, near, mid }) => {
    const d = decideFor(near, mid, p);
    expect(d.candidates.find((c) => c.clusterId === 'near')?.disqualifications.map((x) => x.code)).toEqual(['no-capacity']);
    expect(d.chosen).toBe('mid');
  });

  it('a full cluster that is also unhealthy stays out', () => {
    const d = decideFor(full({ health: 'unhealthy' }), full({ hotFree: 1, hotBusy: 23 }));
    expect(d.candidates.find((c) => c.clusterId === 'near')?.disqualifications.map((x) => x.code)).toEqual(['unhealthy', 'no-capacity']);
    expect(d.chosen).toBe('mid');
  });
});
