/**
 * The proxy trusts the token issuer it is told (`PROXY_TOKEN_ISSUER` / `--token-issuer` /
 * `tokenIssuer`, default `switchyard-edge`, the edge's default `EDGE_TOKEN_ISSUER`). A fleet
 * whose edge signs as `staging-edge` works, and a token of the default issuer signed with the
 * same key (another deployment sharing it) is refused before any upstream contact.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SimCluster } from '../../control/sim-cluster/server.ts';
import type { RunningProxy } from '../src/proxy.ts';
import { APP, chatBody, rawRequest, startReplica, startTestProxy, testKeys } from './harness.ts';

describe('the proxy trusts the configured token issuer', () => {
  let sim: SimCluster;
  let proxy: RunningProxy;
  let keys: Awaited<ReturnType<typeof testKeys>>;
  beforeAll(async () => {
    keys = await testKeys();
    sim = await startReplica('c1', 'r0');
    proxy = await startTestProxy({
      endpoints: [{ cluster: 'c1', url: sim.url }],
      jwks: keys.jwks,
      config: { tokenIssuer: 'staging-edge' },
    });
  });
  afterAll(async () => {
    await proxy.close();
    await sim.close();
  });

  const send = async (issuer?: string): Promise<Awaited<ReturnType<typeof rawRequest>>> => {
    const token = await keys.mint(issuer === undefined ? {} : { issuer });
    return rawRequest(proxy.url, {
      path: `/v4/${APP}/v1/chat/completions`,
      body: chatBody({ max_tokens: 1 }),
      headers: { 'x-switchyard-token': token },
    });
  };

  it("serves a token of the configured issuer", async () => {
    expect((await send('staging-edge')).status).toBe(200);
  });

  it("refuses the default issuer's token (same key, other deployment) before the replica", async () => {
    const before = sim.control.snapshot().counters.requests;
    const r = await send();
    expect(r.status).toBe(401);
    expect(JSON.parse(r.body)).toMatchObject({ error: { code: 'token-wrong-issuer' } });
    expect(sim.control.snapshot().counters.requests).toBe(before);
  });
});
