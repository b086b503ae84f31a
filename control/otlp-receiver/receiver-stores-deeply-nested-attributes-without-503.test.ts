import { afterAll, beforeAll, expect, test } from 'vitest';
import { openTempStore, type TempStore } from '../store/test-fixtures.ts';
import { startOtlpReceiver, type RunningReceiver } from './receiver.ts';
import { getTrace } from './trace-store.ts';

// An export of ~0.5 MB (well under the body cap) whose attribute nests 20,000 arrays deep used to
// overflow the decoder's stack: answered 503, which an OTLP exporter retries, with the same body.
let store: TempStore;
let rx: RunningReceiver;
const TRACE = 'e'.repeat(32);

beforeAll(async () => {
  store = await openTempStore();
  rx = await startOtlpReceiver({ db: store.client, port: 0 });
});
afterAll(async () => {
  await rx.close();
  store.dispose();
});

test('a hostile nesting depth is cut, the span stored, and the answer is 200', async () => {
  let deep = '{"stringValue":"leaf"}';
  for (let i = 0; i < 20_000; i++) deep = `{"arrayValue":{"values":[${deep}]}}`;
  const span = `{"traceId":"${TRACE}","spanId":"${'f'.repeat(16)}","name":"deep","startTimeUnixNano":"1750000000000000000","endTimeUnixNano":"1750000000001000000",`
    + `"attributes":[{"key":"shallow","value":{"arrayValue":{"values":[{"intValue":"1"}]}}},{"key":"deep","value":${deep}}]}`;
  const body = `{"resourceSpans":[{"scopeSpans":[{"spans":[${span}]}]}]}`;
  const res = await fetch(rx.tracesUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
  expect(res.status).toBe(200);
  const [stored] = await getTrace(store.client, TRACE);
  expect(stored?.attributes['shallow']).toEqual([1]);
  expect(JSON.stringify(stored?.attributes['deep']).length).toBeLessThan(100);
});
