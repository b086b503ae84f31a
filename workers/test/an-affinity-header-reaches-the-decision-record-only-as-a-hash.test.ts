/**
 * The app's affinity header is client data of any length the platform lets through. The edge
 * decides and records only its hash, as it does a job key's (job-pins-at-edge.test.ts): raw, a
 * tenant's clients sending a 60 KB header made each of its decision rows that large, in the
 * isolate's one decision buffer (bounded in rows, not bytes, and shared by every tenant) and in
 * the decisions table; and a session id, often a user's, was stored in the clear. A hash keeps
 * what affinity needs: the same session goes to the same cluster.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { Client } from '@libsql/client';
import { pushClusterState } from '../../control/store/push-cluster-state.ts';
import { upsertApp } from '../../control/store/upsert-app.ts';
import { upsertCluster } from '../../control/store/upsert-cluster.ts';
import { upsertProject } from '../../control/store/upsert-project.ts';
import { DEFAULT_REQUEST_RULES, type App, type Cluster } from '../../shared/domain/types.ts';
import { call, loggedDecision, mainDb } from './helpers.ts';

// Its own project (aff), so no other test's snapshot changes.
const cluster = (id: string, lon: number): Cluster => ({
  id, region: id, continent: 'EU', country: 'IE', provider: 'test', location: { lat: 53, lon },
  proxyUrl: 'http://127.0.0.1:9', proxyId: `proxy-${id}`,
});
const CLUSTERS = ['aff-eu1', 'aff-eu2', 'aff-eu3', 'aff-eu4'];
const app: App = {
  id: 'aff/chat', projectId: 'aff', name: 'chat', clusters: CLUSTERS, excludedClusters: [], residency: { kind: 'any' },
  gpuTypes: [], strategy: 'consistent-hash', affinityHeader: 'x-session', authRequired: false, limits: { maxConcurrency: null, maxRps: null },
  corsOrigins: [], clusterWeights: {}, requests: DEFAULT_REQUEST_RULES,
};

beforeAll(async () => {
  const db = mainDb() as unknown as Client;
  const now = Date.now();
  await upsertProject(db, { id: 'aff', name: 'Aff' }, now);
  for (const [i, id] of CLUSTERS.entries()) await upsertCluster(db, cluster(id, -6 - i), now);
  await upsertApp(db, app, now);
  const row = { appId: 'aff/chat', gpuType: 'H100', pricePerHour: 2.5, health: 'healthy' as const, lastServedAt: null, observedAt: now, queued: 0, hotBusy: 1, hotFree: 4, warm: 4, cold: 8 };
  for (const id of CLUSTERS) {
    await pushClusterState(db, id, {
      states: [{ ...row, clusterId: id }],
      status: { clusterId: id, health: 'healthy', circuitOpen: false, draining: false, observedAt: now },
      endpoints: [],
    }, now);
  }
});

async function routed(session: string): Promise<{ chosen: string; inputJson: string }> {
  const res = await call('/token/v4/aff/chat/v1/chat/completions', { key: null, init: { method: 'POST', headers: { 'x-session': session } } });
  expect(`${res.status} ${await res.clone().text()}`.slice(0, 200)).toMatch(/^200 /);
  const row = await loggedDecision(res.headers.get('x-switchyard-decision-id') ?? '');
  return { chosen: (JSON.parse(row.explanationJson) as { chosen: string }).chosen, inputJson: row.inputJson };
}

describe('an affinity header', () => {
  it('of 60 KB adds a hash to the decision record, not its 60 KB', async () => {
    const session = `user-${'x'.repeat(60_000)}`;
    const short = await routed('user-1');
    const long = await routed(session);
    expect(long.inputJson.length - short.inputJson.length).toBeLessThan(200);
    expect(long.inputJson).not.toContain('xxxxxxxxxxxxxxxx');
  });

  it('is never stored in the clear, and its session still goes to one cluster', async () => {
    const first = await routed('alice@example.com');
    expect(first.inputJson).not.toContain('alice@example.com');
    for (let i = 0; i < 3; i++) expect((await routed('alice@example.com')).chosen).toBe(first.chosen);
    const chosen = new Set<string>();
    for (let i = 0; i < 24; i++) chosen.add((await routed(`session-${i}`)).chosen);
    expect(chosen.size).toBeGreaterThan(1);
  });
});
