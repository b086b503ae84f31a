import { request } from 'node:http';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { SimCluster } from '../../control/sim-cluster/server.ts';
import type { RunningProxy } from '../src/proxy.ts';
import { APP, chatBody, startReplica, startTestProxy, testKeys, waitFor, type TestKeys } from './harness.ts';

// A client that leaves mid-stream is its own choice: counting it as result="cut" per cluster made
// a healthy cluster's cut-stream rate (what an operator alerts on) rise with impatient clients.
let sim: SimCluster;
let proxy: RunningProxy;
let keys: TestKeys;

beforeAll(async () => {
  keys = await testKeys();
  sim = await startReplica('c1', 'r0', { tokensPerSecond: 20 });
  proxy = await startTestProxy({ endpoints: [{ cluster: 'c1', url: sim.url }], jwks: keys.jwks });
});
afterAll(async () => {
  await proxy.close();
  await sim.close();
});

it('is counted result="client_closed", not "cut"', async () => {
  const token = await keys.mint();
  await new Promise<void>((resolve, reject) => {
    const req = request(new URL(`/v4/${APP}/v1/chat/completions`, proxy.url), {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream', 'x-switchyard-token': token },
    }, (res) => {
      res.once('data', () => {
        req.destroy();
        resolve();
      });
    });
    req.on('error', () => undefined);
    req.once('error', reject);
    req.end(chatBody({ stream: true, max_tokens: 200 }));
  });
  const metrics = async (): Promise<string> => (await fetch(`${proxy.adminUrl}/_switchyard/metrics`)).text();
  await waitFor(async () => (await metrics()).includes('switchyard_proxy_gen_ai_streams_total{'), 'the stream end counted');
  const text = await metrics();
  expect(text).toContain(`switchyard_proxy_gen_ai_streams_total{app="${APP}",cluster="c1",result="client_closed"} 1`);
  expect(text).not.toContain('result="cut"');
});
