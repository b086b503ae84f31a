/**
 * A snapshot refresh sums the outcome window without joining each outcome to its decision
 * (migration 20: the database copies the decision's app and origin onto its outcomes), against
 * REAL libSQL. Before, each refresh of a busy app walked the window's outcomes row by row into
 * `decisions`: ~1 s at 1,000 decisions/s (bench/snapshot-load.ts). What must still hold: an
 * outcome that lands before its decision (the edge batches its decision log) counts once the
 * decision lands, and a database migrated with outcomes already in it keeps them.
 */
import { afterEach, expect, test } from 'vitest';
import { insertOutcomes } from '../../control/store/insert-outcomes.ts';
import { migrate } from '../../control/store/migrate.ts';
import { pushClusterState } from '../../control/store/push-cluster-state.ts';
import { insertRoutedDecision, openTempStore, sampleApp, sampleCluster, sampleState, type TempStore, upsertAppAtSchema } from '../../control/store/test-fixtures.ts';
import { upsertCluster } from '../../control/store/upsert-cluster.ts';
import { upsertProject } from '../../control/store/upsert-project.ts';
import { MIGRATIONS, SCHEMA_VERSION } from '../schema/migrations.ts';
import { loadAppSnapshot } from './load-app-snapshot.ts';
import { APP_SNAPSHOT_STATEMENTS, INFLOW_WINDOW_MS, SNAPSHOT_PARTS } from './statements.ts';

const NOW = 1_700_000_000_000;
let store: TempStore | undefined;
afterEach(() => store?.dispose());

/** `schema`: the version `s` is migrated to (default: the latest). */
async function fleet(s: TempStore, schema = SCHEMA_VERSION): Promise<void> {
  await upsertProject(s.client, { id: 'p', name: 'P' }, 1);
  for (const id of ['c1', 'c2']) await upsertCluster(s.client, sampleCluster(id), 1);
  await upsertAppAtSchema(s.client, sampleApp('p', 'a', { clusters: ['c1', 'c2'] }), 1, schema);
  for (const id of ['c1', 'c2']) {
    const status = { clusterId: id, health: 'healthy' as const, circuitOpen: false, draining: false, observedAt: NOW };
    await pushClusterState(s.client, id, { states: [sampleState(id, 'p/a', { observedAt: NOW })], status, endpoints: [] }, NOW);
  }
}

function decision(s: TempStore, id: string, colo: string): Promise<void> {
  return insertRoutedDecision(s.client, { id, at: NOW - 1000, appId: 'p/a', clusterId: 'c1', colo });
}

const outcome = (decisionId: string, clusterId: string, status: number) =>
  ({ decisionId, attempt: 0, proxyId: 'px', clusterId, endpoint: null, status, ttfbMs: 50, durationMs: 10, bytesIn: 0, bytesOut: 0, error: null, at: NOW - 1000 });

test('outcomes that land before their decisions count once the decisions land', async () => {
  const s = (store = await openTempStore());
  await fleet(s);
  await insertOutcomes(s.client, [outcome('d1', 'c1', 200), outcome('d2', 'c1', 503), outcome('d3', 'c2', 200)]);
  for (const [id, colo] of [['d1', 'FRA'], ['d2', 'FRA'], ['d3', 'AMS']] as const) await decision(s, id, colo);
  const snap = await loadAppSnapshot(s.client, 'p/a', NOW);
  expect(snap?.outcomes?.get('c1')).toMatchObject({ requests: 2, replicaErrors: 1 });
  expect(snap?.outcomes?.get('c2')).toMatchObject({ requests: 1, replicaErrors: 0 });
  const per = INFLOW_WINDOW_MS / 1000;
  expect(snap?.state.get('c1')?.inflowByOrigin).toEqual({ FRA: 2 / per });
  expect(snap?.state.get('c2')?.inflowByOrigin).toEqual({ AMS: 1 / per });
});

test('a database migrated with outcomes already in it keeps counting them', async () => {
  const s = (store = await openTempStore({ migrated: false }));
  await migrate(s.client, { now: 1, migrations: MIGRATIONS.filter((m) => m.version < 20) });
  await fleet(s, 19);
  await decision(s, 'd1', 'FRA');
  await insertOutcomes(s.client, [outcome('d1', 'c1', 200)]);
  await migrate(s.client, { now: 2 });
  const snap = await loadAppSnapshot(s.client, 'p/a', NOW);
  expect(snap?.outcomes?.get('c1')).toMatchObject({ requests: 1 });
  expect(snap?.state.get('c1')?.inflowByOrigin).toEqual({ FRA: 1 / (INFLOW_WINDOW_MS / 1000) });
});

test('the outcome and inflow sums read one covering index, never the decisions table', async () => {
  const s = (store = await openTempStore());
  const statements = APP_SNAPSHOT_STATEMENTS('p/a', NOW - 60_000, NOW);
  for (const part of ['outcomes', 'inflow'] as const) {
    const st = statements[SNAPSHOT_PARTS.indexOf(part)];
    if (st === undefined) throw new Error(part);
    const plan = await s.client.execute({ sql: `EXPLAIN QUERY PLAN ${st.sql}`, args: [...st.args] });
    const text = plan.rows.map((r) => String(r['detail'])).join('\n');
    expect(text, part).not.toMatch(/\bdecisions\b|\bd\b USING/);
    expect(text, part).toMatch(/SEARCH o USING COVERING INDEX outcomes_app_cluster_at/);
  }
});
