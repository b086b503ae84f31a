import { describe, expect, it } from 'vitest';
import type { Residency } from '../shared/domain/types.ts';
import { residencyAllows, violationsOf } from './constraints.ts';
import { appFixture, snapshotFixture } from './test-fixtures.ts';

describe('residencyAllows', () => {
  const eu = { region: 'eu-west', continent: 'EU' as const };
  it.each<{ residency: Residency; client: 'EU' | 'NA' | null; ok: boolean }>([
    { residency: { kind: 'any' }, client: null, ok: true },
    { residency: { kind: 'continents', continents: ['EU'] }, client: 'NA', ok: true },
    { residency: { kind: 'continents', continents: ['NA'] }, client: 'NA', ok: false },
    { residency: { kind: 'regions', regions: ['eu-west'] }, client: 'NA', ok: true },
    { residency: { kind: 'regions', regions: ['eu-central'] }, client: 'EU', ok: false },
    { residency: { kind: 'client-continent' }, client: 'EU', ok: true },
    { residency: { kind: 'client-continent' }, client: 'NA', ok: false },
    { residency: { kind: 'client-continent' }, client: null, ok: false },
  ])('$residency.kind for client $client → $ok', ({ residency, client, ok }) => {
    expect(residencyAllows(residency, eu, client)).toBe(ok);
  });
});

describe('violationsOf', () => {
  const now = 1_700_000_000_000;
  const policy = { staleHardMs: 30_000 };
  const snap = snapshotFixture({
    now,
    app: appFixture({ residency: { kind: 'continents', continents: ['EU'] } }),
  });
  it.each([
    { chosen: 'eu-a', outcome: 'routed' as const, expected: [] },
    { chosen: null, outcome: 'no-candidate' as const, expected: [] },
    { chosen: 'us-a', outcome: 'routed' as const, expected: ['residency'] },
    { chosen: 'nowhere', outcome: 'routed' as const, expected: ['not-deployed', 'unknown-cluster', 'no-state'] },
    { chosen: 'eu-sick', outcome: 'routed' as const, expected: ['unhealthy'] },
    { chosen: 'eu-sick', outcome: 'panic' as const, expected: [] },
  ])('$chosen ($outcome) → $expected', ({ chosen, outcome, expected }) => {
    expect(violationsOf({ chosen, outcome }, snap, 'EU', policy, now)).toEqual(expected);
  });
});
