import { afterEach, expect, test } from 'vitest';
import { listApps } from './list-apps.ts';
import { listClusters } from './list-clusters.ts';
import { openTempStore, sampleApp, sampleCluster, type TempStore } from './test-fixtures.ts';
import { upsertApiKey } from './upsert-api-key.ts';
import { upsertApp } from './upsert-app.ts';
import { upsertCluster } from './upsert-cluster.ts';
import { upsertProject } from './upsert-project.ts';

let store: TempStore | undefined;
afterEach(() => store?.dispose());

test('projects, clusters and apps written by the store read back as the same domain objects', async () => {
  store = await openTempStore();
  const c = store.client;
  await upsertProject(c, { id: 'acme', name: 'Acme' }, 10);
  const eu = sampleCluster('eu-1');
  const us = sampleCluster('us-1', {
    region: 'us-east',
    continent: 'NA',
    country: 'US',
    proxyId: 'proxy-us',
  });
  await upsertCluster(c, us, 10);
  await upsertCluster(c, eu, 10);
  await upsertCluster(c, { ...eu, provider: 'gcp' }, 11); // update in place
  const app = sampleApp('acme', 'chat', {
    clusters: ['eu-1', 'us-1'],
    excludedClusters: ['us-1'],
    residency: { kind: 'continents', continents: ['EU', 'NA'] },
    gpuTypes: ['H100', 'A100'],
    strategy: 'consistent-hash',
    affinityHeader: 'x-session',
    authRequired: true,
    limits: { maxConcurrency: 8, maxRps: 2.5, scope: 'global' },
    corsOrigins: ['*'],
    clusterWeights: { 'eu-1': 0.9, 'us-1': 0.1 },
    failoverReserve: 1.5,
    requests: { functions: ['generate', 'v1/*'], maxBodyBytes: 1024, forwardAuthorization: true, ttfbBudgetMs: 5000, nonStreamingTtfbBudgetMs: 90000, maxInFlightPerReplica: 4,
      streams: { heartbeats: true, heartbeatIntervalMs: 5000, continuation: true, continuationMaxChars: 1000 }, jobKeyHeader: 'x-job-id', jobPinSeconds: 600, tokenBudget: null, promptCache: 'shared' },
  });
  await upsertApp(c, app, 10);

  expect(await listClusters(c)).toEqual([{ ...eu, provider: 'gcp' }, us]);
  expect(await listApps(c)).toEqual([app]);

  // Re-deploying to fewer clusters replaces the app_clusters rows, not appends.
  const shrunk = {
    ...app,
    clusters: ['eu-1'],
    excludedClusters: [],
    clusterWeights: { 'eu-1': 1 },
  };
  await upsertApp(c, shrunk, 12);
  expect(await listApps(c)).toEqual([shrunk]);

  // No strategy or failover reserve in the config: stored as 'default' and NULL, read back as
  // null and absent (the policy decides).
  const { failoverReserve: _set, ...noReserve } = shrunk;
  const unset = { ...noReserve, strategy: null, affinityHeader: null };
  await upsertApp(c, unset, 13);
  expect(await listApps(c)).toEqual([unset]);
});

test('an app of an unknown project is refused as a constraint error', async () => {
  store = await openTempStore();
  const err = await upsertApp(store.client, sampleApp('ghost', 'x'), 1).catch((e: unknown) => e);
  expect(err).toMatchObject({ name: 'StoreError', code: 'constraint' });
  expect(await listApps(store.client)).toEqual([]);
});

test('inputs the schema cannot hold are refused before writing', async () => {
  store = await openTempStore();
  await upsertProject(store.client, { id: 'acme', name: 'Acme' }, 1);
  await expect(
    upsertApp(store.client, { ...sampleApp('acme', 'a'), id: 'acme/b' }, 1),
  ).rejects.toMatchObject({ code: 'invalid-input' });
  await expect(
    upsertApp(
      store.client,
      sampleApp('acme', 'a', { limits: { maxConcurrency: 1.5, maxRps: null } }),
      1,
    ),
  ).rejects.toMatchObject({ code: 'invalid-input' });
  await expect(upsertApp(store.client, sampleApp('acme', 'a', { failoverReserve: 5 }), 1)).rejects.toMatchObject({
    code: 'invalid-input',
    message: expect.stringMatching(/failoverReserve must be between 0 \(off\) and 4, got 5/),
  });
  await expect(
    upsertApiKey(store.client, { id: 'k', projectId: 'acme', hash: 'not-hex', revoked: false }, 1),
  ).rejects.toMatchObject({ code: 'invalid-input' });
});

test('API keys are stored by hash and can be revoked by rewriting', async () => {
  store = await openTempStore();
  await upsertProject(store.client, { id: 'acme', name: 'Acme' }, 1);
  const hash = 'a'.repeat(64);
  await upsertApiKey(store.client, { id: 'k1', projectId: 'acme', hash, revoked: false }, 1);
  await upsertApiKey(store.client, { id: 'k1', projectId: 'acme', hash, revoked: true }, 2);
  const rs = await store.client.execute('SELECT id, revoked, created_at FROM api_keys');
  expect(rs.rows.map((r) => ({ ...r }))).toEqual([{ id: 'k1', revoked: 1, created_at: 1 }]);
});

test('a stored row that does not fit the domain is reported as invalid-data naming the row', async () => {
  store = await openTempStore();
  await upsertProject(store.client, { id: 'acme', name: 'Acme' }, 1);
  await upsertApp(store.client, sampleApp('acme', 'chat'), 1);
  await store.client.execute(`UPDATE apps SET residency_json = '{"kind":"moon"}'`);
  const err = await listApps(store.client).catch((e: unknown) => e);
  expect(err).toMatchObject({ code: 'invalid-data' });
  expect(String((err as Error).message)).toContain('apps row "acme/chat"');

  await store.client.execute(`UPDATE apps SET residency_json = '{"kind":"any"}', failover_reserve = 9`);
  const reserve = await listApps(store.client).catch((e: unknown) => e);
  expect(reserve).toMatchObject({ code: 'invalid-data' });
  expect(String((reserve as Error).message)).toMatch(/apps row "acme\/chat": failover_reserve must be between 0 and 4/);
});
