/**
 * An app applied with `switchyard apply` has no replicas until a cluster's aggregator lists it
 * (`apply` writes none): every request was 503 "no replicas of acme/new in c1 are known to this
 * proxy", which told neither client nor operator what was missing (new-user walkthrough, session
 * 47: examples/routes.yaml's acme/assistant on the demo stack). The refusal now names where the
 * replicas are listed: the aggregator's config for a proxy reading libSQL, the endpoints file for
 * one reading a file.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sampleApp } from '../../control/store/test-fixtures.ts';
import { upsertApp } from '../../control/store/upsert-app.ts';
import { DEFAULT_REQUEST_RULES } from '../../shared/domain/types.ts';
import type { RunningProxy } from '../src/proxy.ts';
import { useServer } from './async-jobs-fixture.ts';
import { APP, chatBody, rawRequest, startTestProxy, testKeys } from './harness.ts';
import { startInRegionFixture, type InRegionFixture } from './in-region-fixture.ts';

const upstream = useServer((req, res) => {
  req.resume();
  req.on('end', () => res.end('ok'));
});

describe('a proxy reading libSQL', () => {
  let f: InRegionFixture;
  beforeAll(async () => {
    f = await startInRegionFixture(upstream.url());
    // Applied, on c1 (this proxy's region), but listed by no aggregator.
    await upsertApp(f.client, sampleApp('acme', 'new', { clusters: ['c1'], requests: DEFAULT_REQUEST_RULES }), Date.now());
  });
  afterAll(() => f.close());

  it('names the aggregator config as where the replicas are listed', async () => {
    const res = await fetch(`${f.proxy.url}/v4/acme/new/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    expect(res.status).toBe(503);
    expect(res.headers.get('x-switchyard-refused')).toBe('not-started');
    expect(await res.json()).toEqual({
      error: {
        code: 'no-endpoints',
        message: 'no replicas of acme/new in c1 are known to this proxy: no aggregator reports any: list them under apps: acme/new in the aggregator config of each cluster named',
      },
    });
  });
});

describe('a proxy reading an endpoints file', () => {
  let proxy: RunningProxy;
  let keys: Awaited<ReturnType<typeof testKeys>>;
  beforeAll(async () => {
    keys = await testKeys();
    proxy = await startTestProxy({ endpoints: [{ cluster: 'c1', url: upstream.url() }], jwks: keys.jwks });
  });
  afterAll(() => proxy.close());

  it('names the endpoints file', async () => {
    const r = await rawRequest(proxy.url, {
      path: `/v4/${APP}/v1/chat/completions`,
      body: chatBody(),
      headers: { 'x-switchyard-token': await keys.mint({ cluster: 'c2' }) },
    });
    expect(r.status).toBe(503);
    const err = (JSON.parse(r.body) as { error: { code: string; message: string } }).error;
    expect(err.code).toBe('no-endpoints');
    expect(err.message).toMatch(/^no replicas of acme\/chat in c2 are known to this proxy: the endpoints file \S+endpoints\.json lists none for acme\/chat there$/);
  });
});
