import { afterAll, beforeAll, expect, test } from 'vitest';
import { openTempStore, type TempStore } from '../store/test-fixtures.ts';
import { startOtlpReceiver, type RunningReceiver } from './receiver.ts';
import { getTrace } from './trace-store.ts';

// The receiver's row cap was one list of the newest spans: a tenant whose traffic was sampled
// heavily (or who asked for recording on every request) pruned every other tenant's traces.
let store: TempStore;
let rx: RunningReceiver;
const MS = 1_750_000_000_000;
const ns = (ms: number): string => (BigInt(ms) * 1_000_000n).toString();
const hex = (n: number, width: number): string => n.toString(16).padStart(width, '0');

function span(trace: number, id: number, startMs: number, project: string | null, parent = '') {
  return {
    traceId: hex(trace, 32), spanId: hex(id, 16), parentSpanId: parent, name: project === null ? 'child' : 'proxy request', kind: 2,
    startTimeUnixNano: ns(startMs), endTimeUnixNano: ns(startMs + 1),
    attributes: project === null ? [] : [{ key: 'switchyard.project', value: { stringValue: project } }],
  };
}

const post = (spans: unknown[]) =>
  fetch(rx.tracesUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ resourceSpans: [{ resource: { attributes: [{ key: 'service.name', value: { stringValue: 'switchyard-proxy' } }] }, scopeSpans: [{ spans }] }] }),
  });

async function projectsOf(): Promise<Record<string, number>> {
  const rs = await store.client.execute('SELECT project, COUNT(*) AS n FROM trace_spans GROUP BY project');
  return Object.fromEntries(rs.rows.map((r) => [String(r['project']), Number(r['n'])]));
}

beforeAll(async () => {
  store = await openTempStore();
  rx = await startOtlpReceiver({ db: store.client, port: 0, now: () => MS + 60_000, retention: { maxRows: 100, maxAgeMs: 3_600_000 }, pruneIntervalMs: 3_600_000 });
});
afterAll(async () => {
  await rx.close();
  store.dispose();
});

test("a project's burst of newer spans prunes only its own: the quiet project keeps all of its traces", async () => {
  // The quiet tenant's 10 traces first (older), then the noisy tenant's 500 (newer).
  expect((await post(Array.from({ length: 10 }, (_, i) => span(1000 + i, 1000 + i, MS + i, 'quiet')))).status).toBe(200);
  for (let b = 0; b < 5; b++) {
    await post(Array.from({ length: 100 }, (_, i) => span(5000 + b * 100 + i, 5000 + b * 100 + i, MS + 1000 + b * 100 + i, 'noisy')));
  }
  await rx.pruneNow();
  expect(await projectsOf()).toEqual({ quiet: 10, noisy: 90 });
  // The noisy tenant keeps its newest.
  const oldest = await store.client.execute("SELECT CAST(MIN(start_unix_nano) AS TEXT) AS s FROM trace_spans WHERE project = 'noisy'");
  expect(BigInt(String(oldest.rows[0]?.['s']))).toBe(BigInt(ns(MS + 1000 + 410)));
});

test("a trace's spans exported before its server span take its project when it arrives, and later ones from the stored trace", async () => {
  const trace = 9000;
  await post([span(trace, 9001, MS + 50_000, null, hex(9000, 16))]);
  await post([span(trace, 9000, MS + 49_999, 'quiet')]);
  await post([span(trace, 9002, MS + 50_001, null, hex(9000, 16))]);
  const rows = await store.client.execute({ sql: 'SELECT span_id, project FROM trace_spans WHERE trace_id = ? ORDER BY span_id', args: [hex(trace, 32)] });
  expect(rows.rows.map((r) => [r['span_id'], r['project']])).toEqual([
    [hex(9000, 16), 'quiet'],
    [hex(9001, 16), 'quiet'],
    [hex(9002, 16), 'quiet'],
  ]);
  expect((await getTrace(store.client, hex(trace, 32))).map((s) => s.name)).toEqual(['proxy request', 'child', 'child']);
});
