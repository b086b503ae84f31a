/**
 * Capacity: fill every hot slot of the cluster a Frankfurt client would prefer; as
 * soon as the aggregator reports it, traffic goes to a cluster that still has hot
 * capacity instead of queueing or cold-starting there, and the log says so.
 *
 * eu-chat (EU only) has two candidates, so the ttft model's standby share
 * (ROUTE_STANDBY_SHARE, 5 %) still sends a few requests to the saturated one to keep
 * it warm: at most that share lands there, and never as a start-up (its replicas run).
 */
import { describe, expect, it } from 'vitest';
import { CLIENTS, devLocation, sleep, useStack } from './stack.ts';

const h = useStack(22_000);

interface Explained {
  chosen: string;
  tier: string;
  candidates: Array<{ clusterId: string; tier: string | null }>;
}

async function explain(edge: string, key: string): Promise<Explained> {
  const res = await fetch(`${edge}/explain/v4/acme/eu-chat/v1/chat/completions`, {
    headers: { authorization: `Bearer ${key}`, 'x-switchyard-operator-key': h.stack().operatorKey, ...devLocation(CLIENTS.frankfurt) },
  });
  expect(res.status).toBe(200);
  const body = (await res.json()) as { decision?: Explained } & Explained;
  return body.decision ?? body;
}

describe('hot capacity fills up', () => {
  it('moves traffic to a cluster with hot capacity before any cold start', async () => {
    const { edgeUrl, apiKey, topology } = h.stack();
    const target = topology.clusters.find((c) => c.id === 'eu-central-1');
    if (target === undefined) throw new Error('topology has no eu-central-1');
    // Hold every slot of eu-central-1 with long jobs sent straight to its replicas.
    const holds: Array<Promise<unknown>> = [];
    const ctrl = new AbortController();
    for (let r = 0; r < target.replicas; r++) {
      for (let s = 0; s < target.slotsPerReplica; s++) {
        holds.push(
          fetch(`http://127.0.0.1:${target.firstPort + r}/v1/jobs`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ durationMs: 20_000, heartbeatMs: 500 }),
            signal: ctrl.signal,
          }).then((res) => res.body?.getReader().read()).catch(() => undefined),
        );
      }
    }
    // Wait for the aggregator to push hotFree = 0 and the edge to refresh.
    const deadline = Date.now() + 10_000;
    let d = await explain(edgeUrl, apiKey);
    while (d.candidates.find((c) => c.clusterId === 'eu-central-1')?.tier === 'hot' && Date.now() < deadline) {
      await sleep(200);
      d = await explain(edgeUrl, apiKey);
    }
    const picks = new Map<string, number>();
    for (let i = 0; i < 30; i++) {
      d = await explain(edgeUrl, apiKey);
      if (d.chosen !== 'eu-central-1') expect(d.tier).toBe('hot');
      picks.set(d.chosen, (picks.get(d.chosen) ?? 0) + 1);
    }
    ctrl.abort();
    await Promise.all(holds);
    expect(d.candidates.find((c) => c.clusterId === 'eu-central-1')?.tier).not.toBe('hot');
    // 30 draws at a 5 % standby share: more than 6 has a probability below 0.001.
    expect(picks.get('eu-central-1') ?? 0).toBeLessThanOrEqual(6);
    expect((picks.get('eu-west-1') ?? 0) + (picks.get('eu-central-1') ?? 0)).toBe(30);
  }, 60_000);
});
