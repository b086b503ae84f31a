import { describe, expect, it } from 'vitest';
import { explanationView } from './explanation-view.ts';

const ttftCandidate = {
  clusterId: 'eu-west-1', region: 'eu-west', provider: 'lambda', disqualifications: [], tier: 'hot', baseWeight: 1,
  modifiers: [], weight: 1, probability: 0.7, estimatedLatencyMs: 84, pricePerHour: 2.99, stateAgeMs: 120,
  terms: [
    { name: 'network', ms: 40, detail: 'rtt 40 ms' },
    { name: 'price', ms: 25, detail: '$2.99/h vs cheapest $2.49/h' },
  ],
  scoreMs: 65,
};

describe('explanationView', () => {
  it.each([
    {
      name: 'ttft candidates with terms in ms, chosen first',
      input: {
        appId: 'acme/chat', outcome: 'routed', chosen: 'eu-west-1', fallbacks: ['us-east-1'], reason: 'best-score', strategy: 'default',
        summary: 'chose eu-west-1', at: 5,
        candidates: [
          { ...ttftCandidate, clusterId: 'us-east-1', probability: 0.3 },
          { ...ttftCandidate, clusterId: 'ap-1', probability: 0, disqualifications: [{ code: 'unhealthy', detail: 'cluster unhealthy' }] },
          ttftCandidate,
        ],
      },
      want: {
        chosen: 'eu-west-1', fallbacks: ['us-east-1'], summary: 'chose eu-west-1',
        ids: ['eu-west-1', 'us-east-1', 'ap-1'],
        first: { chosen: true, predictedMs: 84, scoreMs: 65, pricePerHour: 2.99, terms: [{ name: 'network', value: 40, unit: 'ms', detail: 'rtt 40 ms' }, { name: 'price', value: 25, unit: 'ms', detail: '$2.99/h vs cheapest $2.49/h' }] },
        last: { disqualified: ['unhealthy: cluster unhealthy'], chosen: false },
      },
    },
    {
      name: 'share adjustments after the scores: the cap, the overflow, the failover reserve and whose setting it was',
      input: {
        chosen: 'near',
        candidates: [
          { ...ttftCandidate, clusterId: 'near', probability: 0.6, shareCap: 0.25, overflowShare: 0.1, reserveShare: 0.2, reserveFrom: 'app' },
          { ...ttftCandidate, clusterId: 'cheap', probability: 0.4, reserveShare: -0.2, reserveFrom: 'policy' },
        ],
      },
      want: {
        chosen: 'near', fallbacks: [], summary: '', ids: ['near', 'cheap'],
        first: {
          terms: [
            { name: 'network', value: 40, unit: 'ms' },
            { name: 'price', value: 25, unit: 'ms' },
            { name: 'share cap', value: 0.25, unit: 'share' },
            { name: 'overflow', value: 0.1, unit: 'move' },
            { name: 'failover reserve', value: 0.2, unit: 'move', detail: expect.stringContaining("set by the app's failoverReserve") },
          ],
        },
        last: { terms: [{ name: 'network' }, { name: 'price' }, { name: 'failover reserve', value: -0.2, unit: 'move', detail: expect.stringContaining('set by ROUTE_FAILOVER_RESERVE') }] },
      },
    },
    {
      name: 'an unknown reserveFrom (a name Object.prototype has) reads as a generic setting, never as its properties',
      input: { chosen: 'a', candidates: [{ ...ttftCandidate, clusterId: 'a', reserveShare: -0.1, reserveFrom: 'constructor' }, { ...ttftCandidate, clusterId: 'b', probability: 0, reserveShare: 0.1, reserveFrom: '__proto__' }] },
      want: {
        chosen: 'a', fallbacks: [], summary: '', ids: ['a', 'b'],
        first: { terms: [{ name: 'network' }, { name: 'price' }, { name: 'failover reserve', detail: expect.stringMatching(/set by a failover reserve setting$/) }] },
        last: { terms: [{ name: 'network' }, { name: 'price' }, { name: 'failover reserve', detail: expect.stringMatching(/set by a failover reserve setting$/) }] },
      },
    },
    {
      name: 'weights model: modifiers as factors',
      input: { chosen: 'a', candidates: [{ clusterId: 'a', probability: 1, modifiers: [{ name: 'cost', factor: 0.5, detail: 'busy' }] }] },
      want: { chosen: 'a', fallbacks: [], summary: '', ids: ['a'], first: { terms: [{ name: 'cost', value: 0.5, unit: '×', detail: 'busy' }], scoreMs: null }, last: { chosen: true } },
    },
    {
      name: 'garbage becomes an empty view, never a throw',
      input: 'not json object',
      want: { chosen: null, fallbacks: [], summary: '', ids: [], first: undefined, last: undefined },
    },
    {
      name: 'wrong types inside are dropped',
      input: { chosen: 3, fallbacks: ['x', 4], candidates: [null, { clusterId: 7, terms: 'no' }] },
      want: { chosen: null, fallbacks: ['x'], summary: '', ids: ['?'], first: { terms: [], region: null }, last: { terms: [] } },
    },
  ])('$name', ({ input, want }) => {
    const v = explanationView('d1', input);
    expect(v.id).toBe('d1');
    expect(v.chosen).toBe(want.chosen);
    expect(v.fallbacks).toEqual(want.fallbacks);
    expect(v.summary).toBe(want.summary);
    expect(v.candidates.map((c) => c.clusterId)).toEqual(want.ids);
    if (want.first === undefined) expect(v.candidates[0]).toBeUndefined();
    else expect(v.candidates[0]).toMatchObject(want.first);
    if (want.last !== undefined) expect(v.candidates.at(-1)).toMatchObject(want.last);
  });
});
