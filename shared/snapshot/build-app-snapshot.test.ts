/**
 * Rows come from REAL libSQL: each case writes through control/store into a temp file database,
 * reads back with APP_SNAPSHOT_STATEMENTS (once with number and once with bigint integers), and
 * checks the snapshot built from them.
 */
import { createClient, type Client } from '@libsql/client';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  openTempStore,
  sampleApp,
  sampleCluster,
  sampleState,
  type TempStore,
} from '../../control/store/test-fixtures.ts';
import { pushClusterState } from '../../control/store/push-cluster-state.ts';
import { upsertApiKey } from '../../control/store/upsert-api-key.ts';
import { upsertApp } from '../../control/store/upsert-app.ts';
import { upsertCluster } from '../../control/store/upsert-cluster.ts';
import { upsertProject } from '../../control/store/upsert-project.ts';
import { upsertProxyClusterHealth } from '../../control/store/upsert-proxy-cluster-health.ts';
import { upsertProxy } from '../../control/store/upsert-proxy.ts';
import type { AppSnapshot, ClusterStatus, Health } from '../domain/types.ts';
import { buildAppSnapshot, worstHealth } from './build-app-snapshot.ts';
import { SnapshotError } from './errors.ts';
import { loadApiKey, loadAppIds, loadAppSnapshot } from './load-app-snapshot.ts';
import { APP_SNAPSHOT_STATEMENTS } from './statements.ts';

const NOW = 1_700_000_000_000;

let store: TempStore;
let bigints: Client;

const status = (clusterId: string, over: Partial<ClusterStatus> = {}): ClusterStatus => ({
  clusterId,
  health: 'healthy',
  circuitOpen: false,
  draining: false,
  observedAt: NOW - 500,
  ...over,
});

const pch = (
  proxyId: string,
  clusterId: string,
  over: { health?: Health; circuitOpen?: boolean; ttftMs?: number | null } = {},
) => ({
  proxyId,
  clusterId,
  health: over.health ?? ('healthy' as Health),
  circuitOpen: over.circuitOpen ?? false,
  rttMs: 12.5,
  ttftMs: over.ttftMs === undefined ? 80 : over.ttftMs,
  samples: 7,
  observedAt: NOW - 100,
});

/** One world with several apps, each app exercising one mapping rule. */
async function seed(c: Client): Promise<void> {
  await upsertProject(c, { id: 'p', name: 'P' }, 1);
  await upsertProxy(
    c,
    { id: 'proxy-eu', url: 'http://127.0.0.1:9001', region: 'eu-west', draining: false },
    1,
  );
  await upsertProxy(
    c,
    { id: 'proxy-old', url: 'http://127.0.0.1:9002', region: 'eu-west', draining: true },
    1,
  );
  await upsertCluster(c, sampleCluster('eu-1'), 1);
  await upsertCluster(c, sampleCluster('eu-2'), 1);
  await upsertCluster(c, sampleCluster('eu-old', { proxyId: 'proxy-old' }), 1);
  await upsertCluster(
    c,
    sampleCluster('us-1', { region: 'us-east', continent: 'NA', country: 'US' }),
    1,
  );
  await upsertApp(c, sampleApp('p', 'bare'), 1);
  await upsertApp(
    c,
    sampleApp('p', 'full', {
      clusters: ['eu-1', 'eu-2', 'ghost'],
      excludedClusters: ['eu-2'],
      residency: { kind: 'continents', continents: ['EU'] },
      gpuTypes: ['H100'],
      strategy: 'power-of-two',
      authRequired: true,
      limits: { maxConcurrency: 3, maxRps: 1.5, scope: 'region' },
      corsOrigins: ['https://a.example'],
      clusterWeights: { 'eu-1': 2, 'eu-2': 0.5, ghost: 1 },
    }),
    1,
  );
  await upsertApp(
    c,
    sampleApp('p', 'statuses', { clusters: ['eu-1', 'eu-2', 'eu-old', 'us-1'] }),
    1,
  );
  await pushClusterState(
    c,
    'eu-1',
    {
      states: [
        sampleState('eu-1', 'p/full', { lastServedAt: NOW - 10_000, observedAt: NOW - 500 }),
        sampleState('eu-1', 'p/statuses'),
      ],
      status: status('eu-1', { health: 'healthy' }),
      endpoints: [],
    },
    NOW,
  );
  await pushClusterState(
    c,
    'eu-2',
    { states: [], status: status('eu-2', { draining: true, health: 'degraded' }), endpoints: [] },
    NOW,
  );
  // eu-old: no aggregator status, but its proxy is draining. us-1: only proxy reports.
  await upsertProxyClusterHealth(c, [
    pch('proxy-eu', 'eu-1', { health: 'unknown' }),
    pch('proxy-eu', 'eu-2', { health: 'unhealthy', circuitOpen: true }),
    pch('proxy-old', 'eu-2', { ttftMs: null }),
    pch('proxy-eu', 'us-1', { health: 'degraded' }),
  ]);
  await upsertApiKey(c, { id: 'k1', projectId: 'p', hash: 'b'.repeat(64), revoked: true }, 1);
}

