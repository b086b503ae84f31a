import { beforeAll, describe, expect, it } from 'vitest';
import type { Client } from '@libsql/client';
import { parseInputJson } from '../../backtest/decision-record.ts';
import { insertOutcomes } from '../../control/store/insert-outcomes.ts';
import { pushClusterState } from '../../control/store/push-cluster-state.ts';
import { upsertApp } from '../../control/store/upsert-app.ts';
import { upsertCluster } from '../../control/store/upsert-cluster.ts';
import { upsertProject } from '../../control/store/upsert-project.ts';
import { decide, seededRng } from '../../shared/decision/index.ts';
import { DEFAULT_REQUEST_RULES, type App, type Cluster } from '../../shared/domain/types.ts';
import { call, loggedDecision, mainDb } from './helpers.ts';

// The snapshot's recent outcomes (replica faults, TTFB) weigh in the decision, so the Worker's
// logged record must carry them: replaying it with the policy unchanged reproduces the decision.
// Its own project (rep), so no other test's snapshot changes.
const cluster = (id: string, lon: number): Cluster => ({
  id, region: id, continent: 'EU', country: 'IE', provider: 'test', location: { lat: 53, lon },
  proxyUrl: 'http://127.0.0.1:9', proxyId: `proxy-${id}`,
});
const app: App = {
  id: 'rep/chat', projectId: 'rep', name: 'chat', clusters: ['rep-eu1', 'rep-eu2'], excludedClusters: [], residency: { kind: 'any' },
  gpuTypes: [], strategy: 'switchyard', affinityHeader: null, authRequired: false, limits: { maxConcurrency: null, maxRps: null },
  corsOrigins: [], clusterWeights: {}, requests: DEFAULT_REQUEST_RULES,
};

beforeAll(async () => {
  const db = mainDb() as unknown as Client;
  const now = Date.now();
  await upsertProject(db, { id: 'rep', name: 'Rep' }, now);
  for (const c of [cluster('rep-eu1', -6), cluster('rep-eu2', -7)]) await upsertCluster(db, c, now);
  await upsertApp(db, app, now);
  const row = { appId: 'rep/chat', gpuType: 'H100', pricePerHour: 2.5, health: 'healthy' as const, lastServedAt: null, observedAt: now, queued: 0, hotBusy: 1, hotFree: 4, warm: 4, cold: 8 };
  for (const id of ['rep-eu1', 'rep-eu2']) {
    await pushClusterState(db, id, {
      states: [{ ...row, clusterId: id }],
      status: { clusterId: id, health: 'healthy', circuitOpen: false, draining: false, observedAt: now },
      endpoints: [],
    }, now);
  }
  // rep-eu1: 8 replica faults in 20, slow first bytes; rep-eu2: clean and fast.
  const outcomes = [];
  for (let i = 0; i < 30; i++) {
    const clusterId = i < 20 ? 'rep-eu1' : 'rep-eu2';
    await db.execute({
      sql: `INSERT INTO decisions (id, at, app_id, fn, synthetic, outcome, chosen_cluster, reason, policy_version, seed, stale, explanation_json, input_json)
            VALUES (?, ?, 'rep/chat', 'f', 0, 'routed', ?, 'fastest-predicted', 'v', 's', 0, '{}', '{}')`,
      args: [`rep-d${i}`, now - 1000, clusterId],
    });
    const status = i < 8 ? 503 : 200;
    outcomes.push({ decisionId: `rep-d${i}`, attempt: 0, proxyId: `proxy-${clusterId}`, clusterId, endpoint: null, status, ttfbMs: status === 200 ? (i < 20 ? 700 : 40) : null, durationMs: 1000, bytesIn: 0, bytesOut: 0, error: null, at: now - 1000 });
  }
  await insertOutcomes(db, outcomes);
});

describe("the Worker's decision log", () => {
  it("carries the snapshot's recent outcomes and replays to the same decision and explanation", async () => {
    const res = await call('/token/v4/rep/chat/v1/chat/completions', { key: null });
    expect(`${res.status} ${await res.clone().text()}`).toMatch(/^200 /);
    const id = res.headers.get('x-switchyard-decision-id') ?? '';
    const row = await loggedDecision(id);
    const input = parseInputJson(row.inputJson, id, null, () => row.snapshotJson);
    expect(input.snapshot.outcomes?.get('rep-eu1')).toMatchObject({ requests: 20, replicaErrors: 8 });
    expect(input.snapshot.outcomes?.get('rep-eu2')).toMatchObject({ requests: 10, replicaErrors: 0, ttfbMs: 40 });
    const logged = JSON.parse(row.explanationJson) as { chosen: string; candidates: unknown };
    const again = decide(input.request, input.snapshot, input.policy, {
      now: input.now, rng: seededRng(input.seed), seed: input.seed, decisionId: id, staleSnapshot: input.staleSnapshot,
    });
    expect(again.chosen).toBe(logged.chosen);
    expect(JSON.parse(JSON.stringify(again.candidates))).toEqual(logged.candidates);
  });
});
