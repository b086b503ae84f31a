/**
 * A project's outcome rows reach libSQL in the next batch however many rows another project has
 * waiting. The outcome buffer already dropped the bursting project's rows first when full, but
 * it wrote in arrival order: with libSQL slower than one tenant's traffic, every other tenant's
 * outcomes (their failure risk, inflow and pinned-slot demand in the next snapshot: the routing's
 * feedback) waited behind that tenant's whole backlog, up to 50,000 rows. Batches now take
 * projects in turn.
 *
 * Real proxy over real sockets, real libSQL (the hrana server) behind a relay that holds the
 * outcome inserts, then lets each through 150 ms late: a database that cannot keep up.
 */
import { request } from 'undici';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startHranaServer, type HranaServer } from '../../control/hrana/server.ts';
import { openTempStore, type TempStore } from '../../control/store/test-fixtures.ts';
import type { RunningProxy } from '../src/proxy.ts';
import { startEchoReplica, type EchoReplica } from './echo-replica.ts';
import { scrapeMetrics, startTestProxy, waitFor } from './harness.ts';
import { startHoldingRelay, type HoldingRelay } from './holding-libsql-relay.ts';

const A = 'acme/chat';
const B = 'other/bot';
const BATCH = 100;
const FLOOD = 1_500;

let replica: EchoReplica;
let store: TempStore;
let hrana: HranaServer;
let relay: HoldingRelay;
let proxy: RunningProxy;

beforeAll(async () => {
  replica = await startEchoReplica();
  store = await openTempStore();
  hrana = await startHranaServer({ dbPath: store.path, port: 0 });
  relay = await startHoldingRelay(hrana.url, (body) => body.includes('INTO outcomes ('), 150);
  proxy = await startTestProxy({
    endpoints: [
      { cluster: 'c1', app: A, url: replica.url },
      { cluster: 'c1', app: B, url: replica.url },
    ],
    config: { storeUrl: relay.url, reportIntervalMs: 50, outcomeBatchSize: BATCH },
  });
});

afterAll(async () => {
  relay?.release();
  await proxy?.close();
  await relay?.close();
  await hrana?.close();
  store?.dispose();
  await replica?.close();
});

async function call(app: string): Promise<void> {
  const r = await request(`${proxy.url}/v4/${app}/v1/x`, { method: 'POST', body: '{}', headers: { 'content-type': 'application/json' } });
  await r.body.dump();
  if (r.statusCode !== 200) throw new Error(`${app}: ${r.statusCode}`);
}

async function buffered(): Promise<number> {
  const m = /switchyard_proxy_report_records_buffered (\d+)/.exec(await scrapeMetrics(proxy));
  return Number(m?.[1] ?? 0);
}

it("writes project other's outcome in the next batch, not behind acme's backlog", async () => {
  // acme's burst: its first batch is held in the database (or put back when its write passed its
  // deadline), the rest wait in the proxy.
  for (let i = 0; i < FLOOD; i += 100) await Promise.all(Array.from({ length: 100 }, () => call(A)));
  await call(B);
  expect(relay.matched).toBeGreaterThan(0);
  await waitFor(async () => (await buffered()) >= FLOOD + 1 - BATCH, 'every outcome buffered but a held batch');

  const released = performance.now();
  relay.release();
  let bAt: number | null = null;
  await waitFor(async () => {
    const rs = await store.client.execute({ sql: 'SELECT rowid FROM outcomes WHERE app_id = ?', args: [B] });
    bAt = rs.rows.length === 1 ? Number(rs.rows[0]?.['rowid']) : null;
    return bAt !== null;
  }, "other's outcome row", 30_000);
  const waitedMs = Math.round(performance.now() - released);
  const ahead = Number((await store.client.execute({ sql: 'SELECT COUNT(*) AS n FROM outcomes WHERE app_id = ? AND rowid < ?', args: [A, bAt] })).rows[0]?.['n']);
  // The held batch, then at most one more batch's share of acme's rows.
  expect({ acmeRowsWrittenFirst: ahead, waitedMs }).toEqual({ acmeRowsWrittenFirst: expect.toSatisfy((n: number) => n <= 2 * BATCH), waitedMs });
  await waitFor(async () => (await buffered()) === 0, 'the backlog to drain', 30_000);
}, 60_000);
