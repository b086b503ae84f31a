/**
 * With auth disabled the proxy takes the cluster from the client's `x-switchyard-cluster` header
 * (token-gate.ts `openGate`). Metric labels must never take a client's value: a client naming a
 * new cluster per request would otherwise grow a time series each (unbounded memory and scrape
 * size). Only clusters this proxy knows (with endpoints) are ever attempted, so only they label;
 * a made-up name is refused (503 no-endpoints) and counted under `cluster="none"`.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { SimCluster } from '../../control/sim-cluster/server.ts';
import type { RunningProxy } from '../src/proxy.ts';
import { APP, chatBody, rawRequest, startReplica, startTestProxy } from './harness.ts';

const MADE_UP = 40;
let sim: SimCluster;
let proxy: RunningProxy;
beforeAll(async () => {
  sim = await startReplica('c1', 'r0', { tokensPerSecond: 2000 });
  proxy = await startTestProxy({ endpoints: [{ cluster: 'c1', url: sim.url }] });
});
afterAll(async () => {
  await proxy.close();
  await sim.close();
});

/** Every distinct `cluster` label value in the proxy's metrics text. */
async function clusterLabels(): Promise<Set<string>> {
  const text = await (await fetch(`${proxy.adminUrl}/_switchyard/metrics`)).text();
  return new Set([...text.matchAll(/[{,]cluster="([^"]*)"/g)].map((m) => m[1] ?? ''));
}

it('labels only known clusters, however many names clients make up', async () => {
  for (const stream of [false, true]) {
    // A real cluster named by the header is served and labelled as itself.
    const served = await rawRequest(proxy.url, { path: `/v4/${APP}/v1/chat/completions`, body: chatBody({ max_tokens: 2, stream }), headers: { 'x-switchyard-cluster': 'c1' } });
    expect(served.status).toBe(200);
    for (let i = 0; i < MADE_UP; i += 1) {
      const r = await rawRequest(proxy.url, {
        path: `/v4/${APP}/v1/chat/completions`,
        body: chatBody({ max_tokens: 2, stream }),
        headers: { 'x-switchyard-cluster': `made-up-${stream ? 's' : 'h'}-${i}` },
      });
      expect(r.status).toBe(503);
    }
  }
  expect([...(await clusterLabels())].sort()).toEqual(['c1', 'none']);
});
