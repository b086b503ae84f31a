/**
 * The reporter's outcome counts on `/metrics` follow Prometheus types. Before,
 * `switchyard_proxy_report_failures_total` was a gauge (promtool flags a `_total` gauge) and
 * `switchyard_proxy_report_records{state}` mixed the buffered gauge with counts since start
 * (written, dropped). Read as an operator does: the exposition text of one process, and of the
 * primary of several workers, which sums the workers' registries (prom-client AggregatorRegistry).
 */
import { AggregatorRegistry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WriteBufferStats } from '../../shared/batching/write-buffer.ts';
import { createMetrics } from './metrics.ts';
import { Reporter } from './reporter.ts';
import type { ProxyRuntime } from './runtime.ts';
import type { OutcomeRow, ProxyStore } from './store.ts';

const row = (i: number): OutcomeRow => ({ decisionId: `d-${i}`, appId: 'p/a', attempt: 0, proxyId: 'px', clusterId: 'c1', endpoint: 'http://r', status: 200, ttfbMs: 5, durationMs: 10, bytesIn: 1, bytesOut: 1, error: null, at: 0 });

/** A worker whose store was down for `rows` outcomes (past the 50,000-row buffer), then back; `waiting` since. */
async function workerThroughOutage(rows: number, waiting: number): Promise<{ reporter: Reporter; rt: ProxyRuntime }> {
  let up = false;
  const store = { insertOutcomes: () => (up ? Promise.resolve() : Promise.reject(new Error('down'))) } as unknown as ProxyStore;
  let now = 1_000;
  const rt = {
    now: () => now,
    config: { outcomeBatchSize: 100, reportIntervalMs: 3_600_000 },
    logger: { warn: () => undefined },
    metrics: createMetrics(false),
  } as unknown as ProxyRuntime;
  const reporter = new Reporter(() => rt, store, () => 0.5);
  reporter.start();
  reporter.stop();
  for (let i = 0; i < rows; i++) reporter.record(row(i));
  await reporter.flushOutcomes();
  up = true;
  now += 60_000; // past the backoff
  await reporter.flushOutcomes();
  for (let i = 0; i < waiting; i++) reporter.record(row(i)); // less than a batch: no write yet
  return { reporter, rt };
}

/** family, its type, a sample of it, what the sample counts. */
const FAMILIES: [string, 'gauge' | 'counter', string, (s: WriteBufferStats) => number][] = [
  ['switchyard_proxy_report_records_buffered', 'gauge', 'switchyard_proxy_report_records_buffered', (s) => s.buffered],
  ['switchyard_proxy_report_records_total', 'counter', 'switchyard_proxy_report_records_total{state="written"}', (s) => s.written],
  ['switchyard_proxy_report_records_total', 'counter', 'switchyard_proxy_report_records_total{state="dropped"}', (s) => s.dropped],
  ['switchyard_proxy_report_failures_total', 'counter', 'switchyard_proxy_report_failures_total', (s) => s.failures],
];

function sample(text: string, name: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  return line === undefined ? undefined : Number(line.slice(name.length + 1));
}

type Worker = { reporter: Reporter; rt: ProxyRuntime };
let first: Worker;
let workers: Worker[];
beforeAll(async () => {
  first = await workerThroughOutage(50_010, 7);
  workers = [first, await workerThroughOutage(50_200, 30)];
});
afterAll(() => {
  for (const w of workers) w.reporter.stop();
});

describe.each(FAMILIES)('%s', (family, type, name, count) => {
  it(`is a ${type} in one process's scrape, the same at every scrape`, async () => {
    const { reporter, rt } = first;
    const expected = count(reporter.stats());
    expect(expected).toBeGreaterThan(0);
    for (let scrape = 0; scrape < 2; scrape++) {
      const text = await rt.metrics.registry.metrics();
      expect(text).toContain(`# TYPE ${family} ${type}\n`);
      expect(sample(text, name)).toBe(expected);
    }
  });

  it(`is a ${type} summed over the workers in the primary's scrape`, async () => {
    const text = await AggregatorRegistry.aggregate(await Promise.all(workers.map((w) => w.rt.metrics.registry.getMetricsAsJSON()))).metrics();
    expect(text).toContain(`# TYPE ${family} ${type}\n`);
    expect(sample(text, name)).toBe(workers.reduce((n, w) => n + count(w.reporter.stats()), 0));
  });
});
