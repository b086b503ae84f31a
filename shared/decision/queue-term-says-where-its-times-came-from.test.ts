import { describe, expect, it } from 'vitest';
import type { ClusterAppState } from '../domain/types.ts';
import { decide } from './decide.ts';
import { withoutQueueSources } from './time-sources.ts';
import { DEFAULT_POLICY } from './policy.ts';
import { cluster, context, policy, request, snapshot, state } from './test-fixtures.ts';

// The queue term prices a wait with a service time and a start-up cap that are either what the
// cluster's aggregator observed (engine histograms, start-ups it watched) or the policy's
// defaults (10 s service). An operator reading `explain` must be able to tell a measured queue
// from a guessed one: the same "× 625 ms" means different things.

const T = DEFAULT_POLICY.ttft;

function queueDetail(over: Partial<ClusterAppState>): string {
  const snap = snapshot({ clusters: [cluster('a', 'eu-west')], states: [state('a', over)] });
  const d = decide(request(), snap, policy(), context('q'));
  const term = d.candidates[0]?.terms?.find((t) => t.name === 'queue');
  if (term === undefined) throw new Error('no queue term');
  return term.detail;
}

function startupDetail(over: Partial<ClusterAppState>): string {
  const snap = snapshot({ clusters: [cluster('a', 'eu-west')], states: [state('a', over)] });
  const d = decide(request(), snap, policy(), context('s'));
  const term = d.candidates[0]?.terms?.find((t) => t.name === 'startup');
  if (term === undefined) throw new Error('no startup term');
  return term.detail;
}

describe('the queue term says where its times came from', () => {
  it.each([
    {
      name: 'nothing reported: the policy default service time',
      over: {},
      want: `(service ${T.serviceMs} ms policy default ÷ 6 slots)`,
    },
    {
      name: 'the aggregator reported a service time',
      over: { serviceMs: 4_200 },
      want: '(service 4200 ms observed ÷ 6 slots)',
    },
    {
      name: 'an observed wait per position above service ÷ slots',
      over: { serviceMs: 600, queueWaitMs: 900, hotFree: 0, hotBusy: 6, queued: 3 },
      want: '(observed queue wait)',
    },
    {
      name: 'an observed wait below service ÷ slots does not claim the position',
      over: { serviceMs: 6_000, queueWaitMs: 50, hotFree: 0, hotBusy: 6, queued: 3 },
      want: '(service 6000 ms observed ÷ 6 slots)',
    },
    {
      name: 'a long queue capped by a warm start the aggregator observed',
      over: { hotFree: 0, hotBusy: 6, queued: 500, warm: 2, warmStartMs: 9_000, coldStartMs: 200_000 },
      want: 'capped by warm start 9000 ms (observed)',
    },
    {
      name: 'a long queue capped by the policy default cold start',
      over: { hotFree: 0, hotBusy: 6, queued: 100_000, warm: 0, cold: 4 },
      want: `capped by cold start ${T.coldStartMs} ms (policy default)`,
    },
  ])('$name', ({ over, want }) => {
    expect(queueDetail(over)).toContain(want);
  });

  // The startup term names the source of the tier it lands in: the aggregator times warm and
  // cold start-ups apart, so a cluster often has observed warm starts and no cold one yet.
  it.each([
    { name: 'cold tier, only a warm start observed', over: { warm: 0, warmStartMs: 9_000 }, want: `cold start ${T.coldStartMs} ms (policy default)` },
    { name: 'cold tier, a cold start observed', over: { warm: 0, coldStartMs: 200_000 }, want: 'cold start 200000 ms (observed)' },
    { name: 'warm tier, only a cold start observed', over: { warm: 2, coldStartMs: 200_000 }, want: `warm start ${T.warmStartMs} ms (policy default)` },
    { name: 'warm tier, a warm start observed', over: { warm: 2, warmStartMs: 9_000 }, want: 'warm start 9000 ms (observed)' },
  ])('the startup term: $name', ({ over, want }) => {
    expect(startupDetail({ hotFree: 0, hotBusy: 0, cold: 4, ...over })).toContain(want);
  });

  it('the sources are the only bytes the recorded decision digests leave out', () => {
    const cases = [{}, { serviceMs: 4_200 }, { hotFree: 0, hotBusy: 6, queued: 100_000, warm: 0, cold: 4 }];
    for (const over of cases) {
      const d = queueDetail(over);
      const stripped = withoutQueueSources(d);
      expect(stripped).not.toMatch(/observed|policy default/);
      expect(stripped).toMatch(/^\d+ free \/ \d+ slots, \d+ queued, state \d+ ms old → [\d.]+ ahead × \d+ ms(; capped by (warm|cold) start \d+ ms)?$/);
    }
  });
});
