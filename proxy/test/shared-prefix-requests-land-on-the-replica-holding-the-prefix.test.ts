/**
 * Issue 13: an inference-aware app through one proxy to four real sim replicas. Requests that
 * share a long system prompt land on the replica that already holds it (the sim's own prefix
 * cache confirms the hit), different prefixes spread, a GET (no prompt) still works, and when
 * the holder's queue is skewed — as its real /metrics says — the prompt goes to the shortest
 * queue instead. The proxy reads only /metrics, never the sim's internals.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { Agent, request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SimCluster } from '../../control/sim-cluster/server.ts';
import type { RunningProxy } from '../src/proxy.ts';
import { APP, startReplica, startTestProxy } from './harness.ts';
import { chatBody, sendChat } from './prefix-chat.ts';

const chat = chatBody;
/** A second inference-aware app of the same proxy, on replicas that name their metrics as SGLang does. */
const SGLANG_APP = 'acme/sglang';

describe('shared-prefix requests land on the replica holding the prefix', () => {
  const replicas: SimCluster[] = [];
  const sglang: SimCluster[] = [];
  let proxy: RunningProxy;
  const client = new Agent({ connections: 32 });

  beforeAll(async () => {
    for (let i = 0; i < 4; i++) {
      replicas.push(await startReplica('c1', `r${i}`, { slots: 2, queue: 64, tokensPerSecond: 2000, prefillTokensPerSecond: 20_000 }));
    }
    for (let i = 0; i < 2; i++) sglang.push(await startReplica('c1', `s${i}`, { slots: 2, queue: 64, tokensPerSecond: 2000, metricNames: 'sglang' }));
    // One proxy for both apps: with SY_TEST_PROXY_WORKERS a second would be a second cluster to spawn.
    proxy = await startTestProxy({
      endpoints: [...replicas.map((r) => ({ cluster: 'c1', url: r.url })), ...sglang.map((r) => ({ cluster: 'c1', app: SGLANG_APP, url: r.url }))],
      apps: [
        { id: APP, strategy: 'inference-aware' },
        { id: SGLANG_APP, strategy: 'inference-aware' },
      ],
      config: { replicaScrapeIntervalMs: 100, replicaExploreRate: 0 },
    });
  });
  afterAll(async () => {
    await proxy.close();
    await client.close();
    await Promise.all([...replicas, ...sglang].map((r) => r.close()));
  });

  async function send(body: string, app = APP, via: Agent = client): Promise<{ replica: string; cached: number }> {
    const r = await sendChat(proxy.url, app, body, via);
    expect(r.status).toBe(200);
    return r;
  }

  it('sends every request of a tenant to the replica that cached its system prompt', async () => {
    const first = await send(chat('alpha', 'question 0'));
    expect(first.cached).toBe(0);
    for (let i = 1; i <= 8; i++) {
      const next = await send(chat('alpha', `question ${i}`));
      expect(next.replica).toBe(first.replica);
      // 600 words of system prompt: all its whole 16-token blocks come from the cache.
      expect(next.cached).toBeGreaterThanOrEqual(592);
    }
  });

  it('spreads different prefixes over the replicas, and serves a GET by load alone', async () => {
    const seen = new Set<string>();
    for (let t = 0; t < 16; t++) seen.add((await send(chat(`tenant${t}`, 'hello'))).replica);
    expect(seen.size).toBeGreaterThanOrEqual(3);
    const r = await request(`${proxy.url}/v4/${APP}/v1/models`, { dispatcher: client });
    expect(r.statusCode).toBe(200);
    await r.body.text();
  });

  it.each(['vllm', 'sglang'] as const)('falls back to the shortest queue when the holder is skewed busy (%s metric names)', async (names) => {
    const [pool, app] = names === 'vllm' ? [replicas, APP] : [sglang, SGLANG_APP];
    // Its own connection, kept alive, for the new app: one worker process sees both requests (with
    // SY_TEST_PROXY_WORKERS a worker scrapes only replicas it has picked among).
    const via = names === 'vllm' ? client : new Agent({ connections: 1 });
    const holder = await send(chat('beta', 'warm up'), app, via);
    const busy = pool.find((r) => r.config.replicaId === holder.replica);
    expect(busy).toBeDefined();
    // Load the holder behind the proxy's back: 2 running + 10 waiting, as its /metrics will say.
    const hold = new AbortController();
    const direct = Array.from({ length: 12 }, () =>
      request(`${busy?.url ?? ''}/v1/chat/completions`, {
        method: 'POST',
        body: JSON.stringify({ model: 'demo-llm', max_tokens: 5000, messages: [{ role: 'user', content: 'long' }] }),
        headers: { 'content-type': 'application/json' },
        signal: hold.signal,
      }).then((r) => r.body.text()).catch(() => ''),
    );
    try {
      await sleep(400); // a few scrapes
      const moved = await send(chat('beta', 'while busy'), app, via);
      expect(moved.replica).not.toBe(holder.replica);
    } finally {
      hold.abort();
      await Promise.all(direct);
      if (via !== client) await via.close();
    }
  });
});
