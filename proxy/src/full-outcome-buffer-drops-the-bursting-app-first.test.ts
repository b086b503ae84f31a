/**
 * The proxy's outcome buffer (50,000 rows) drops from the bursting tenant when full. Before, it
 * dropped whatever arrived: with libSQL slow or down, app A's burst filled it and app B's outcomes
 * (its failure risk, inflow and pinned-slot demand in the next snapshot) were the ones lost. Then
 * it dropped from the app with the most rows: a project bursting through 20 apps held 20 shares,
 * and another project's rows were dropped once they outnumbered any one of those apps'. Now the
 * project with the most rows loses one. The store is a stand-in for a database that is down, then back.
 */
import { expect, test } from 'vitest';
import { Reporter } from './reporter.ts';
import type { OutcomeRow, ProxyStore } from './store.ts';
import type { ProxyRuntime } from './runtime.ts';

/** Rows recorded while the database is down, in order; then the database is back: what was written. */
async function throughOutage(rows: (now: number) => OutcomeRow[]): Promise<OutcomeRow[]> {
  const written: OutcomeRow[] = [];
  let up = false;
  const store = {
    insertOutcomes: (rows: readonly OutcomeRow[]) => (up ? (written.push(...rows), Promise.resolve()) : Promise.reject(new Error('down'))),
  } as unknown as ProxyStore;
  let now = 1_000;
  const rt = { now: () => now, config: { outcomeBatchSize: 100 }, logger: { warn: () => undefined } } as unknown as ProxyRuntime;
  const reporter = new Reporter(() => rt, store, () => 0.5);
  for (const r of rows(now)) reporter.record(r);
  await reporter.flushOutcomes(); // the write the burst started, against the database still down
  up = true;
  now += 60_000; // past any backoff
  await reporter.flushOutcomes();
  return written;
}

const row = (appId: string, i: number, at: number): OutcomeRow => ({ decisionId: `${appId}-${i}`, appId, attempt: 0, proxyId: 'px', clusterId: 'c1', endpoint: 'http://r', status: 200, ttfbMs: 5, durationMs: 10, bytesIn: 1, bytesOut: 1, error: null, at });

test("a full outcome buffer keeps project Q's rows and drops from bursting app A", async () => {
  const written = await throughOutage((at) => [
    ...Array.from({ length: 60_000 }, (_, i) => row('p/a', i, at)),
    ...Array.from({ length: 20 }, (_, i) => row('q/b', i, at)),
  ]);
  expect(written.length).toBeGreaterThan(49_000);
  expect(written.filter((r) => r.appId === 'q/b')).toHaveLength(20);
});

test("a project bursting through 20 apps loses its own rows, never another project's", async () => {
  // 60,000 rows over 20 apps of p, and 5,000 of q/b among them: more than any one of p's apps
  // keeps in a full buffer (~2,400), far less than p's share.
  const written = await throughOutage((at) => {
    const out: OutcomeRow[] = [];
    for (let i = 0; i < 60_000; i++) {
      out.push(row(`p/a${i % 20}`, i, at));
      if (i % 12 === 0) out.push(row('q/b', i, at));
    }
    return out;
  });
  expect(written.length).toBeGreaterThan(49_000);
  expect(written.filter((r) => r.appId === 'q/b')).toHaveLength(5_000);
});
