/**
 * A libSQL request that never returns no longer stalls the reporter. Outcomes are written one batch
 * at a time, so one unanswered insert held every later batch (the buffer filled and dropped rows)
 * until undici's own timeouts, minutes later; the periodic proxy row (the proxy's liveness) waited
 * the same way. Each write now has a deadline: past it the write counts as failed, backs off, and
 * its rows are kept (bounded) for the next try; the deadline is counted on /metrics.
 *
 * Real libSQL (the hrana server over a database file) behind a relay that hangs until told not to.
 */
import type { Client } from '@libsql/client';
import { Counter, Registry } from 'prom-client';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { Reporter } from '../src/reporter.ts';
import type { ProxyRuntime } from '../src/runtime.ts';
import { openStoreClient } from '../src/store-client.ts';
import { libsqlProxyStore, type OutcomeRow } from '../src/store.ts';
import { waitFor } from './harness.ts';
import { startLibsqlBehindRelay, type HungRelay, type LibsqlBehindRelay } from './hung-libsql-relay.ts';

let db: LibsqlBehindRelay;
let direct: Client;
let relay: HungRelay;

beforeAll(async () => {
  db = await startLibsqlBehindRelay('hung-libsql-reporter-');
  ({ direct, relay } = db);
});

afterAll(() => db.close());

const row = (i: number): OutcomeRow =>
  ({ decisionId: `d-${i}`, attempt: 1, proxyId: 'p1', clusterId: 'c1', endpoint: 'http://r', status: 200, ttfbMs: 1, durationMs: 2, bytesIn: 0, bytesOut: 0, error: null, at: Date.now() }) as OutcomeRow;

test('a hung outcome write or proxy-row write ends at its deadline, and the outcomes are written once libSQL answers', async () => {
  const client = await openStoreClient({ storeUrl: relay.url, storeAuthToken: null });
  if (client === null) throw new Error('no client');
  const registry = new Registry();
  const deadlines = new Counter({ name: 'store_deadlines_total', help: 'test', labelNames: ['call'], registers: [registry] });
  const warnings: string[] = [];
  const rt = {
    config: { outcomeBatchSize: 10, id: 'p1', publicUrl: 'http://p1', region: 'eu' },
    now: () => Date.now(),
    draining: false,
    metrics: { storeDeadlines: deadlines },
    logger: { warn: (_o: unknown, msg: string) => warnings.push(msg), info: () => undefined, error: () => undefined },
  } as unknown as ProxyRuntime;
  const reporter = new Reporter(() => rt, libsqlProxyStore(client), () => 0.5, true, 200);

  for (let i = 0; i < 20; i++) reporter.record(row(i)); // a full batch starts a write: it hangs
  await waitFor(() => warnings.length === 1, 'the outcome write to pass its deadline', 2_000);
  expect(reporter.stats()).toMatchObject({ buffered: 20, failures: 1 });

  await new Promise((r) => setTimeout(r, 400)); // the backoff (375 ms at this jitter)
  const started = Date.now();
  await reporter.reportOnce(); // the proxy row's write hangs too
  expect(Date.now() - started).toBeLessThan(2_000);
  const counted = await registry.getSingleMetricAsString('store_deadlines_total');
  expect(counted).toContain('call="outcome write"} 1');
  expect(counted).toContain('call="proxy row write"} 1');

  relay.hang = false;
  for (let i = 0; i < 40 && reporter.stats().buffered > 0; i++) {
    await new Promise((r) => setTimeout(r, 250));
    await reporter.flushOutcomes();
  }
  const rs = await direct.execute("SELECT COUNT(*) AS n FROM outcomes WHERE proxy_id = 'p1'");
  expect(Number(rs.rows[0]?.['n'])).toBe(20);
  client.close();
}, 20_000);

test("a drain's last report writes the outcomes at once, even while a failed write's backoff runs", async () => {
  const client = await openStoreClient({ storeUrl: relay.url, storeAuthToken: null });
  if (client === null) throw new Error('no client');
  relay.hang = true;
  const warnings: string[] = [];
  const rt = {
    config: { outcomeBatchSize: 10 },
    now: () => Date.now(),
    metrics: { storeDeadlines: new Counter({ name: 'store_deadlines_2_total', help: 'test', labelNames: ['call'], registers: [] }) },
    logger: { warn: (_o: unknown, msg: string) => warnings.push(msg), info: () => undefined, error: () => undefined },
  } as unknown as ProxyRuntime;
  // A sibling worker's reporter: outcomes only.
  const reporter = new Reporter(() => rt, libsqlProxyStore(client), () => 1, false, 200);
  for (let i = 100; i < 110; i++) reporter.record(row(i));
  await waitFor(() => warnings.length === 1, 'the outcome write to pass its deadline', 2_000);
  relay.hang = false;
  await reporter.reportOnce(true); // within the 500 ms backoff
  expect(reporter.stats()).toMatchObject({ buffered: 0, written: 10 });
  const rs = await direct.execute("SELECT COUNT(*) AS n FROM outcomes WHERE decision_id LIKE 'd-10_'");
  expect(Number(rs.rows[0]?.['n'])).toBe(10);
  client.close();
}, 10_000);
