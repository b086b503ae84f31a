/**
 * The gates' outcomes against REAL libSQL: only the rollout's own app's outcomes since its step
 * began, per version of the cluster that answered, read through the app's index. They were
 * joined to their decisions and filtered on `d.app_id`, so every co-tenant's outcomes on the
 * app's clusters were read on every pass.
 */
import type { Client, InStatement } from '@libsql/client';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_GATES, type Rollout } from '../../shared/rollout/types.ts';
import { insertOutcomes } from '../store/insert-outcomes.ts';
import { insertRoutedDecision, openTempStore, type TempStore } from '../store/test-fixtures.ts';
import { pushDeploymentVersions } from './push-deployment-versions.ts';
import { readVersionOutcomes } from './gate-stats.ts';

const STEP = 1_700_000_000_000;
let store: TempStore;

const rollout: Rollout = {
  id: 'r1', appId: 'p/a', model: 'm', stable: 'v1', canary: 'v2', status: 'running', weightPct: 10, heldRegions: [],
  steps: [10, 50, 100], stepIndex: 0, stepStartedAt: STEP, holdMs: 600_000, gates: DEFAULT_GATES, autoPromote: true,
  reason: null, startedAt: STEP, updatedAt: STEP,
};

beforeEach(async () => {
  store = await openTempStore();
  // p/a: canary on c1, stable on c2; the co-tenant q/b serves the same model names on c1.
  await pushDeploymentVersions(store.client, 'c1', new Map([['p/a', [{ model: 'm', version: 'v2', replicas: 1 }]], ['q/b', [{ model: 'm', version: 'v2', replicas: 1 }]]]), STEP);
  await pushDeploymentVersions(store.client, 'c2', new Map([['p/a', [{ model: 'm', version: 'v1', replicas: 1 }]]]), STEP);
});
afterEach(() => store.dispose());

interface Row { app: string; cluster: string; status: number; at: number; decision?: boolean }

async function seed(rows: readonly Row[]): Promise<void> {
  const outcomes = [];
  for (const [i, r] of rows.entries()) {
    // The edge may drop a decision under load; the proxy still writes the outcome's app (v21).
    if (r.decision !== false) await insertRoutedDecision(store.client, { id: `d${i}`, at: r.at, appId: r.app, clusterId: r.cluster });
    outcomes.push({ decisionId: `d${i}`, appId: r.app, attempt: 0, proxyId: 'px', clusterId: r.cluster, endpoint: null, status: r.status, ttfbMs: 50, durationMs: 10, bytesIn: 0, bytesOut: 0, error: null, at: r.at });
  }
  await insertOutcomes(store.client, outcomes);
}

describe('readVersionOutcomes', () => {
  it.each([
    { name: "a co-tenant's outcomes on the canary's cluster do not count", rows: [{ app: 'q/b', cluster: 'c1', status: 500, at: STEP + 1 }, { app: 'p/a', cluster: 'c1', status: 200, at: STEP + 2 }], canary: [1, 0], stable: [0, 0] },
    { name: 'each version counts the outcomes of the clusters serving it', rows: [{ app: 'p/a', cluster: 'c1', status: 503, at: STEP + 1 }, { app: 'p/a', cluster: 'c2', status: 200, at: STEP + 1 }, { app: 'p/a', cluster: 'c2', status: 200, at: STEP + 3 }], canary: [1, 1], stable: [2, 0] },
    { name: 'outcomes before the step began do not count', rows: [{ app: 'p/a', cluster: 'c1', status: 500, at: STEP - 1 }, { app: 'p/a', cluster: 'c2', status: 200, at: STEP }], canary: [0, 0], stable: [1, 0] },
    { name: 'an outcome whose decision was never logged counts for its app', rows: [{ app: 'p/a', cluster: 'c1', status: 500, at: STEP + 1, decision: false }], canary: [1, 1], stable: [0, 0] },
  ])('$name', async ({ rows, canary, stable }) => {
    await seed(rows);
    const r = await readVersionOutcomes(store.client, rollout, STEP);
    expect([r.canary.requests, r.canary.errors]).toEqual(canary);
    expect([r.stable.requests, r.stable.errors]).toEqual(stable);
  });

  it("reads the app's outcomes through its index, never another app's rows or the decisions", async () => {
    const seen: InStatement[] = [];
    const recording = new Proxy(store.client, {
      get(target, key) {
        if (key === 'execute') return (stmt: InStatement) => (seen.push(stmt), target.execute(stmt));
        const v: unknown = Reflect.get(target, key);
        return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
      },
    }) as Client;
    await readVersionOutcomes(recording, rollout, STEP);
    const [stmt] = seen;
    if (stmt === undefined || typeof stmt === 'string') throw new Error('expected one statement with arguments');
    const plan = (await store.client.execute({ sql: `EXPLAIN QUERY PLAN ${stmt.sql}`, args: stmt.args ?? [] })).rows.map((row) => String(row['detail']));
    const outcomeReads = plan.filter((d) => / o USING | o$/.test(d));
    expect(outcomeReads).toEqual(['SEARCH o USING INDEX outcomes_app_cluster_at (app_id=? AND cluster_id=? AND at>?)']);
    expect(plan.filter((d) => / d USING | d$|decisions/.test(d))).toEqual([]);
  });
});
