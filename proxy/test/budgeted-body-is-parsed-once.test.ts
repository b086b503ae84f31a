/**
 * A token-budgeted app's request body is JSON-parsed once (on the event loop; a large one on the
 * parse thread, body-parser.ts), whether or not the app also routes by prompt (inference-aware):
 * the budget's count and the prompt's block hashes come from the same parse. Before, the body
 * reader always hashed the prompt (one parse) and the budget parsed it again, so a tenant's large
 * bodies cost every tenant on the proxy twice their parse time.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { SimCluster } from '../../control/sim-cluster/server.ts';
import type { RunningProxy } from '../src/proxy.ts';
import { chatBody, rawRequest, startReplica, startTestProxy, testKeys } from './harness.ts';

const PLAIN = 'acme/budgeted';
const AWARE = 'acme/budgeted-aware';

describe('a budgeted body is parsed once', () => {
  let sim: SimCluster;
  let proxy: RunningProxy;
  let keys: Awaited<ReturnType<typeof testKeys>>;

  beforeAll(async () => {
    keys = await testKeys();
    sim = await startReplica('c1', 'r0', { tokensPerSecond: 2_000 });
    const tokenBudget = { tokensPerMinute: 1_000_000 };
    proxy = await startTestProxy({
      endpoints: [PLAIN, AWARE].map((app) => ({ cluster: 'c1', app, url: sim.url })),
      apps: [
        { id: PLAIN, requests: { tokenBudget } },
        { id: AWARE, strategy: 'inference-aware', requests: { tokenBudget } },
      ],
      jwks: keys.jwks,
      config: { replicaScrapeIntervalMs: 0 },
    });
  });
  afterAll(async () => {
    await proxy.close();
    await sim.close();
  });
  afterEach(() => vi.restoreAllMocks());

  it.each([PLAIN, AWARE])('%s', async (app) => {
    const marker = `parse-count-marker-${app}-${Math.random()}`;
    const body = chatBody({ max_tokens: 4, messages: [{ role: 'user', content: `${marker} ${'words '.repeat(200)}` }] });
    // The simulated replica runs in this process too and parses the body as well: count only
    // the parses made by the proxy's own code.
    const original = JSON.parse.bind(JSON);
    let parsesOfBody = 0;
    vi.spyOn(JSON, 'parse').mockImplementation((text: string, reviver?: Parameters<typeof JSON.parse>[1]) => {
      if (typeof text === 'string' && text.includes(marker) && (new Error().stack ?? '').includes('/proxy/src/')) parsesOfBody += 1;
      return original(text, reviver) as unknown;
    });
    const r = await rawRequest(proxy.url, {
      path: `/v4/${app}/v1/chat/completions`,
      body,
      headers: { 'x-switchyard-token': await keys.mint({ app }) },
    });
    expect(r.status, r.body).toBe(200);
    expect(parsesOfBody).toBe(1);
  });
});
