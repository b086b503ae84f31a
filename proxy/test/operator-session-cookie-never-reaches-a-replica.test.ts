/**
 * The dashboard's session cookie (`switchyard_session`) is an operator's credential. Cookies
 * ignore ports, so with the dashboard on a proxy's host an operator's browser sends it with every
 * request to that proxy (token and redirect answers send browsers there): an app that forwards its
 * clients' cookies (`requests.forwardAuthorization`) handed it to its replica, whoever's app that
 * was. It never reaches a replica; the app's own cookies pass byte for byte.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningProxy } from '../src/proxy.ts';
import { startEchoReplica, type EchoReplica } from './echo-replica.ts';
import { rawRequest, startTestProxy, testKeys } from './harness.ts';

describe("the operator's dashboard session cookie never reaches a replica", () => {
  let replica: EchoReplica;
  let proxy: RunningProxy;
  let keys: Awaited<ReturnType<typeof testKeys>>;
  beforeAll(async () => {
    keys = await testKeys();
    replica = await startEchoReplica();
    proxy = await startTestProxy({
      endpoints: [{ cluster: 'c1', app: 'tenant-a/creds', url: replica.url }],
      apps: [{ id: 'tenant-a/creds', requests: { forwardAuthorization: true } }],
      jwks: keys.jwks,
    });
  });
  afterAll(async () => {
    await proxy.close();
    await replica.close();
  });

  it.each([
    ['among the app’s own cookies', 'session=abc; switchyard_session=operator-sid; theme=dark', 'session=abc; theme=dark'],
    ['alone', 'switchyard_session=operator-sid', undefined],
    ['absent', 'session=abc;theme=dark', 'session=abc;theme=dark'],
  ])('%s', async (_where, cookie, forwarded) => {
    const r = await rawRequest(proxy.url, {
      method: 'GET',
      path: '/v4/tenant-a/creds/v1/models',
      headers: { 'x-switchyard-token': await keys.mint({ app: 'tenant-a/creds' }), cookie },
    });
    expect(r.status).toBe(200);
    expect(replica.received.at(-1)?.headers['cookie']).toBe(forwarded);
  });
});