beforeAll(async () => {
  store = await openTempStore();
  await seed(store.client);
  bigints = createClient({ url: `file:${store.path}`, intMode: 'bigint' });
});
afterAll(() => {
  bigints.close();
  store.dispose();
});

const MODES = ['number ints', 'bigint ints'] as const;
const clientFor = (mode: (typeof MODES)[number]): Client =>
  mode === 'bigint ints' ? bigints : store.client;

async function snapshotOf(c: Client, appId: string): Promise<AppSnapshot | null> {
  const results = await c.batch(
    APP_SNAPSHOT_STATEMENTS(appId).map((s) => ({ sql: s.sql, args: [...s.args] })),
    'read',
  );
  return buildAppSnapshot(results, NOW);
}

const cases: Array<[string, string, (s: AppSnapshot | null) => void]> = [
  ['unknown app is null', 'p/nope', (s) => expect(s).toBeNull()],
  [
    'app without clusters has empty maps',
    'p/bare',
    (s) => {
      expect(s?.app).toEqual(sampleApp('p', 'bare'));
      expect([s?.clusters.size, s?.state.size, s?.status.size, s?.latency.size]).toEqual([
        0, 0, 0, 0,
      ]);
      expect(s?.loadedAt).toBe(NOW);
    },
  ],
  [
    'static config maps to App (excluded kept in clusters, weights, residency parsed)',
    'p/full',
    (s) =>
      expect(s?.app).toEqual(
        sampleApp('p', 'full', {
          clusters: ['eu-1', 'eu-2', 'ghost'],
          excludedClusters: ['eu-2'],
          residency: { kind: 'continents', continents: ['EU'] },
          gpuTypes: ['H100'],
          strategy: 'power-of-two',
          authRequired: true,
          limits: { maxConcurrency: 3, maxRps: 1.5, scope: 'region' },
          corsOrigins: ['https://a.example'],
          clusterWeights: { 'eu-1': 2, 'eu-2': 0.5, ghost: 1 },
        }),
      ),
  ],
  [
    'clusters without static facts are absent',
    'p/full',
    (s) => expect([...(s?.clusters.keys() ?? [])]).toEqual(['eu-1', 'eu-2']),
  ],
  [
    'state rows only of this app',
    'p/full',
    (s) => {
      expect([...(s?.state.keys() ?? [])]).toEqual(['eu-1']);
      // No outcomes in the inflow window: an empty inflow map (the snapshot carries the part);
      // no other app with fewer homes: nothing pinned.
      expect(s?.state.get('eu-1')).toEqual({
        ...sampleState('eu-1', 'p/full', { lastServedAt: NOW - 10_000, observedAt: NOW - 500 }),
        inflowByOrigin: {},
        pinnedStartSlots: 0,
      });
    },
  ],
  [
    'an unknown proxy report does not hide a healthy aggregator report',
    'p/statuses',
    (s) => expect(s?.status.get('eu-1')).toEqual(status('eu-1')),
  ],
  [
    'cluster draining, circuit open from any proxy, worst health wins',
    'p/statuses',
    (s) =>
      expect(s?.status.get('eu-2')).toEqual(
        status('eu-2', { health: 'unhealthy', circuitOpen: true, draining: true }),
      ),
  ],
  [
    'draining proxy makes its cluster draining even without aggregator status',
    'p/statuses',
    (s) =>
      expect(s?.status.get('eu-old')).toEqual({
        clusterId: 'eu-old',
        health: 'unknown',
        circuitOpen: false,
        draining: true,
        observedAt: 0,
      }),
  ],
  [
    'proxy reports alone give a status as fresh as the newest report',
    'p/statuses',
    (s) =>
      expect(s?.status.get('us-1')).toEqual(
        status('us-1', { health: 'degraded', observedAt: NOW - 100 }),
      ),
  ],
  [
    'latency measurements per cluster, one per proxy',
    'p/statuses',
    (s) => {
      expect(s?.latency.get('eu-2')).toEqual([
        {
          clusterId: 'eu-2',
          source: 'proxy-eu',
          rttMs: 12.5,
          ttftMs: 80,
          samples: 7,
          observedAt: NOW - 100,
        },
        {
          clusterId: 'eu-2',
          source: 'proxy-old',
          rttMs: 12.5,
          ttftMs: null,
          samples: 7,
          observedAt: NOW - 100,
        },
      ]);
      expect(s?.latency.has('eu-old')).toBe(false);
    },
  ],
];

