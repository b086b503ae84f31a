/**
 * A drain keeps taking connections for `drainAcceptMs`, answering each request 503 `draining`
 * with `x-switchyard-refused: not-started` and `Connection: close`. An edge that has not yet read
 * the draining mark (it refreshes its snapshot about once a second) sends its next request to
 * the drained proxy; when the listener closed at once that request met a refused connection,
 * which the edge cannot tell from one cut after the proxy started, so it never re-sent a POST:
 * the client got 502 `all-refused` while three healthy fallbacks stood by (found by an operator's
 * walk-through: three POSTs in the 1.2 s after a SIGTERM). Then the listener closes.
 */
import { request } from 'node:http';
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SimCluster } from '../../control/sim-cluster/server.ts';
import type { RunningProxy } from '../src/proxy.ts';
import { APP, chatBody, startReplica, startTestProxy, testKeys } from './harness.ts';

const ACCEPT_MS = 1_000;

/** A POST on a connection of its own (no pool): what an edge that opens a new one sends. */
function postOnNewConnection(url: string, token: string): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(new URL(`/v4/${APP}/v1/chat/completions`, url), { method: 'POST', agent: false, headers: { 'content-type': 'application/json', 'x-switchyard-token': token } }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (t: string) => (body += t));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end(chatBody());
  });
}

function refusesConnections(url: string): Promise<boolean> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const s = net.connect(Number(port), hostname);
    s.once('connect', () => (s.destroy(), resolve(false)));
    s.once('error', () => resolve(true));
  });
}

describe('a draining proxy answers new connections with a refusal the edge re-sends', () => {
  let sim: SimCluster;
  let proxy: RunningProxy;
  let keys: Awaited<ReturnType<typeof testKeys>>;
  beforeAll(async () => {
    keys = await testKeys();
    sim = await startReplica('c1', 'r0');
    proxy = await startTestProxy({ endpoints: [{ cluster: 'c1', url: sim.url }], jwks: keys.jwks, config: { drainAcceptMs: ACCEPT_MS } });
  });
  afterAll(async () => {
    await proxy.close();
    await sim.close();
  });

  it('takes new connections for drainAcceptMs, refusing each request as not started, then stops accepting', async () => {
    const token = await keys.mint();
    expect((await postOnNewConnection(proxy.url, token)).status).toBe(200);

    const startedAt = Date.now();
    const drained = proxy.drain(10_000);
    const during = await postOnNewConnection(proxy.url, token);
    expect(during.status).toBe(503);
    expect(during.headers['x-switchyard-refused']).toBe('not-started');
    expect(during.headers['connection']).toBe('close');
    expect(during.headers['retry-after']).toMatch(/^\d+$/);
    expect(JSON.parse(during.body)).toMatchObject({ error: { code: 'draining' } });

    while (!(await refusesConnections(proxy.url))) await new Promise((r) => setTimeout(r, 25));
    const closedAfter = Date.now() - startedAt;
    expect(closedAfter).toBeGreaterThanOrEqual(ACCEPT_MS - 50);
    const result = await drained;
    // An idle proxy ends with its accept window, not its deadline.
    expect(result.durationMs).toBeLessThan(5_000);
    expect(result.forced).toBe(0);
  }, 20_000);
});
