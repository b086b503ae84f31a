/**
 * The proxy's outcome buffer (50,000 rows) drops from the bursting app when full. Before, it
 * dropped whatever arrived: with libSQL slow or down, app A's burst filled it and app B's outcomes
 * (its failure risk, inflow and pinned-slot demand in the next snapshot) were the ones lost.
 * The store is a stand-in for a database that is down, then back.
 */
import { expect, test } from 'vitest';
import { Reporter } from './reporter.ts';
import type { OutcomeRow, ProxyStore } from './store.ts';
import type { ProxyRuntime } from './runtime.ts';

test("a full outcome buffer keeps app B's rows and drops from bursting app A", async () => {
  const written: OutcomeRow[] = [];
  let up = false;
  const store = {
    insertOutcomes: (rows: readonly OutcomeRow[]) => (up ? (written.push(...rows), Promise.resolve()) : Promise.reject(new Error('down'))),
  } as unknown as ProxyStore;
  let now = 1_000;
  const rt = { now: () => now, config: { outcomeBatchSize: 100 }, logger: { warn: () => undefined } } as unknown as ProxyRuntime;
  const reporter = new Reporter(() => rt, store, () => 0.5);
  const row = (appId: string, i: number): OutcomeRow => ({ decisionId: `${appId}-${i}`, appId, attempt: 0, proxyId: 'px', clusterId: 'c1', endpoint: 'http://r', status: 200, ttfbMs: 5, durationMs: 10, bytesIn: 1, bytesOut: 1, error: null, at: now });
  for (let i = 0; i < 60_000; i++) reporter.record(row('p/a', i));
  for (let i = 0; i < 20; i++) reporter.record(row('p/b', i));
  await reporter.flushOutcomes(); // the write the burst started, against the database still down
  up = true;
  now += 60_000; // past any backoff
  await reporter.flushOutcomes();
  expect(written.length).toBeGreaterThan(49_000);
  expect(written.filter((r) => r.appId === 'p/b')).toHaveLength(20);
});
