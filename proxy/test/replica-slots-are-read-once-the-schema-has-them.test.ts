/**
 * The proxy reads each replica's slots (app_endpoints.slots, schema v33) against REAL libSQL, and
 * still reads its replicas from a database before v33: proxies roll out ahead of migrations, and a
 * named column there would fail every registry refresh (no replicas, every request refused).
 */
import { afterEach, expect, test } from 'vitest';
import { migrate } from '../../control/store/migrate.ts';
import { openTempStore, type TempStore } from '../../control/store/test-fixtures.ts';
import { MIGRATIONS } from '../../shared/schema/migrations.ts';
import { libsqlProxyStore } from '../src/store.ts';

let store: TempStore | undefined;
afterEach(() => store?.dispose());

test.each([
  // schema, slots written (undefined: no such column), slots read
  [32, undefined, null],
  [33, null, null],
  [33, 4, 4],
  [33, 0, null], // nonsense is not reported: the proxy learns instead of refusing everything
])('schema v%i, slots %s: read as %s', async (version, written, read) => {
  const s = (store = await openTempStore({ migrated: false }));
  await migrate(s.client, { now: 1, migrations: MIGRATIONS.filter((m) => m.version <= version) });
  await s.client.execute({
    sql: written === undefined
      ? "INSERT INTO app_endpoints (cluster_id, app_id, url, healthy, weight, observed_at) VALUES ('c1', 'p/a', 'http://r1', 1, 1, 1)"
      : "INSERT INTO app_endpoints (cluster_id, app_id, url, healthy, weight, observed_at, slots) VALUES ('c1', 'p/a', 'http://r1', 1, 1, 1, ?)",
    args: written === undefined ? [] : [written],
  });
  expect(await libsqlProxyStore(s.client).loadEndpoints()).toEqual([{ clusterId: 'c1', appId: 'p/a', url: 'http://r1', healthy: true, weight: 1, slots: read }]);
});
