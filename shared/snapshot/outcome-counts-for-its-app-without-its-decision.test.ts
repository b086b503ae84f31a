/**
 * An outcome counts for its app even when its decision row never lands (schema v21), against
 * REAL libSQL. The edge's decision log is bounded and shared by every app of an isolate: before,
 * an outcome got its app only from its decision row, so a dropped row made the outcome invisible
 * to its app's snapshot (failure-risk term, inflow, pinned-slot demand). Now the proxy writes the
 * app; the database still fills the origin from the decision whichever row lands first, and
 * older proxies (no app) keep getting both from the decision.
 */
import { afterEach, describe, expect, test } from 'vitest';
import { insertOutcomes } from '../../control/store/insert-outcomes.ts';
import { migrate } from '../../control/store/migrate.ts';
import { pushClusterState } from '../../control/store/push-cluster-state.ts';
import { insertRoutedDecision, openTempStore, sampleApp, sampleCluster, sampleState, type TempStore, upsertAppAtSchema } from '../../control/store/test-fixtures.ts';
import { upsertCluster } from '../../control/store/upsert-cluster.ts';
import { upsertProject } from '../../control/store/upsert-project.ts';
import { MIGRATIONS, SCHEMA_VERSION } from '../schema/migrations.ts';
import { loadAppSnapshot } from './load-app-snapshot.ts';
import { INFLOW_WINDOW_MS } from './statements.ts';

const NOW = 1_700_000_000_000;
const PER_S = 1 / (INFLOW_WINDOW_MS / 1000);
let store: TempStore | undefined;
afterEach(() => store?.dispose());

/** `schema`: the version `s` is migrated to (default: the latest). */
async function fleet(s: TempStore, schema = SCHEMA_VERSION): Promise<void> {
  await upsertProject(s.client, { id: 'p', name: 'P' }, 1);
  await upsertCluster(s.client, sampleCluster('c1'), 1);
  await upsertAppAtSchema(s.client, sampleApp('p', 'a', { clusters: ['c1'] }), 1, schema);
  const status = { clusterId: 'c1', health: 'healthy' as const, circuitOpen: false, draining: false, observedAt: NOW };
  await pushClusterState(s.client, 'c1', { states: [sampleState('c1', 'p/a', { observedAt: NOW })], status, endpoints: [] }, NOW);
}

/** As the proxy writes it: `appId` from a current proxy, none from an older one. */
const outcome = (decisionId: string, appId: string | undefined, status = 200) => ({
  decisionId, ...(appId === undefined ? {} : { appId }), attempt: 0, proxyId: 'px', clusterId: 'c1', endpoint: null,
  status, ttfbMs: 50, durationMs: 10, bytesIn: 0, bytesOut: 0, error: null, at: NOW - 1000,
});

const decision = (s: TempStore, id: string): Promise<void> =>
  insertRoutedDecision(s.client, { id, at: NOW - 1000, appId: 'p/a', clusterId: 'c1', colo: 'FRA' });

async function row(s: TempStore, id: string): Promise<{ app: unknown; origin: unknown }> {
  const rs = await s.client.execute({ sql: 'SELECT app_id, origin FROM outcomes WHERE decision_id = ?', args: [id] });
  return { app: rs.rows[0]?.['app_id'], origin: rs.rows[0]?.['origin'] };
}

test('an outcome whose decision row never arrived still counts for its app', async () => {
  const s = (store = await openTempStore());
  await fleet(s);
  await insertOutcomes(s.client, [outcome('lost1', 'p/a', 503), outcome('lost2', 'p/a')]);
  const snap = await loadAppSnapshot(s.client, 'p/a', NOW);
  expect(snap?.outcomes?.get('c1')).toMatchObject({ requests: 2, replicaErrors: 1 });
  expect(await row(s, 'lost1')).toEqual({ app: 'p/a', origin: null });
});

describe('app and origin whichever row lands first', () => {
  test.each([
    ['a current proxy (writes the app)', 'decision first', 'p/a'],
    ['a current proxy (writes the app)', 'outcome first', 'p/a'],
    ['an older proxy (no app)', 'decision first', undefined],
    ['an older proxy (no app)', 'outcome first', undefined],
  ] as const)('%s, %s', async (_writer, order, appId) => {
    const s = (store = await openTempStore());
    await fleet(s);
    if (order === 'decision first') await decision(s, 'd1');
    await insertOutcomes(s.client, [outcome('d1', appId)]);
    if (order === 'outcome first') await decision(s, 'd1');
    expect(await row(s, 'd1')).toEqual({ app: 'p/a', origin: 'FRA' });
    const snap = await loadAppSnapshot(s.client, 'p/a', NOW);
    expect(snap?.outcomes?.get('c1')).toMatchObject({ requests: 1 });
    expect(snap?.state.get('c1')?.inflowByOrigin).toEqual({ FRA: PER_S });
  });
});

test('a v20 database migrated to v21 keeps its outcomes and fills new ones from either writer', async () => {
  const s = (store = await openTempStore({ migrated: false }));
  await migrate(s.client, { now: 1, migrations: MIGRATIONS.filter((m) => m.version < 21) });
  await fleet(s, 20);
  await decision(s, 'old');
  await insertOutcomes(s.client, [outcome('old', undefined)]);
  await migrate(s.client, { now: 2 });
  await insertOutcomes(s.client, [outcome('new', 'p/a'), outcome('older-proxy', undefined)]);
  for (const id of ['new', 'older-proxy']) await decision(s, id);
  for (const id of ['old', 'new', 'older-proxy']) expect(await row(s, id)).toEqual({ app: 'p/a', origin: 'FRA' });
});