describe.each(MODES)('snapshot from real libSQL rows (%s)', (mode) => {
  test.each(cases)('%s', async (_name, appId, check) => {
    check(await snapshotOf(clientFor(mode), appId));
  });
});

test('loaders read app ids and API keys through the injected client', async () => {
  expect(await loadAppIds(store.client)).toEqual(['p/bare', 'p/full', 'p/statuses']);
  expect(await loadApiKey(bigints, 'b'.repeat(64))).toEqual({
    id: 'k1',
    projectId: 'p',
    hash: 'b'.repeat(64),
    revoked: true,
  });
  expect(await loadApiKey(store.client, 'c'.repeat(64))).toBeNull();
  expect((await loadAppSnapshot(store.client, 'p/full', NOW))?.app.id).toBe('p/full');
});

test.each<[string, string, RegExp]>([
  [
    'bad residency',
    `UPDATE apps SET residency_json = '{"kind":"continents","continents":["XX"]}' WHERE id = 'p/bare'`,
    /residency .* "XX" is not one of/,
  ],
  [
    'bad strategy',
    `UPDATE apps SET strategy = 'fastest' WHERE id = 'p/bare'`,
    /strategy "fastest"/,
  ],
  [
    'bad gpu list',
    `UPDATE apps SET gpu_types_json = '[1]' WHERE id = 'p/bare'`,
    /gpu_types_json must be a JSON array of strings/,
  ],
])('invalid stored config is refused: %s', async (_name, sql, message) => {
  const one = await openTempStore();
  try {
    await seed(one.client);
    await one.client.execute(sql);
    await expect(snapshotOf(one.client, 'p/bare')).rejects.toThrow(SnapshotError);
    await expect(snapshotOf(one.client, 'p/bare')).rejects.toThrow(message);
  } finally {
    one.dispose();
  }
});

test('old proxy reports stop counting for health and circuit, latency is kept', async () => {
  const results = await store.client.batch(
    APP_SNAPSHOT_STATEMENTS('p/statuses').map((s) => ({ sql: s.sql, args: [...s.args] })),
    'read',
  );
  // Proxy reports are 100 ms old: a 50 ms limit drops them, a 100 ms limit keeps them.
  const strict = buildAppSnapshot(results, NOW, { maxProxyReportAgeMs: 50 });
  expect(strict?.status.get('eu-2')).toEqual(
    status('eu-2', { health: 'degraded', draining: true }),
  );
  expect(strict?.status.has('us-1')).toBe(false);
  expect(strict?.latency.get('eu-2')).toHaveLength(2);
  const lenient = buildAppSnapshot(results, NOW, { maxProxyReportAgeMs: 100 });
  expect(lenient?.status.get('eu-2')?.circuitOpen).toBe(true);
});

test('a wrong number of result sets is refused', () => {
  expect(() => buildAppSnapshot([{ rows: [] }], NOW)).toThrow(/expected 12 result sets/);
});

test.each<[Health[], Health]>([
  [[], 'unknown'],
  [['unknown'], 'unknown'],
  [['healthy', 'unknown'], 'healthy'],
  [['healthy', 'degraded'], 'degraded'],
  [['unhealthy', 'degraded', 'healthy'], 'unhealthy'],
])('worstHealth(%j) = %s', (input, expected) => {
  expect(worstHealth(input)).toBe(expected);
});
