import { afterAll, beforeAll, expect, test } from 'vitest';
import { openTempStore, type TempStore } from '../store/test-fixtures.ts';
import { startOtlpReceiver, type RunningReceiver } from './receiver.ts';
import { getTrace, listRecentTraces } from './trace-store.ts';

// Retention ages spans by start and keeps the newest starts: spans from a sender whose clock is
// years ahead never aged out and pushed every real span out of the row cap.
let store: TempStore;
let rx: RunningReceiver;
const NOW = 1_750_000_000_000;
const ns = (ms: number): string => (BigInt(ms) * 1_000_000n).toString();
const span = (traceId: string, startMs: number) => ({
  traceId, spanId: 'a'.repeat(16), name: 'x', kind: 2, startTimeUnixNano: ns(startMs), endTimeUnixNano: ns(startMs + 1),
});

beforeAll(async () => {
  store = await openTempStore();
  rx = await startOtlpReceiver({ db: store.client, port: 0, now: () => NOW, retention: { maxRows: 1, maxAgeMs: 3_600_000 } });
});
afterAll(async () => {
  await rx.close();
  store.dispose();
});

test('a span dated years ahead is refused as partial success; a slightly skewed one is kept', async () => {
  const future = 'f'.repeat(32);
  const skewed = '5'.repeat(32);
  const body = { resourceSpans: [{ scopeSpans: [{ spans: [span(future, NOW + 5 * 365 * 86_400_000), span(skewed, NOW + 60_000)] }] }] };
  const res = await fetch(rx.tracesUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  expect(res.status).toBe(200);
  const answer = (await res.json()) as { partialSuccess?: { rejectedSpans: number; errorMessage: string } };
  expect(answer.partialSuccess?.rejectedSpans).toBe(1);
  expect(answer.partialSuccess?.errorMessage).toMatch(/clock/);
  expect(await getTrace(store.client, future)).toHaveLength(0);
  await rx.pruneNow();
  expect((await listRecentTraces(store.client, 10)).map((t) => t.traceId)).toEqual([skewed]);
});
