/**
 * The reporter retries an outcome batch whose write it could not confirm (a 5 s deadline, a
 * dropped connection) — but the write may have committed. Against REAL libSQL: writing the same
 * batch again must not count its outcomes twice in `inflow_seconds`, the ring every snapshot reads
 * as each app's demand on a cluster (an `INSERT OR REPLACE` deleted and re-inserted the rows, so
 * the inflow trigger ran again). A reused token's later attempt still wins the row.
 */
import { afterEach, expect, test } from 'vitest';
import { openTempStore, type TempStore } from '../../control/store/test-fixtures.ts';
import { libsqlProxyStore } from '../src/store.ts';

let store: TempStore | undefined;
afterEach(() => store?.dispose());

const outcome = (decisionId: string, over: { status?: number; durationMs?: number } = {}) => ({
  decisionId, appId: 'p/a', attempt: 0, proxyId: 'px', clusterId: 'c1', endpoint: null,
  status: 200, ttfbMs: 50, durationMs: 10, bytesIn: 0, bytesOut: 0, error: null, at: 5_000, ...over,
});

async function inflow(s: TempStore): Promise<{ requests: unknown; durationN: unknown }> {
  const rs = await s.client.execute("SELECT requests, duration_n FROM inflow_seconds WHERE app_id = 'p/a' AND cluster_id = 'c1'");
  return { requests: rs.rows[0]?.['requests'], durationN: rs.rows[0]?.['duration_n'] };
}

test('a batch written twice counts its outcomes once', async () => {
  const s = (store = await openTempStore());
  const px = libsqlProxyStore(s.client);
  const batch = Array.from({ length: 120 }, (_, i) => outcome(`d${i}`));
  await px.insertOutcomes(batch);
  await px.insertOutcomes(batch); // the retry of a write whose answer was lost
  expect(await inflow(s)).toEqual({ requests: 120, durationN: 120 });
  const rows = await s.client.execute('SELECT COUNT(*) AS n FROM outcomes');
  expect(rows.rows[0]?.['n']).toBe(120);
});

test('a reused token: the later attempt is the one kept, counted once', async () => {
  const s = (store = await openTempStore());
  const px = libsqlProxyStore(s.client);
  await px.insertOutcomes([outcome('d1')]);
  await px.insertOutcomes([outcome('d1', { status: 503, durationMs: 900 })]);
  const rs = await s.client.execute("SELECT app_id, status, duration_ms FROM outcomes WHERE decision_id = 'd1'");
  expect(rs.rows.map((r) => [r['app_id'], r['status'], r['duration_ms']])).toEqual([['p/a', 503, 900]]);
  expect((await inflow(s)).requests).toBe(1);
});
