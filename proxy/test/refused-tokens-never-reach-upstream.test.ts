import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SimCluster } from '../../control/sim-cluster/server.ts';
import type { RunningProxy } from '../src/proxy.ts';
import { APP, chatBody, rawRequest, startReplica, startTestProxy, testKeys } from './harness.ts';

describe('refused tokens never reach the upstream', () => {
  let sim: SimCluster;
  let proxy: RunningProxy;
  let keys: Awaited<ReturnType<typeof testKeys>>;
  beforeAll(async () => {
    keys = await testKeys();
    sim = await startReplica('c1', 'r0');
    proxy = await startTestProxy({ endpoints: [{ cluster: 'c1', url: sim.url }], jwks: keys.jwks });
  });
  afterAll(async () => {
    await proxy.close();
    await sim.close();
  });

  it.each([
    ['missing', async () => null, 401, 'token-missing'],
    ['forged (right kid, wrong key)', async () => keys.forge(), 401, 'token-bad-signature'],
    [
      'expired',
      async () => keys.mint({ now: Date.now() - 600_000, ttlSeconds: 60 }),
      401,
      'token-expired',
    ],
    [
      'for another proxy',
      async () => keys.mint({ aud: 'proxy-elsewhere' }),
      403,
      'token-wrong-audience',
    ],
    ['for another app', async () => keys.mint({ app: 'acme/other' }), 403, 'token-wrong-app'],
    [
      'from another edge deployment (same key, other iss)',
      async () => keys.mint({ issuer: 'staging-edge' }),
      401,
      'token-wrong-issuer',
    ],
    [
      'for another function',
      async () => keys.mint({ fn: 'v1/embeddings' }),
      403,
      'token-wrong-app',
    ],
    ['not a JWS', async () => 'not-a-token', 401, 'token-malformed'],
  ])('%s → %i %s', async (_name, make, status, code) => {
    const token = await make();
    const before = sim.control.snapshot().counters.requests;
    const r = await rawRequest(proxy.url, {
      path: `/v4/${APP}/v1/chat/completions`,
      body: chatBody(),
      headers: token === null ? {} : { 'x-switchyard-token': token },
    });
    expect(r.status).toBe(status);
    expect(r.headers['content-type']).toContain('application/json');
    const body = JSON.parse(r.body) as { error: { code: string; message: string } };
    expect(body.error.code).toBe(code);
    expect(body.error.message.length).toBeGreaterThan(10);
    expect(r.headers['x-switchyard-cluster']).toBeUndefined();
    expect(sim.control.snapshot().counters.requests).toBe(before);
  });

  it('a valid token for this function is served (the gate is not refusing everything)', async () => {
    const r = await rawRequest(proxy.url, {
      path: `/v4/${APP}/v1/chat/completions`,
      body: chatBody({ max_tokens: 2 }),
      headers: { 'x-switchyard-token': await keys.mint({ fn: 'v1/chat/completions' }) },
    });
    expect(r.status).toBe(200);
    expect(sim.control.snapshot().counters.requests).toBeGreaterThan(0);
  });
});
