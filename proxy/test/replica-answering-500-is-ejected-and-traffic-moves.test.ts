/**
 * Issue 12 item 3 / issue 10 item 4: a replica that answers 500 while its /health is 200 (a
 * gray failure) is a failing replica: GETs are retried on the other replica, the outlier
 * detector ejects it, and POSTs move to the healthy replica. Its 500s reach a client only
 * where a retry was not safe (a POST that replica may have started).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SimCluster } from '../../control/sim-cluster/server.ts';
import type { RunningProxy } from '../src/proxy.ts';
import { APP, chatBody, rawRequest, startReplica, startTestProxy, testKeys } from './harness.ts';

describe('a replica answering 500 with /health 200 is ejected and traffic moves', () => {
  let bad: SimCluster;
  let good: SimCluster;
  let proxy: RunningProxy;
  let keys: Awaited<ReturnType<typeof testKeys>>;
  beforeAll(async () => {
    keys = await testKeys();
    bad = await startReplica('c1', 'r-bad');
    good = await startReplica('c1', 'r-good');
    bad.control.setServerErrors(true);
    proxy = await startTestProxy({
      endpoints: [
        { cluster: 'c1', url: bad.url },
        { cluster: 'c1', url: good.url },
      ],
      jwks: keys.jwks,
      // Health checks run (and pass): only passive detection can find this replica.
      config: {
        healthCheckIntervalMs: 200,
        outlierConsecutiveFailures: 3,
        outlierBaseEjectionMs: 30_000,
      },
    });
  });
  afterAll(async () => {
    await proxy.close();
    await bad.close();
    await good.close();
  });

  it('retries idempotent requests on the other replica: no 500 reaches the client', async () => {
    const token = await keys.mint();
    for (let i = 0; i < 10; i += 1) {
      const r = await rawRequest(proxy.url, {
        method: 'GET',
        path: `/v4/${APP}/v1/models`,
        headers: { 'x-switchyard-token': token },
      });
      expect(r.status).toBe(200);
      expect(r.headers['x-sim-replica']).toBe('r-good');
    }
    expect(bad.control.snapshot().counters.failed).toBeGreaterThan(0);
  });

  it('has ejected the failing replica although its health checks pass', async () => {
    await proxy.refresh();
    const ep = proxy.runtime.registry.endpoints('c1', APP).find((e) => e.url === bad.url);
    expect(ep?.checkedHealthy).toBe(true);
    expect(proxy.runtime.outliers.isEjected(APP, bad.url, Date.now())).toBe(true);
  });

  it('sends every POST to the healthy replica now', async () => {
    const before = bad.control.snapshot().counters.failed;
    const token = await keys.mint();
    for (let i = 0; i < 10; i += 1) {
      const r = await rawRequest(proxy.url, {
        path: `/v4/${APP}/v1/chat/completions`,
        body: chatBody({ max_tokens: 1 }),
        headers: { 'x-switchyard-token': token },
      });
      expect([r.status, r.headers['x-sim-replica']]).toEqual([200, 'r-good']);
    }
    expect(bad.control.snapshot().counters.failed).toBe(before);
  });
});
