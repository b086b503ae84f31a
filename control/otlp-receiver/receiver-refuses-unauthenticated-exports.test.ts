import { afterAll, beforeAll, expect, test } from 'vitest';
import { openTempStore, type TempStore } from '../store/test-fixtures.ts';
import { startOtlpReceiver, type RunningReceiver } from './receiver.ts';

// A receiver reachable beyond loopback without a token lets anyone write spans: fill the table
// (pushing real traces out through retention) or plant fake traces an operator then trusts.
let store: TempStore;
let rx: RunningReceiver;
const TOKEN = 'receiver-token-0123456789abcdef';
const span = {
  traceId: 'c'.repeat(32),
  spanId: 'd'.repeat(16),
  name: 'x',
  kind: 2,
  startTimeUnixNano: '1750000000000000000',
  endTimeUnixNano: '1750000000001000000',
};
const body = JSON.stringify({ resourceSpans: [{ scopeSpans: [{ spans: [span] }] }] });
const post = (auth?: string) =>
  fetch(rx.tracesUrl, { method: 'POST', headers: { 'content-type': 'application/json', ...(auth === undefined ? {} : { authorization: auth }) }, body });

beforeAll(async () => {
  store = await openTempStore();
  rx = await startOtlpReceiver({ db: store.client, port: 0, token: TOKEN });
});
afterAll(async () => {
  await rx.close();
  store.dispose();
});

test('listening beyond loopback without a token is a startup error naming the fix', async () => {
  await expect(startOtlpReceiver({ db: store.client, host: '0.0.0.0', port: 0 })).rejects.toThrow(/OTLP_RECEIVER_TOKEN/);
  await expect(startOtlpReceiver({ db: store.client, port: 0, token: 'short' })).rejects.toThrow(/at least 16/);
});

test('with a token, exports without it or with another are refused 401 and store nothing', async () => {
  for (const auth of [undefined, 'Bearer wrong-token-0123456789abcdef', TOKEN, `Basic ${TOKEN}`]) {
    const res = await post(auth);
    expect(res.status).toBe(401);
    expect(await res.text()).not.toContain(TOKEN);
  }
  expect(rx.stored()).toBe(0);
  const ok = await post(`Bearer ${TOKEN}`);
  expect(ok.status).toBe(200);
  expect(rx.stored()).toBe(1);
});
