/**
 * PROXY_WORKERS=2: one listen port, two worker processes both answering, one admin scrape on
 * the primary that sums them (the per-worker spread is its own series).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SimCluster } from '../../control/sim-cluster/server.ts';
import { APP, chatBody, rawRequest, startReplica } from './harness.ts';
import { metricSum, spawnProxy, type ProxyProcess } from './proxy-processes.ts';

describe('two proxy workers share one port and one metrics scrape', () => {
  let sim: SimCluster;
  let proxy: ProxyProcess;
  beforeAll(async () => {
    sim = await startReplica('c1', 'r0');
    proxy = await spawnProxy([{ cluster: 'c1', url: sim.url }], { PROXY_WORKERS: '2' });
  }, 30_000);
  afterAll(async () => {
    proxy.child.kill('SIGTERM');
    await proxy.exited;
    await sim.close();
  });

  it('answers on both workers and the scrape shows the sum and the spread', async () => {
    const n = 12;
    for (let i = 0; i < n; i += 1) {
      // A new connection each time: the primary hands connections to workers in turn.
      const r = await rawRequest(proxy.url, {
        path: `/v4/${APP}/v1/chat/completions`,
        body: chatBody({ max_tokens: 2 }),
        headers: { connection: 'close' },
      });
      expect(r.status).toBe(200);
    }
    const text = await (await fetch(`${proxy.adminUrl}/_switchyard/metrics`)).text();
    expect(metricSum(text, 'switchyard_proxy_requests_total')).toBe(n);
    const w0 = metricSum(text, 'switchyard_proxy_worker_requests', { worker: '0' });
    const w1 = metricSum(text, 'switchyard_proxy_worker_requests', { worker: '1' });
    expect(w0 + w1).toBe(n);
    expect(w0).toBeGreaterThan(0);
    expect(w1).toBeGreaterThan(0);
    const health = (await (await fetch(`${proxy.adminUrl}/_switchyard/health`)).json()) as { workers: number; serving: number };
    expect(health.workers).toBe(2);
    expect(health.serving).toBe(2);
  }, 30_000);
});
