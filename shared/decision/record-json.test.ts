import { describe, expect, it } from 'vitest';
import type { Policy } from './types.ts';
import { DEFAULT_REQUEST_RULES, type AppSnapshot } from '../domain/types.ts';
import { inputJson, inputRecord } from './record-json.ts';
import { snapshotId } from './snapshot-id.ts';

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

describe('inputRecord', () => {
  const request = { appId: 'p/a', fn: 'f', method: 'GET', client: { colo: 'DUB', country: null, continent: null, location: null }, affinityKey: null, synthetic: false };
  const pin = { keyHash: 'h1', clusterId: 'c1', endpoint: null, expiresAt: 9 };
  const pinned = { ...snapshot, jobPins: new Map([['h1', pin], ['h2', { ...pin, keyHash: 'h2' }]]) };
  const args = { policy: { version: 'v' } as unknown as Policy, now: 456, seed: 'abc', staleSnapshot: false, snapshot: pinned };

  it("names the snapshot by its content's id, keeps the request's own pin in the row, and shares one snapshot row", () => {
    const a = inputRecord({ ...args, request: { ...request, jobKeyHash: 'h1' } });
    const b = inputRecord({ ...args, request });
    expect(a.snapshot).toBe(b.snapshot);
    expect(a.snapshot.id).toBe(snapshotId(pinned.app.id, a.snapshot.json));
    expect(a.snapshot.at).toBe(123);
    expect(a.snapshot.json).not.toContain('jobPins');
    const parsed = JSON.parse(a.inputJson) as Record<string, unknown>;
    expect(parsed).toMatchObject({ v: 1, now: 456, seed: 'abc', request: { client: { colo: 'DUB' } }, snapshotRef: a.snapshot.id });
    expect(parsed['snapshot']).toBeUndefined();
    expect(parsed['jobPins']).toEqual([['h1', pin]]);
    expect(a.inputJson.endsWith(`"snapshotRef":${JSON.stringify(a.snapshot.id)}}`)).toBe(true);
    expect(JSON.parse(b.inputJson)).not.toHaveProperty('jobPins');
    // The same bytes as the inline form's snapshot, less the pin spliced into it.
    const inline = JSON.parse(inputJson({ ...args, request })) as { snapshot: unknown };
    expect(JSON.parse(a.snapshot.json)).toEqual(inline.snapshot);
  });
});
