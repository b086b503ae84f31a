/**
 * A project's token budget covers all its apps together: what one app used is gone for the
 * other, whose stream is then cut at what the project has left, with the count charged equal to
 * the engine's own usage; the next request is a 429 naming the project's budget (its own
 * `x-ratelimit-*-project-tokens` headers next to the app's), before any replica is contacted.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { SimCluster } from '../../control/sim-cluster/server.ts';
import type { RunningProxy } from '../src/proxy.ts';
import { chatBody, rawRequest, startReplica, startTestProxy, testKeys, type TestKeys } from './harness.ts';
import { contentChunks, events } from './token-budget-fixture.ts';

const PROJECT_TPM = 60;
let sim: SimCluster;
let proxy: RunningProxy;
let keys: TestKeys;

beforeAll(async () => {
  keys = await testKeys();
  sim = await startReplica('c1', 'r0', { tokensPerSecond: 400 });
  proxy = await startTestProxy({
    endpoints: [
      { cluster: 'c1', app: 'acme/chat', url: sim.url },
      { cluster: 'c1', app: 'acme/other', url: sim.url },
    ],
    // The app's own budget is roomy: the project's is the one that runs out.
    apps: [{ id: 'acme/chat', requests: { tokenBudget: { tokensPerMinute: 100_000 } } }, { id: 'acme/other' }],
    projects: [{ id: 'acme', tokenBudget: { tokensPerMinute: PROJECT_TPM } }],
    jwks: keys.jwks,
  });
});
afterAll(async () => {
  await proxy.close();
  await sim.close();
});

const chat = async (app: string, extra: Record<string, unknown>) =>
  rawRequest(proxy.url, {
    path: `/v4/${app}/v1/chat/completions`,
    body: chatBody(extra),
    headers: { 'x-switchyard-token': await keys.mint({ app }), accept: 'text/event-stream' },
  });

const metric = async (url: string, series: string): Promise<number> => {
  let sum = 0;
  for (const line of (await (await fetch(url)).text()).split('\n')) {
    const name = line.slice(0, line.lastIndexOf(' '));
    if (name === series || (!series.includes('{') && name.startsWith(`${series}{`))) sum += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return sum;
};

it('one app spends part of the project budget; the other app is cut at the rest, charged exactly the engine usage', async () => {
  const first = await chat('acme/other', { max_tokens: 10 });
  expect(first.status).toBe(200);
  // An app without a budget of its own reports only its project's.
  expect(first.headers['x-ratelimit-limit-project-tokens']).toBe(String(PROJECT_TPM));
  expect(first.headers['x-ratelimit-limit-tokens']).toBeUndefined();

  const r = await chat('acme/chat', { stream: true, max_tokens: 500 });
  expect(r.status).toBe(200);
  const evs = events(r.body);
  const tokens = contentChunks(evs);
  const last = evs[evs.length - 1] as { error?: { code?: string; message?: string } };
  expect(last.error?.code).toBe('token_budget_exceeded');
  expect(last.error?.message).toContain('project acme');
  expect(r.body).not.toContain('[DONE]');
  expect(r.body).not.toContain('"usage"');

  const engineOut = await metric(`${sim.url}/metrics`, 'vllm:generation_tokens_total');
  const engineIn = await metric(`${sim.url}/metrics`, 'vllm:prompt_tokens_total');
  const charged = (type: string) => metric(`${proxy.adminUrl}/_switchyard/metrics`, `switchyard_proxy_token_budget_tokens_total{app="acme/chat",type="${type}"}`);
  // The stream got what the project had left after the first app's answer.
  expect(engineOut).toBe(10 + tokens);
  expect(await charged('completion')).toBe(tokens);
  const otherIn = await metric(`${proxy.adminUrl}/_switchyard/metrics`, 'switchyard_proxy_token_budget_tokens_total{app="acme/other",type="prompt"}');
  expect((await charged('prompt')) + otherIn).toBe(engineIn);
  // The cut point is the budget minus the prompt estimate's excess (characters / 4 over the
  // engine's count, settled afterwards), plus what refilled meanwhile: never over it.
  expect(engineIn + engineOut).toBeGreaterThanOrEqual(PROJECT_TPM * 0.8);
  expect(engineIn + engineOut).toBeLessThanOrEqual(PROJECT_TPM + 2);

  // The project is spent: either app is refused, naming the project's budget, before the engine.
  const refused = await chat('acme/chat', { max_tokens: 5 });
  expect(refused.status).toBe(429);
  expect(JSON.parse(refused.body)).toMatchObject({ error: { code: 'project-token-budget-exceeded' } });
  expect(refused.headers['x-ratelimit-budget']).toBe('project acme');
  // What is left (the estimate's excess refunded, a second's refill) is less than the prompt needs.
  expect(Number(refused.headers['x-ratelimit-remaining-project-tokens'])).toBeLessThan(10);
  expect(Number(refused.headers['x-ratelimit-remaining-tokens'])).toBeGreaterThan(1000);
  expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
  expect(await metric(`${sim.url}/metrics`, 'vllm:generation_tokens_total')).toBe(engineOut);
});
