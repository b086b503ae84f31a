import { afterAll, beforeAll, expect, it } from 'vitest';
import { APP } from './harness.ts';
import { contentChunks, events, startBudgetFixture, type BudgetFixture } from './token-budget-fixture.ts';

// Issue 18 "done when": a streaming tenant is cut at its token budget, and the count charged is
// exactly the engine's usage. The client asks for 500 tokens with a 60-tokens-per-minute budget:
// the proxy lowers max_tokens to what is left, the engine stops there and reports its usage in
// the chunk the proxy asked for (and strips), and the client's stream ends with an error event.
let f: BudgetFixture;
beforeAll(async () => {
  f = await startBudgetFixture({ tokensPerMinute: 60 });
});
afterAll(async () => {
  await f.close();
});

it('cuts the stream with an OpenAI-format error event; prompt and completion charged = the engine usage', async () => {
  const r = await f.chat({ stream: true, max_tokens: 500 });
  expect(r.status).toBe(200);
  const evs = events(r.body);
  const tokens = contentChunks(evs);
  expect(tokens).toBeGreaterThan(30);
  expect(tokens).toBeLessThan(60);
  const last = evs[evs.length - 1] as { error?: { code?: string; type?: string; message?: string } };
  expect(last.error?.code).toBe('token_budget_exceeded');
  expect(last.error?.type).toBe('tokens');
  expect(last.error?.message).toContain(APP);
  // No finish chunk pretending a normal end, no [DONE], no usage chunk the client did not ask for.
  expect(evs).not.toContain('[DONE]');
  expect(r.body).not.toContain('"finish_reason":"length"');
  expect(r.body).not.toContain('"usage"');

  const label = `app="${APP}"`;
  const completion = await f.proxyMetric(`switchyard_proxy_token_budget_tokens_total{${label},type="completion"}`);
  const prompt = await f.proxyMetric(`switchyard_proxy_token_budget_tokens_total{${label},type="prompt"}`);
  // The engine's own counters: what it generated and what it read.
  expect(completion).toBe(tokens);
  expect(completion).toBe(await f.engineMetric('vllm:generation_tokens_total'));
  expect(prompt).toBe(await f.engineMetric('vllm:prompt_tokens_total'));
  // And what the engine said in its usage chunk (the GenAI metrics read the raw upstream).
  expect(await f.proxyMetric(`switchyard_proxy_gen_ai_tokens_total{${label},cluster="c1",type="output"}`)).toBe(tokens);
  expect(await f.proxyMetric(`switchyard_proxy_token_budget_cuts_total{${label}}`)).toBe(1);
  // The budget's cut is nobody's fault: the answer counted as a 200 of the cluster.
  expect(await f.proxyMetric('switchyard_proxy_requests_total{cluster="c1",status="200"}')).toBe(1);
});
