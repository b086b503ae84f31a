/**
 * The proxy writes each outcome's app itself (so it counts for its app even when the edge
 * dropped the decision row), but only to a database at schema v21, against REAL libSQL. Proxies
 * roll out ahead of migrations: on v20 an outcome written with its app would keep no origin (the
 * v20 triggers skip rows that have an app), and before v20 the column does not exist at all.
 */
import { afterEach, expect, test } from 'vitest';
import { migrate } from '../../control/store/migrate.ts';
import { insertRoutedDecision, openTempStore, type TempStore } from '../../control/store/test-fixtures.ts';
import { MIGRATIONS } from '../../shared/schema/migrations.ts';
import { libsqlProxyStore } from '../src/store.ts';

let store: TempStore | undefined;
afterEach(() => store?.dispose());

const outcome = (decisionId: string) => ({
  decisionId, appId: 'p/a', attempt: 0, proxyId: 'px', clusterId: 'c1', endpoint: null,
  status: 200, ttfbMs: 50, durationMs: 10, bytesIn: 0, bytesOut: 0, error: null, at: 1_000,
});

test.each([
  // schema  decision row written    app, origin read back
  [19, true, { app: undefined, origin: undefined }], // no such columns: the write still succeeds
  [20, true, { app: 'p/a', origin: 'FRA' }], // the old way: both from the decision
  [20, false, { app: null, origin: null }], // the old way: nothing to copy from
  [21, true, { app: 'p/a', origin: 'FRA' }],
  [21, false, { app: 'p/a', origin: null }], // the decision was dropped: the app still counts
])('schema v%i, decision row written: %s', async (version, withDecision, expected) => {
  const s = (store = await openTempStore({ migrated: false }));
  await migrate(s.client, { now: 1, migrations: MIGRATIONS.filter((m) => m.version <= version) });
  if (withDecision) await insertRoutedDecision(s.client, { id: 'd1', at: 1_000, appId: 'p/a', clusterId: 'c1', colo: 'FRA' });
  await libsqlProxyStore(s.client).insertOutcomes([outcome('d1')]);
  const rs = await s.client.execute('SELECT * FROM outcomes');
  expect(rs.rows).toHaveLength(1);
  expect({ app: rs.rows[0]?.['app_id'], origin: rs.rows[0]?.['origin'] }).toEqual(expected);
});
