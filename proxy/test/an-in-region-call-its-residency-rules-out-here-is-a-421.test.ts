/**
 * An in-region call to an app whose residency rules out every cluster it has in this proxy's
 * region (the demo's EU-only acme/eu-chat, which lists us-east-1, called at proxy-us-east) is in
 * the wrong region, as a call to an app with no cluster here is: 421 naming the regions it may run
 * in. It was 503 no-candidate, "Retry shortly", Retry-After 1: a client that retried as told was
 * refused forever (new-user walkthrough, session 47).
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { pushClusterState } from '../../control/store/push-cluster-state.ts';
import { sampleApp, sampleCluster, sampleState } from '../../control/store/test-fixtures.ts';
import { upsertApp } from '../../control/store/upsert-app.ts';
import { upsertCluster } from '../../control/store/upsert-cluster.ts';
import { DEFAULT_REQUEST_RULES, type Residency } from '../../shared/domain/types.ts';
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
  const now = Date.now();
  // c1 is this proxy's region (r1); c3 is in r3, on another continent.
  await upsertCluster(f.client, sampleCluster('c3', { region: 'r3', continent: 'NA', proxyId: 'proxy-r3' }), now);
  const app = (name: string, residency: Residency): Promise<unknown> =>
    upsertApp(f.client, sampleApp('acme', name, { clusters: ['c1', 'c2', 'c3'], residency, requests: DEFAULT_REQUEST_RULES }), now);
  await app('r2-only', { kind: 'regions', regions: ['r2'] });
  await app('na-only', { kind: 'continents', continents: ['NA'] });
  await app('r1-too', { kind: 'regions', regions: ['r1', 'r2'] });
  const apps = ['acme/r2-only', 'acme/na-only', 'acme/r1-too'];
  await pushClusterState(f.client, 'c1', {
    states: apps.map((appId) => sampleState('c1', appId, { observedAt: now })),
    status: { clusterId: 'c1', health: 'healthy', circuitOpen: false, draining: false, observedAt: now },
    endpoints: apps.map((appId) => ({ appId, url: upstream.url(), healthy: true, weight: 1 })),
  }, now);
});
afterAll(() => f.close());

async function call(app: string): Promise<{ status: number; retryAfter: string | null; code: string; message: string }> {
  const res = await fetch(`${f.proxy.url}/v4/acme/${app}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
  const text = await res.text();
  const body = res.status === 200 ? { error: { code: 'ok', message: text } } : (JSON.parse(text) as { error: { code: string; message: string } });
  return { status: res.status, retryAfter: res.headers.get('retry-after'), ...body.error };
}

it('a residency by region that leaves this region out: 421 naming the region it allows', async () => {
  const r = await call('r2-only');
  expect(r).toEqual({
    status: 421,
    retryAfter: null,
    code: 'not-in-region',
    message: 'acme/r2-only may not run in r1: its residency allows only r2: call it in one of those regions, or through the edge',
  });
});

it('a residency by continent that leaves this region out: 421 naming the regions on that continent', async () => {
  const r = await call('na-only');
  expect(r.status).toBe(421);
  expect(r.message).toBe('acme/na-only may not run in r1: its residency allows only r3: call it in one of those regions, or through the edge');
});

it('an app whose residency allows this region is served here as before', async () => {
  // The replica rows reach the proxy's endpoint registry at its next refresh.
  await waitFor(async () => (await call('r1-too')).status === 200, 'acme/r1-too is served in r1', 10_000);
});
