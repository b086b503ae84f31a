/**
 * Tenant isolation on a shared model server: two projects' inference-aware apps on the same four
 * sim replicas. The replicas' prefix caches are shared (as a real engine's are without a cache
 * salt), so a prompt that lands where another tenant's identical prefix was cached comes back
 * faster (its `x-sim-cached-tokens` says how much was reused): the timing side channel that
 * tells one tenant what another sends. The proxy must never steer one tenant's prompt to the
 * replica that cached another's; its own tenant's prompts still follow their prefix.
 */
import { Agent } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SimCluster } from '../../control/sim-cluster/server.ts';
import type { RunningProxy } from '../src/proxy.ts';
import { startReplica, startTestProxy } from './harness.ts';
import { chatBody, sendChat } from './prefix-chat.ts';

const VICTIM = 'acme/chat';
const PROBER = 'globex/chat';
const PROMPTS = 16;

const chat = (k: number, question: string): string => chatBody(`secret-${k}`, question);

describe("one tenant's prompts never steer another's to the replica that cached them", () => {
  const replicas: SimCluster[] = [];
  let proxy: RunningProxy;
  const client = new Agent({ connections: 8 });

  beforeAll(async () => {
    for (let i = 0; i < 4; i++) {
      replicas.push(await startReplica('c1', `r${i}`, { slots: 2, queue: 64, tokensPerSecond: 2000, prefillTokensPerSecond: 20_000 }));
    }
    proxy = await startTestProxy({
      endpoints: [VICTIM, PROBER].flatMap((app) => replicas.map((r) => ({ cluster: 'c1', app, url: r.url }))),
      apps: [
        { id: VICTIM, strategy: 'inference-aware' },
        { id: PROBER, strategy: 'inference-aware' },
      ],
      config: { replicaScrapeIntervalMs: 100, replicaExploreRate: 0 },
    });
  });
  afterAll(async () => {
    await proxy.close();
    await client.close();
    await Promise.all(replicas.map((r) => r.close()));
  });

  async function send(app: string, body: string): Promise<{ replica: string; cached: number }> {
    const r = await sendChat(proxy.url, app, body, client);
    expect(r.status).toBe(200);
    return r;
  }

  it('sends the prober to a replica of its own choosing, not to the victim cache, prompt after prompt', async () => {
    let steered = 0;
    for (let k = 0; k < PROMPTS; k++) {
      const victim = await send(VICTIM, chat(k, 'what is due today?'));
      const again = await send(VICTIM, chat(k, 'and tomorrow?'));
      expect(again.replica).toBe(victim.replica); // the victim's own prefix still routes
      const probe = await send(PROBER, chat(k, 'anything'));
      if (probe.replica === victim.replica) steered++;
    }
    // Unsalted, every probe went to the victim's replica (16 of 16) and was served from its cache.
    // Salted, the prober's prompt lands by its own hash and the replicas' loads: the victim's about
    // 1 time in 4 (5 of 8 once on a loaded CI machine; 12 or more of 16 has odds ~2e-5).
    expect(steered).toBeLessThan((PROMPTS * 3) / 4);
  });
});
