import { describe, expect, it } from 'vitest';
import type { Policy } from './types.ts';
import { DEFAULT_REQUEST_RULES, type AppSnapshot } from '../domain/types.ts';
import { inputJson } from './record-json.ts';

const snapshot: AppSnapshot = {
  app: {
    id: 'p/a', projectId: 'p', name: 'a', clusters: ['c1'], excludedClusters: [], residency: { kind: 'any' },
    gpuTypes: [], strategy: 'switchyard', affinityHeader: null, authRequired: true,
    limits: { maxConcurrency: null, maxRps: null }, corsOrigins: [], clusterWeights: {}, requests: DEFAULT_REQUEST_RULES,
  },
  clusters: new Map([['c1', { id: 'c1', region: 'eu-west', continent: 'EU', country: 'IE', provider: 'x', location: { lat: 1, lon: 2 }, proxyUrl: 'http://p', proxyId: 'p1' }]]),
  state: new Map(),
  status: new Map(),
  latency: new Map([['c1', [{ clusterId: 'c1', source: 'p1', rttMs: 5, ttftMs: null, samples: 3, observedAt: 9 }]]]),
  loadedAt: 123,
};

describe('inputJson', () => {
  it('round-trips as decision record v1 with Maps as entries', () => {
    const parsed = JSON.parse(
      inputJson({
        request: { appId: 'p/a', fn: 'f', method: 'GET', client: { colo: null, country: null, continent: null, location: null }, affinityKey: null, synthetic: false },
        policy: { version: 'v' } as unknown as Policy,
        now: 456,
        seed: 'abc',
        staleSnapshot: true,
        snapshot,
      }),
    ) as Record<string, unknown>;
    expect(parsed).toMatchObject({ v: 1, now: 456, seed: 'abc', staleSnapshot: true, policy: { version: 'v' } });
    const snap = parsed['snapshot'] as Record<string, unknown>;
    expect(snap['clusters']).toEqual([['c1', snapshot.clusters.get('c1')]]);
    expect(snap['latency']).toEqual([['c1', snapshot.latency.get('c1')]]);
    expect(snap['loadedAt']).toBe(123);
  });
});
