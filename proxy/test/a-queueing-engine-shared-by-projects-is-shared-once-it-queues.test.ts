/**
 * P1 (tenant isolation), replica shares (src/replica-shares.ts) behind an engine that queues
 * instead of refusing, as vLLM and SGLang do by default. `learn` learnt a replica's capacity only
 * from its 429, which such an engine never sends: one project's streams filled its slots and then
 * its queue, and another project's request waited behind all of them. Now a scrape of the
 * replica's `/metrics` (inference-aware apps' replicas) that finds requests waiting teaches the
 * capacity (the running count), so the flood is held to its share and the other project is sent.
 */
import type { ClientRequest } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SimCluster } from '../../control/sim-cluster/server.ts';
import type { RunningProxy } from '../src/proxy.ts';
import { startReplica, startTestProxy, waitFor } from './harness.ts';
import { open, type Opened } from './stream-holding-replica.ts';

const HOG = 'hog/chat';
const QUIET = 'quiet/chat';
const SLOTS = 4;
/** Long enough to hash into prefix blocks: a prompt is what makes the pick inference-aware (and scraped). */
const SYSTEM = Array.from({ length: 200 }, (_, i) => `policy-${i}`).join(' ');

/** POSTs a long streamed chat and resolves at the answer's head (a queued one: when it starts). */
function openStream(base: string, app: string): Promise<Opened> {
  const payload = JSON.stringify({ model: 'demo-llm', max_tokens: 4000, stream: true, messages: [{ role: 'system', content: SYSTEM }, { role: 'user', content: `hi from ${app}` }] });
  return open(base, `/v4/${app}/v1/chat/completions`, payload);
}

/** The replica's queued requests, as its /metrics says. */
async function waiting(r: SimCluster): Promise<number> {
  const text = await (await fetch(`${r.url}/metrics`)).text();
  return Number(/^vllm:num_requests_waiting\{[^}]*\} (\d+)$/m.exec(text)?.[1] ?? NaN);
}

describe('a queueing engine two projects share', () => {
  let replica: SimCluster;
  let proxy: RunningProxy;
  const requests: ClientRequest[] = [];

  beforeAll(async () => {
    replica = await startReplica('c1', 'r0', { slots: SLOTS, queue: 64, tokensPerSecond: 5 });
    proxy = await startTestProxy({
      endpoints: [HOG, QUIET].map((app) => ({ cluster: 'c1', app, url: replica.url })),
      apps: [HOG, QUIET].map((id) => ({ id, strategy: 'inference-aware' })),
      config: { replicaScrapeIntervalMs: 100 },
    });
  });
  afterAll(async () => {
    for (const r of requests) r.destroy();
    await proxy.close();
    await replica.close();
  });

  it('holds the flood to its share once the engine queues, and sends the other project', async () => {
    // The flood: every slot, then two more that wait in the engine's queue (no 429 ever comes).
    const opened = Array.from({ length: SLOTS + 2 }, () => openStream(proxy.url, HOG));
    for (const o of opened) void o.then((x) => requests.push(x.req), () => undefined);
    await waitFor(async () => (await waiting(replica)) === 2, 'two of the flood queued at the engine');
    await sleep(600); // six scrape intervals

    // Before, the flood's next request joined the engine's queue too (no answer: still waiting).
    const next = openStream(proxy.url, HOG);
    void next.then((x) => requests.push(x.req), () => undefined);
    const hog = await Promise.race([next, sleep(2_000).then(() => 'queued at the engine' as const)]);
    expect(hog === 'queued at the engine' ? hog : hog.status).toBe(429);
    if (hog !== 'queued at the engine') expect(JSON.parse(await hog.body)).toMatchObject({ error: { code: 'replica-share-exceeded' } });
    expect(proxy.runtime.replicaShares.capacityOf(replica.url, proxy.runtime.now())).toBe(SLOTS);
    expect(proxy.runtime.replicaShares.verdict(replica.url, 'quiet', proxy.runtime.now())).toBe('admit');
  });
});
