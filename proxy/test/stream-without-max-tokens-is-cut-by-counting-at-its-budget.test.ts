import { afterAll, beforeAll, expect, it } from 'vitest';
import { renderPrompt } from '../../shared/prefix-cache/render-prompt.ts';
import { APP, chatBody, waitFor } from './harness.ts';
import { contentChunks, events, startBudgetFixture, type BudgetFixture } from './token-budget-fixture.ts';

// A stream that names no max_tokens cannot be capped up front (the proxy does not know the
// model's context length): the proxy reserves the default, counts the engine's chunks, draws each
// token past the reservation from the budget, and cuts the stream with an error event at the
// token where the budget runs out — then stops the engine. Charged: what the client received.
/**
 * The engine's own default length: at 400 tokens/s it would take over four minutes, so an
 * `aborted` engine request proves the proxy stopped it, however slowly a loaded machine relays
 * the abort (the engine paces by wall clock, so a fixed token bound measured the machine).
 */
const ENGINE_MAX_TOKENS = 100_000;
let f: BudgetFixture;
beforeAll(async () => {
  f = await startBudgetFixture({ tokensPerMinute: 60, defaultCompletionTokens: 10 }, { defaultMaxTokens: ENGINE_MAX_TOKENS, tokensPerSecond: 400 });
});
afterAll(async () => {
  await f.close();
});

it('cuts at the budget by counting, stops the engine, and charges exactly what was streamed', async () => {
  const started = performance.now();
  const r = await f.chat({ stream: true });
  const elapsedMs = performance.now() - started;
  expect(r.status).toBe(200);
  const evs = events(r.body);
  const streamed = contentChunks(evs);
  const last = evs[evs.length - 1] as { error?: { code?: string } };
  expect(last.error?.code).toBe('token_budget_exceeded');
  expect(evs).not.toContain('[DONE]');
  // The proxy's prompt estimate (characters / 4) plus the streamed tokens fill the minute's
  // 60 tokens, plus what refilled while the stream ran (1 token/s: one on an idle machine).
  const estimate = Math.ceil((renderPrompt(JSON.parse(chatBody()) as unknown)?.length ?? 0) / 4);
  const refilled = Math.max(1, Math.ceil(elapsedMs / 1000));
  expect(estimate + streamed).toBeGreaterThanOrEqual(60);
  expect(estimate + streamed).toBeLessThanOrEqual(60 + refilled);
  const label = `app="${APP}"`;
  expect(await f.proxyMetric(`switchyard_proxy_token_budget_tokens_total{${label},type="completion"}`)).toBe(streamed);
  expect(await f.proxyMetric(`switchyard_proxy_token_budget_cuts_total{${label}}`)).toBe(1);
  // The engine was stopped (aborted, not finished) long before its own length.
  await waitFor(async () => ((await f.engineMetric('sim_requests_total{model_name="demo-llm",outcome="aborted"}')) ?? 0) === 1, 'engine request aborted', 20_000);
  expect(await f.engineMetric('sim_requests_total{model_name="demo-llm",outcome="completed"}')).toBe(0);
  expect(await f.engineMetric('vllm:generation_tokens_total')).toBeLessThan(ENGINE_MAX_TOKENS);
});
