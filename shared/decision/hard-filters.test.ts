import { describe, expect, it } from 'vitest';
import type { ClientLocation } from '../domain/types.ts';
import { compileSnapshot } from './compile-snapshot.ts';
import { hardFilters } from './hard-filters.ts';
import { NOW, cluster, policy, request, snapshot, state, status } from './test-fixtures.ts';
import type { SnapshotParts } from './test-fixtures.ts';
import type { DisqualificationCode } from './types.ts';

const EU = cluster('eu-1', 'eu-west');
const US = cluster('us-1', 'us-east');
const FRANKFURT = request().client;
const NOWHERE: ClientLocation = { colo: null, country: null, continent: null, location: null };

type Row = [
  name: string,
  parts: SnapshotParts,
  client: ClientLocation,
  expected: Record<string, DisqualificationCode[]>,
];

const table: Row[] = [
  ['all pass', { clusters: [EU, US] }, FRANKFURT, { 'eu-1': [], 'us-1': [] }],
  [
    'continents residency',
    { clusters: [EU, US], app: { residency: { kind: 'continents', continents: ['EU'] } } },
    FRANKFURT,
    { 'eu-1': [], 'us-1': ['residency'] },
  ],
  [
    'regions residency',
    { clusters: [EU, US], app: { residency: { kind: 'regions', regions: ['us-east'] } } },
    FRANKFURT,
    { 'eu-1': ['residency'], 'us-1': [] },
  ],
  [
    'client continent',
    { clusters: [EU, US], app: { residency: { kind: 'client-continent' } } },
    FRANKFURT,
    { 'eu-1': [], 'us-1': ['residency'] },
  ],
  [
    'client continent unknown',
    { clusters: [EU, US], app: { residency: { kind: 'client-continent' } } },
    NOWHERE,
    { 'eu-1': ['residency'], 'us-1': ['residency'] },
  ],
  [
    'excluded',
    { clusters: [EU, US], app: { excludedClusters: ['us-1'] } },
    FRANKFURT,
    { 'eu-1': [], 'us-1': ['excluded'] },
  ],
  [
    'unknown cluster',
    { clusters: [EU], deployed: ['eu-1', 'ghost'] },
    FRANKFURT,
    { 'eu-1': [], ghost: ['unknown-cluster', 'no-state'] },
  ],
  [
    'no state',
    { clusters: [EU, US], states: [state('eu-1')] },
    FRANKFURT,
    { 'eu-1': [], 'us-1': ['no-state'] },
  ],
  [
    'stale beyond hard limit',
    {
      clusters: [EU, US],
      states: [state('eu-1'), state('us-1', { observedAt: NOW - 120_001, health: 'unhealthy' })],
    },
    FRANKFURT,
    { 'eu-1': [], 'us-1': ['stale'] },
  ],
  [
    'a corrupt timestamp is stale, not fresh',
    { clusters: [EU], states: [state('eu-1', { observedAt: Number.NaN })] },
    FRANKFURT,
    { 'eu-1': ['stale'] },
  ],
  [
    'stale at the limit is still known',
    { clusters: [EU], states: [state('eu-1', { observedAt: NOW - 120_000 })] },
    FRANKFURT,
    { 'eu-1': [] },
  ],
  [
    'app unhealthy',
    { clusters: [EU], states: [state('eu-1', { health: 'unhealthy' })] },
    FRANKFURT,
    { 'eu-1': ['unhealthy'] },
  ],
  [
    'degraded and unknown pass',
    {
      clusters: [EU, US],
      states: [state('eu-1', { health: 'degraded' }), state('us-1', { health: 'unknown' })],
    },
    FRANKFURT,
    { 'eu-1': [], 'us-1': [] },
  ],
  [
    'cluster unhealthy',
    { clusters: [EU], statuses: [status('eu-1', { health: 'unhealthy' })] },
    FRANKFURT,
    { 'eu-1': ['unhealthy'] },
  ],
  [
    'circuit open',
    { clusters: [EU], statuses: [status('eu-1', { circuitOpen: true })] },
    FRANKFURT,
    { 'eu-1': ['circuit-open'] },
  ],
  [
    'draining',
    { clusters: [EU], statuses: [status('eu-1', { draining: true })] },
    FRANKFURT,
    { 'eu-1': ['draining'] },
  ],
  [
    'stale status is ignored',
    { clusters: [EU], statuses: [status('eu-1', { draining: true, observedAt: NOW - 500_000 })] },
    FRANKFURT,
    { 'eu-1': [] },
  ],
  [
    'hardware',
    {
      clusters: [EU, US],
      app: { gpuTypes: ['A100', 'L40S'] },
      states: [state('eu-1', { gpuType: 'A100' }), state('us-1')],
    },
    FRANKFURT,
    { 'eu-1': [], 'us-1': ['hardware'] },
  ],
  [
    'no capacity',
    { clusters: [EU], states: [state('eu-1', { hotFree: 0, warm: 0, cold: 0 })] },
    FRANKFURT,
    { 'eu-1': ['no-capacity'] },
  ],
  [
    'every reason is kept, not only the first',
    {
      clusters: [US],
      app: {
        residency: { kind: 'continents', continents: ['EU'] },
        excludedClusters: ['us-1'],
        gpuTypes: ['A100'],
      },
      statuses: [status('us-1', { draining: true, circuitOpen: true })],
      states: [state('us-1', { health: 'unhealthy', hotFree: 0, warm: 0, cold: 0 })],
    },
    FRANKFURT,
    {
      'us-1': [
        'residency',
        'excluded',
        'hardware',
        'draining',
        'circuit-open',
        'unhealthy',
        'no-capacity',
      ],
    },
  ],
];

describe('hardFilters', () => {
  it.each(table)('%s', (_name, parts, client, expected) => {
    const snap = snapshot(parts);
    const got: Record<string, DisqualificationCode[]> = {};
    for (const c of compileSnapshot(snap).candidates) {
      const disq = hardFilters(c, client, policy(), NOW);
      got[c.id] = disq.map((d) => d.code);
      for (const d of disq) expect(d.detail.length).toBeGreaterThan(5);
    }
    expect(got).toEqual(expected);
  });
});
