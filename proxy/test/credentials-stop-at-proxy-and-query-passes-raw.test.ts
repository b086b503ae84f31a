/**
 * What a replica receives: the client's Authorization and cookies are stripped (pass-through
 * only for an app with `requests.forwardAuthorization`), the routing token never, and the query
 * byte for byte with only `sy_*` removed (`?flag` stays `?flag`, `~` stays `~`).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningProxy } from '../src/proxy.ts';
import { startEchoReplica, type EchoReplica } from './echo-replica.ts';
import { rawRequest, startTestProxy, testKeys } from './harness.ts';

describe('credentials stop at the proxy and the query passes raw', () => {
  let replica: EchoReplica;
  let proxy: RunningProxy;
  let keys: Awaited<ReturnType<typeof testKeys>>;
  beforeAll(async () => {
    keys = await testKeys();
    replica = await startEchoReplica();
    proxy = await startTestProxy({
      endpoints: [
        { cluster: 'c1', app: 'acme/chat', url: replica.url },
        { cluster: 'c1', app: 'acme/creds', url: replica.url },
      ],
      apps: [{ id: 'acme/creds', requests: { forwardAuthorization: true } }],
      jwks: keys.jwks,
    });
  });
  afterAll(async () => {
    await proxy.close();
    await replica.close();
  });

  it.each([
    ['acme/chat', false],
    ['acme/creds', true],
  ])('%s: credentials forwarded = %s', async (app, forwarded) => {
    const r = await rawRequest(proxy.url, {
      method: 'GET',
      path: `/v4/${app}/v1/models`,
      headers: {
        'x-switchyard-token': await keys.mint({ app }),
        authorization: 'Bearer sk_live_project_key',
        cookie: 'session=abc',
      },
    });
    expect(r.status).toBe(200);
    const seen = replica.received.at(-1)?.headers ?? {};
    expect(seen['authorization'] !== undefined).toBe(forwarded);
    expect(seen['cookie'] !== undefined).toBe(forwarded);
    expect(seen['x-switchyard-token']).toBeUndefined();
  });

  it('passes the query raw and removes only sy_* parameters', async () => {
    const token = await keys.mint();
    const r = await rawRequest(proxy.url, {
      method: 'GET',
      path: `/v4/acme/chat/v1/models?flag&sig=a~b+c%2F&sy_token=${token}&x=`,
    });
    expect(r.status).toBe(200);
    expect(replica.received.at(-1)?.rawUrl).toBe('/v1/models?flag&sig=a~b+c%2F&x=');
  });
});
