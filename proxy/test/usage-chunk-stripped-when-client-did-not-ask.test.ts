import { afterAll, beforeAll, expect, it } from 'vitest';
import { APP } from './harness.ts';
import { contentChunks, events, startBudgetFixture, type BudgetFixture } from './token-budget-fixture.ts';

// A budgeted app's streams are counted from the engine's own usage: the proxy asks for it
// (stream_options.include_usage) and the client that did not ask never sees it — neither the
// usage chunk nor the `"usage": null` the option adds to every chunk. A client that asked gets it.
let f: BudgetFixture;
beforeAll(async () => {
  f = await startBudgetFixture({ tokensPerMinute: 100_000 });
});
afterAll(async () => {
  await f.close();
});

const completion = `switchyard_proxy_token_budget_tokens_total{app="${APP}",type="completion"}`;

it('asks the engine for usage and strips it from a stream whose client did not ask', async () => {
  const r = await f.chat({ stream: true, max_tokens: 5 });
  expect(r.status).toBe(200);
  expect(r.complete).toBe(true);
  const evs = events(r.body);
  expect(contentChunks(evs)).toBe(5);
  expect(evs[evs.length - 1]).toBe('[DONE]');
  expect(r.body).not.toContain('usage');
  expect(r.body).toContain('"finish_reason":"length"');
  // The engine did send usage (the GenAI metrics read the raw upstream), and it was charged.
  expect(await f.proxyMetric(`switchyard_proxy_gen_ai_tokens_total{app="${APP}",cluster="c1",type="output"}`)).toBe(5);
  expect(await f.proxyMetric(completion)).toBe(5);
  expect(r.headers['x-ratelimit-limit-tokens']).toBe('100000');
  expect(Number(r.headers['x-ratelimit-remaining-tokens'])).toBeLessThanOrEqual(100_000);
});

it('passes the usage chunk through when the client asked for it', async () => {
  const r = await f.chat({ stream: true, max_tokens: 3, stream_options: { include_usage: true } });
  const evs = events(r.body);
  const usage = evs.find((e) => typeof e === 'object' && e !== null && (e as { usage?: unknown }).usage != null) as
    | { usage: { prompt_tokens: number; completion_tokens: number } }
    | undefined;
  expect(usage?.usage.completion_tokens).toBe(3);
  expect(evs[evs.length - 1]).toBe('[DONE]');
  expect(await f.proxyMetric(completion)).toBe(8);
});
