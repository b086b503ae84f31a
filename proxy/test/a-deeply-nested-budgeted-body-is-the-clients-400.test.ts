/**
 * A token-budgeted app's body is rewritten before it goes upstream: usage asked for on a stream,
 * `max_tokens` lowered to the budget's cap. JSON.parse reads any depth but JSON.stringify
 * recurses, so a body nested ~10,000 deep made the rewrite throw: a 500 and an error in the log
 * for what is the client's body (found reviewing the prompt-cache salt, which had the same flaw).
 * Now it is a 400 naming the problem, before any attempt, and the proxy serves the next request.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SimCluster } from '../../control/sim-cluster/server.ts';
import type { RunningProxy } from '../src/proxy.ts';
import { rawRequest, startReplica, startTestProxy } from './harness.ts';

const APP = 'acme/budgeted';
/** `body` with a field nested `n` deep, written by hand: JSON.stringify cannot write it either. */
const withDeepField = (body: Record<string, unknown>, n: number): string => `${JSON.stringify(body).slice(0, -1)},"metadata":${'['.repeat(n)}${']'.repeat(n)}}`;

describe('a deeply nested body of a budgeted app', () => {
  let sim: SimCluster;
  let proxy: RunningProxy;
  beforeAll(async () => {
    sim = await startReplica('c1', 'r0');
    proxy = await startTestProxy({
      endpoints: [{ cluster: 'c1', app: APP, url: sim.url }],
      // Room for the prompt, not for 100,000 completion tokens: the cap applies.
      apps: [{ id: APP, requests: { tokenBudget: { tokensPerMinute: 5_000 } } }],
    });
  });
  afterAll(async () => {
    await proxy.close();
    await sim.close();
  });

  const send = (body: string): ReturnType<typeof rawRequest> =>
    rawRequest(proxy.url, { path: `/v4/${APP}/v1/chat/completions`, body, headers: { 'content-type': 'application/json' } });

  it.each([
    ['a stream whose usage is asked for', { stream: true, max_tokens: 5 }],
    ["max_tokens lowered to the budget's cap", { max_tokens: 100_000 }],
  ])('%s: 400, not 500', async (_name, extra) => {
    const r = await send(withDeepField({ model: 'demo-llm', messages: [{ role: 'user', content: 'hi' }], ...extra }, 9_000));
    expect(r.status, r.body).toBe(400);
    expect(r.body).toContain('nested too deeply');
    const next = await send(JSON.stringify({ model: 'demo-llm', max_tokens: 2, messages: [{ role: 'user', content: 'hi' }] }));
    expect(next.status, next.body).toBe(200);
  });
});
