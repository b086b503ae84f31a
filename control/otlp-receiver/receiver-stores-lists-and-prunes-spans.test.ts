import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { openTempStore, type TempStore } from '../store/test-fixtures.ts';
import { startOtlpReceiver, type RunningReceiver } from './receiver.ts';
import { getTrace, listRecentTraces, pruneSpans } from './trace-store.ts';

let store: TempStore;
let rx: RunningReceiver;
const T1 = 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa1';
const T2 = 'bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb2';
const MS = 1_750_000_000_000;
const ns = (ms: number): string => (BigInt(ms) * 1_000_000n).toString();

function span(traceId: string, spanId: string, parent: string, name: string, startMs: number, endMs: number, extra: Record<string, unknown> = {}) {
  return {
    traceId, spanId, parentSpanId: parent, name, kind: 2,
    startTimeUnixNano: ns(startMs), endTimeUnixNano: ns(endMs),
    attributes: [
      { key: 'gen_ai.request.model', value: { stringValue: 'demo-llm' } },
      { key: 'gen_ai.usage.output_tokens', value: { intValue: '16' } },
      { key: 'gen_ai.request.stream', value: { boolValue: true } },
    ],
    status: { code: 0 },
    ...extra,
  };
}

function exportBody(service: string, spans: unknown[]) {
  return {
    resourceSpans: [{
      resource: { attributes: [{ key: 'service.name', value: { stringValue: service } }] },
      scopeSpans: [{ scope: { name: 'test' }, spans }],
    }],
  };
}

const post = (body: unknown, headers: Record<string, string> = { 'content-type': 'application/json' }) =>
  fetch(rx.tracesUrl, { method: 'POST', headers, body: typeof body === 'string' || body instanceof Uint8Array ? body : JSON.stringify(body) });

beforeAll(async () => {
  store = await openTempStore();
  rx = await startOtlpReceiver({ db: store.client, port: 0, now: () => MS + 10_000 });
});
afterAll(async () => {
  await rx.close();
  store.dispose();
});

test('spans from two services form one trace, listed with its root and read back in start order', async () => {
  // The edge's root continues a client's traceparent: its parent is not in the trace.
  expect((await post(exportBody('switchyard-edge', [
    span(T1, '1000000000000001', 'ffffffffffffffff', 'edge request', MS, MS + 50),
    span(T1, '1000000000000002', '1000000000000001', 'edge decide', MS + 1, MS + 2),
  ]))).status).toBe(200);
  const gz = gzipSync(JSON.stringify(exportBody('switchyard-proxy', [
    span(T1, '2000000000000001', '1000000000000001', 'proxy request', MS + 5, MS + 48),
    span(T1, '2000000000000002', '2000000000000001', 'chat demo-llm', MS + 6, MS + 47, { kind: 'SPAN_KIND_CLIENT', status: { code: 'STATUS_CODE_ERROR' } }),
  ])));
  expect((await post(gz, { 'content-type': 'application/json', 'content-encoding': 'gzip' })).status).toBe(200);
  await post(exportBody('switchyard-edge', [span(T2, '3000000000000001', '', 'edge request', MS + 100, MS + 101)]));

  const traces = await listRecentTraces(store.client, 10);
  expect(traces.map((t) => t.traceId)).toEqual([T2, T1]);
  expect(traces[1]).toMatchObject({ rootName: 'edge request', service: 'switchyard-edge', spanCount: 4, error: true });
  expect(traces[1]?.durationMs).toBeCloseTo(50, 3);
  expect(traces[0]).toMatchObject({ rootName: 'edge request', spanCount: 1, error: false });

  const spans = await getTrace(store.client, T1);
  expect(spans.map((s) => s.name)).toEqual(['edge request', 'edge decide', 'proxy request', 'chat demo-llm']);
  expect(spans[3]).toMatchObject({ kind: 3, statusCode: 2, parentSpanId: '2000000000000001', service: 'switchyard-proxy' });
  expect(spans[3]?.attributes).toEqual({ 'gen_ai.request.model': 'demo-llm', 'gen_ai.usage.output_tokens': 16, 'gen_ai.request.stream': true });
  expect(spans[0]?.startUnixNano).toBe(MS * 1e6);
});

test('bad bodies get a precise 4xx and store nothing', async () => {
  const before = rx.stored();
  const proto = await post(new Uint8Array([10, 2, 3]), { 'content-type': 'application/x-protobuf' });
  expect(proto.status).toBe(415);
  expect(await proto.text()).toContain('http/json');
  expect((await post('{not json')).status).toBe(400);
  expect((await post('[1]')).status).toBe(400);
  // Was 200 `{}`: a malformed export read as an empty one.
  const notAList = await post('{"resourceSpans":"x"}');
  expect(notAList.status).toBe(400);
  expect(await notAList.text()).toContain('resourceSpans must be a list');
  expect((await post('{}')).status).toBe(200);
  const partial = await post(exportBody('x', [{ traceId: 'nothex', spanId: '1', name: 'x' }]));
  expect(partial.status).toBe(200);
  expect(await partial.json()).toMatchObject({ partialSuccess: { rejectedSpans: 1 } });
  expect((await fetch(`${rx.url}/v1/logs`, { method: 'POST' })).status).toBe(404);
  expect(rx.stored()).toBe(before);
});

test('retention keeps the newest rows and drops old ones', async () => {
  const spans = Array.from({ length: 30 }, (_, i) =>
    span('c'.repeat(31) + (i % 10).toString(16), (0x4000000000000000n + BigInt(i)).toString(16), '', 'old', MS - 3_600_000 + i, MS - 3_600_000 + i + 1),
  );
  await post(exportBody('x', spans));
  // Age: anything older than 30 minutes before "now" (MS + 10 s) goes.
  expect(await pruneSpans(store.client, { maxRows: 1000, maxAgeMs: 1_800_000 }, MS + 10_000)).toBe(30);
  // Rows: keep the newest 3 (T2's root and T1's two latest starts).
  await pruneSpans(store.client, { maxRows: 3, maxAgeMs: 1e12 }, MS);
  const left = await store.client.execute('SELECT span_id FROM trace_spans ORDER BY start_unix_nano');
  expect(left.rows.map((r) => r['span_id'])).toEqual(['2000000000000001', '2000000000000002', '3000000000000001']);
});
