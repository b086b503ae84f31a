import { afterAll, beforeAll, expect, it } from 'vitest';
import { APP } from './harness.ts';
import { startBudgetFixture, type BudgetFixture } from './token-budget-fixture.ts';

// A tenant over its tokens-per-minute budget is refused before any replica is contacted: 429,
// Retry-After, OpenAI-style x-ratelimit-*-tokens headers, a JSON error body; and the refusal is
// not a replica failure.
let f: BudgetFixture;
beforeAll(async () => {
  f = await startBudgetFixture({ tokensPerMinute: 60 });
});
afterAll(async () => {
  await f.close();
});

it('answers 429 with Retry-After and remaining-budget headers once the minute is spent', async () => {
  const first = await f.chat({ max_tokens: 50 });
  expect(first.status).toBe(200);
  expect(first.headers['x-ratelimit-limit-tokens']).toBe('60');
  // A prompt over the whole bucket (≈ 400 estimated tokens) cannot fit now: refused.
  const second = await f.chat({ max_tokens: 50, messages: [{ role: 'user', content: 'word '.repeat(320) }] });
  expect(second.status).toBe(429);
  expect(Number(second.headers['retry-after'])).toBeGreaterThanOrEqual(1);
  expect(Number(second.headers['retry-after'])).toBeLessThanOrEqual(60);
  expect(second.headers['x-ratelimit-limit-tokens']).toBe('60');
  expect(Number(second.headers['x-ratelimit-remaining-tokens'])).toBeLessThan(60);
  expect(second.headers['x-ratelimit-reset-tokens']).toMatch(/^\d+s$/);
  const body = JSON.parse(second.body) as { error: { code: string; message: string } };
  expect(body.error.code).toBe('token-budget-exceeded');
  expect(body.error.message).toContain(`${APP} is over its tokens per minute budget`);
  // Only the first request reached the engine; the refusal is counted, and not against c1.
  expect(await f.engineMetric('vllm:request_success_total')).toBe(1);
  expect(await f.proxyMetric(`switchyard_proxy_token_budget_refusals_total{app="${APP}",reason="tokens"}`)).toBe(1);
  expect(await f.proxyMetric('switchyard_proxy_attempts_total{cluster="c1",result="429"}')).toBeNull();
});
