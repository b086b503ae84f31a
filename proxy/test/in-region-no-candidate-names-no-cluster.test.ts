/**
 * An in-region caller refused because no cluster here may serve it is told so, and how an operator
 * finds out why, but not the fleet's insides: the edge's `no-candidate` names no cluster, provider
 * or cause (workers/README.md), and the in-region one put the whole decision summary (cluster ids,
 * why each was ruled out) in the client's answer (audit, session 32).
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { pushClusterState } from '../../control/store/push-cluster-state.ts';
import { sampleState } from '../../control/store/test-fixtures.ts';
import { useServer } from './async-jobs-fixture.ts';
import { waitFor } from './harness.ts';
import { startInRegionFixture, type InRegionFixture } from './in-region-fixture.ts';

const upstream = useServer((req, res) => {
  req.resume();
  req.on('end', () => res.end('ok'));
});
let f: InRegionFixture;
beforeAll(async () => {
  f = await startInRegionFixture(upstream.url());
});
afterAll(() => f.close());

it('answers 503 no-candidate with the decision id for operators, naming no cluster or cause', async () => {
  const now = Date.now();
  await pushClusterState(f.client, 'c1', {
    states: [sampleState('c1', 'acme/open', { observedAt: now })],
    status: { clusterId: 'c1', health: 'unhealthy', circuitOpen: true, draining: true, observedAt: now },
    endpoints: [{ appId: 'acme/open', url: upstream.url(), healthy: true, weight: 1 }],
  }, now);
  let body = '';
  await waitFor(async () => {
    const res = await fetch(`${f.proxy.url}/v4/acme/open/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    body = await res.text();
    return res.status === 503;
  }, 'the closed cluster is seen', 10_000);
  const err = (JSON.parse(body) as { error: { code: string; message: string } }).error;
  expect(err.code).toBe('no-candidate');
  expect(err.message).toMatch(/^No cluster in r1 may serve this request right now\. Retry shortly; operators can explain the decision by its id [0-9a-f-]{36}/);
  // Was: "no cluster in r1 can take acme/open now: in-region (r1): … c1 … unhealthy …".
  expect(err.message.replace(/[0-9a-f-]{36}/, '<id>')).not.toMatch(/c1|unhealthy|draining|in-region \(/);
});
