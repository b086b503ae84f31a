import { describe, expect, test } from 'vitest';
import { decide } from '../decision/decide.ts';
import { DEFAULT_POLICY as POLICY } from '../decision/policy.ts';
import { cluster, context, request, snapshot } from '../decision/test-fixtures.ts';
import type { AppSnapshot } from '../domain/types.ts';
import { restrictToVersion, routeRollout } from './select-version.ts';
import type { RolloutView } from './types.ts';

const base = snapshot({ clusters: [cluster('us', 'us-east'), cluster('eu', 'eu-central'), cluster('ie', 'eu-west')] });
const versions = new Map([
  ['us', [{ clusterId: 'us', model: 'm', version: 'v1' }]],
  ['eu', [{ clusterId: 'eu', model: 'm', version: 'v2' }]],
  ['ie', [{ clusterId: 'ie', model: 'm', version: 'v1' }]],
]);
const R: RolloutView = { id: 'ro', model: 'm', stable: 'v1', canary: 'v2', status: 'running', weightPct: 100, heldRegions: [] };
const snap = (rollout: RolloutView | null): AppSnapshot => ({ ...base, versions, ...(rollout === null ? {} : { rollout }) });

describe('routeRollout', () => {
  test.each([
    ['no rollout: unchanged', null, {}, null, ['us', 'eu', 'ie']],
    ['canary at 100 %: only the canary clusters', R, {}, 'v2', ['eu']],
    ['rolled back: only the stable clusters', { ...R, status: 'rolled-back' as const, weightPct: 0 }, {}, 'v1', ['us', 'ie']],
    ['held region (client nearest eu-west)', { ...R, heldRegions: ['eu-west'] }, { client: { colo: 'DUB', country: 'IE', continent: 'EU' as const, location: { lat: 53.3, lon: -6.3 } } }, 'v1', ['us', 'ie']],
    ['unserved version: every cluster', { ...R, canary: 'v3' }, {}, 'v3', ['us', 'eu', 'ie']],
  ] as const)('%s', (_n, rollout, req, version, clusters) => {
    const routed = routeRollout(request(req), snap(rollout), 0.5);
    expect(routed.note?.version ?? null).toBe(version);
    expect(routed.snapshot.app.clusters).toEqual(clusters);
    if (routed.note !== null) expect(decide(request(req), routed.snapshot, POLICY, context()).chosen).toSatisfy((c: string | null) => c !== null && clusters.includes(c as never));
  });

  test('a braked canary choice goes to the stable clusters, reason braked', () => {
    const routed = routeRollout(request({}), snap(R), 0.5, () => false);
    expect(routed.note).toMatchObject({ version: 'v1', canary: false, reason: 'braked' });
    expect(routed.snapshot.app.clusters).toEqual(['us', 'ie']);
  });

  test('the restricted view is one object per snapshot and version (decide() compiles it once)', () => {
    const s = snap(R);
    expect(restrictToVersion(s, 'm', 'v1')).toBe(restrictToVersion(s, 'm', 'v1'));
    expect(restrictToVersion(s, 'm', 'v9')).toBeNull();
  });
});
